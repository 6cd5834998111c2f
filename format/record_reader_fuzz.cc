// libFuzzer target: the strict reader and the event layer on arbitrary bytes must never crash, hang
// or read out of bounds, and must account for every byte (records + skipped bytes never exceed
// input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "format/event_reader.h"

namespace {
class Sum : public tbfault::format::RecordReader::Reporter {
 public:
  void Corruption(const tbfault::format::AnomalyReport& r) override {
    if (r.offset > size || r.skipped > size) std::abort();
  }
  uint64_t size = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Sum sum;
  sum.size = size;
  tbfault::format::RecordReader records(bytes, &sum);
  std::string_view rec;
  uint64_t offset, last_end = 0;
  while (records.ReadRecord(&rec, &offset)) {
    if (offset < last_end || offset + rec.size() + 16 > size) std::abort();
    last_end = offset + rec.size() + 16;
  }
  tbfault::format::EventReader events(bytes, &sum);
  tbfault::format::EventRecord event;
  while (events.Next(&event)) {
  }
  return 0;
}
