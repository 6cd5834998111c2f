// ScalarEncoder: encodes a modern scalar event (DESIGN.md section 2) as one framed record without
// building a protobuf message: per tag, the constant bytes are made once (with the plugin metadata
// for the tag's first value, without it afterwards) and wall time, step and value are patched in.
// The output is byte-identical to format::ScalarEvent + format::AppendEventRecord (tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tbfault::writers {

class ScalarTemplate {
 public:
  ScalarTemplate() = default;
  ScalarTemplate(std::string_view tag, bool first_of_tag);

  // Bytes the framed record takes at most (for any step).
  size_t max_frame_size() const { return prefix_.size() + suffix_.size() + 4 + 9 + 11 + 16; }
  // Writes the framed record to `out` (room for max_frame_size()); returns its size. Uses the
  // SSE4.2 CRC instruction inline when the processor has it.
  size_t Encode(char* out, double wall_time, int64_t step, float value) const;
  // The same bytes with the portable table CRC (for tests and processors without SSE4.2).
  size_t EncodePortable(char* out, double wall_time, int64_t step, float value) const;

 private:
  std::string prefix_;  // summary field up to the float bytes.
  std::string suffix_;  // after them: the plugin metadata on the first value, else empty.
  bool hardware_crc_ = false;
};

}  // namespace tbfault::writers
