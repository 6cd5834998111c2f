#include "writers/mutants/record_mutants.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "format/events.h"
#include "format/record.h"

namespace tbfault::writers {
namespace {

// The record of `event` whose data is `data`, framed with the CRC of `crc_data` and a header
// that claims `extra` bytes more than `data` holds.
void AppendWithCrcOf(std::string_view data, std::string_view crc_data, std::string* out,
                     uint64_t extra = 0) {
  size_t start = out->size();
  out->resize(start + data.size() + record::kFrameOverhead);
  char* p = out->data() + start;
  record::EncodeHeader(p, data.size() + extra);
  std::copy(data.begin(), data.end(), p + record::kHeaderSize);
  record::EncodeFooter(p + record::kHeaderSize + data.size(), crc_data);
}

}  // namespace

bool AppendMutatedRecord(Mutation m, uint64_t index, tensorboard::Event& event, std::string* out) {
  if (m == Mutation::kRank1Scalars) {
    bool changed = false;
    for (auto& v : *event.mutable_summary()->mutable_value()) {
      if (v.has_tensor() && v.tensor().dtype() == tensorboard::DT_FLOAT &&
          v.tensor().tensor_shape().dim_size() == 0) {
        v.mutable_tensor()->mutable_tensor_shape()->add_dim()->set_size(1);
        changed = true;
      }
    }
    if (!changed) return false;
    format::AppendEventRecord(out, event);
    return true;
  }
  if (index != kMutatedRecord) return false;
  switch (m) {
    case Mutation::kBadDataCrc: {
      std::string good = event.SerializeAsString();
      for (auto& v : *event.mutable_summary()->mutable_value()) {
        if (v.has_tensor() && v.tensor().tensor_content().size() == 4) {
          float f;
          std::memcpy(&f, v.tensor().tensor_content().data(), 4);
          f += 1000.0f;
          char bytes[4];
          std::memcpy(bytes, &f, 4);
          v.mutable_tensor()->set_tensor_content(bytes, 4);
        } else if (v.has_tensor() && v.tensor().float_val_size() > 0) {
          v.mutable_tensor()->set_float_val(0, v.tensor().float_val(0) + 1000.0f);
        } else if (v.value_case() == tensorboard::Summary::Value::kSimpleValue) {
          v.set_simple_value(v.simple_value() + 1000.0f);
        }
      }
      AppendWithCrcOf(event.SerializeAsString(), good, out);  // same length: floats are fixed32.
      return true;
    }
    case Mutation::kInvalidProto: {
      std::string data = event.SerializeAsString();
      data[0] = static_cast<char>(0xff);  // field 31, wire type 7: no such wire type.
      AppendWithCrcOf(data, data, out);
      return true;
    }
    case Mutation::kNanWallTime:
      event.set_wall_time(std::numeric_limits<double>::quiet_NaN());
      format::AppendEventRecord(out, event);
      return true;
    case Mutation::kOversizedLength: {
      std::string data = event.SerializeAsString();
      AppendWithCrcOf(data, data, out, kOversizeBy);
      return true;
    }
    case Mutation::kForeignBytes:
      format::AppendEventRecord(out, event);
      out->append(kForeignLine);
      return true;
    default:
      return false;
  }
}

}  // namespace tbfault::writers
