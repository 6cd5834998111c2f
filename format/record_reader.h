// RecordReader: a strict reader of TFRecord frames (DESIGN.md sections 2-3, the `strict` profile's
// foundation). Modelled on LevelDB's log::Reader: it yields every intact record and reports every
// anomaly to a Reporter with its offset, then resynchronises and goes on, so that records after
// damage are still found (and can be told apart as "hidden" by the profiles that would stop there).
//
// It works on bytes in memory: it never allocates from an untrusted length (a length is checked
// against the bytes actually present before anything is done with it), never crashes and never
// loops forever.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "format/status.h"

namespace tbfault::format {

enum class Anomaly {
  kTruncated,     // the tail is shorter than a whole frame (header, or data + footer, cut off).
  kBadLengthCrc,  // the header's length CRC does not match its length bytes.
  kZeroFilled,    // a run of zero bytes where a header should be (a hole, or zero-filled blocks).
  kBadDataCrc,    // the data CRC does not match the data.
  kBadProto,   // the frame is intact but its data is not a valid Event (reported by EventReader).
  kOversized,  // the length is beyond kMaxRecordLength or beyond the end of the file.
};
std::string_view AnomalyName(Anomaly kind);  // "truncated", "bad-length-crc", ...

struct AnomalyReport {
  Anomaly kind;
  uint64_t offset;   // where the damaged frame (or zero run) starts.
  uint64_t skipped;  // bytes from `offset` the reader skipped before it found the next valid frame.
  std::string detail;
};

class RecordReader {
 public:
  // Records longer than this are reported as kOversized, never trusted: protobuf's own limit on a
  // message (2 GiB - 1), beyond which no event parses. TensorBoard has no cap below it (both
  // loaders read a 300 MiB record: harness/conformance/FINDINGS.md O1; beyond 2 GiB unmeasured).
  static constexpr uint64_t kMaxRecordLength = (1ull << 31) - 1;

  class Reporter {
   public:
    virtual ~Reporter() = default;
    virtual void Corruption(const AnomalyReport& report) = 0;
  };

  // `contents` must outlive the reader. `reporter` may be null (anomalies are then only counted).
  RecordReader(std::string_view contents, Reporter* reporter);

  // Next intact record: its data and the offset of its frame. False at the end of the contents.
  bool ReadRecord(std::string_view* data, uint64_t* frame_offset);

  // Offset just past the last intact record returned; where a writer could safely append.
  uint64_t end_of_last_record() const { return end_of_last_record_; }
  uint64_t anomalies() const { return anomalies_; }

 private:
  // True when an intact frame (both CRCs) starts at `off`; sets its data length.
  bool FrameAt(uint64_t off, uint64_t* length);
  // The first offset >= from where an intact frame starts, or the end of the contents.
  uint64_t Resync(uint64_t from);
  void Report(Anomaly kind, uint64_t offset, uint64_t skipped, std::string detail);

  std::string_view contents_;
  Reporter* reporter_;
  uint64_t pos_ = 0;
  uint64_t end_of_last_record_ = 0;
  uint64_t anomalies_ = 0;
  uint64_t resync_budget_;  // data bytes that resynchronisation may still check.
};

// Reads a whole file into `contents`; the error names the path and carries errno.
Status ReadFileToString(const std::string& path, std::string* contents);

}  // namespace tbfault::format
