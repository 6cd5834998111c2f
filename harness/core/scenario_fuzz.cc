// libFuzzer target for the scenario loader: arbitrary bytes through ParseScenario (the text-format
// parse and every validation). It must never crash, hang or leak; an error is one line naming the
// file; an accepted scenario prints back to text that is accepted again.
#include <google/protobuf/text_format.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/core/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kFile = "fuzz.textproto";
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tbfault::scenario::Scenario s;
  tbfault::Status st = tbfault::core::ParseScenario(text, kFile, &s);
  if (!st.ok()) {
    const std::string& m = st.message();
    if (!m.starts_with(kFile) || m.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  std::string printed;
  if (!google::protobuf::TextFormat::PrintToString(s, &printed)) std::abort();
  tbfault::scenario::Scenario again;
  tbfault::Status st2 = tbfault::core::ParseScenario(printed, kFile, &again);
  if (!st2.ok()) {
    std::fprintf(stderr, "accepted, printed back and refused: %s\n%s\n", st2.message().c_str(),
                 printed.c_str());
    std::abort();
  }
  return 0;
}
