// MutantWriter: deliberately broken writers for the harness's self-tests. Each mutation breaks
// exactly one promise of the writer contract (DESIGN.md section 7) or of the format (section 2);
// the harness must catch every one. With Mutation::kNone it is a plain, slow, honest synchronous
// writer (the control).
//
//   mutation                 name                      promise broken
//   kSwallowWriteErrors      swallow-errors            1: write errors never reach the caller
//   kTornRecords             torn-records              3: a short/failed write leaves a torn record
//   kNoFileVersion           no-file-version           format: no file_version record
//   kUnflushedFileVersion    unflushed-file-version    format: file_version not flushed at once
//   kSecondNames             second-names              naming: files named by the second (collide)
//   kFakeSync                fake-sync                 2: claims `synced` without fsync
//   kDropOnFlushFailure      drop-on-flush-failure     2/4: pending events dropped when a flush
//   fails kDoubleScalars           double-scalars            format: DT_DOUBLE scalars (dropped by
//   readers) kLateMetadata            late-metadata             format: plugin metadata on a later
//   value
//   kStaleValues             stale-values              values: a scalar is written with the tag's
//                                                      previous value (a reused buffer)
//   kDoubleWrite             double-write              records: every batch is written twice (a
//                                                      retry of a write that had succeeded)
//   kInitialZero             initial-zero              records: a 0 at step 0 before each tag's
//                                                      first scalar, never logged
//   kPurgeStepIgnored        purge-step-ignored        restarts: each writer session starts
//                                                      with a SessionLog.START at step 0, not
//                                                      at the step it resumes from (tb-python
//                                                      purges every earlier step, not only the
//                                                      orphaned ones: FINDINGS.md Q1)
//   record mutants (bad-data-crc, invalid-proto, nan-wall-time, rank1-scalars, foreign-bytes,
//   oversized-length): one broken record each, see record_mutants.h
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "writers/event_writer.h"

namespace tbfault::writers {

enum class Mutation {
  kNone,
  kSwallowWriteErrors,
  kTornRecords,
  kNoFileVersion,
  kUnflushedFileVersion,
  kSecondNames,
  kFakeSync,
  kDropOnFlushFailure,
  kDoubleScalars,
  kLateMetadata,
  kStaleValues,
  kDoubleWrite,
  kInitialZero,
  kBadDataCrc,  // record_mutants.h from here on.
  kInvalidProto,
  kNanWallTime,
  kRank1Scalars,
  kForeignBytes,
  kOversizedLength,
  kPurgeStepIgnored,  // not a record mutant: a SessionLog.START at the session's start.
};

// "control" for kNone; the names above otherwise. False when unknown.
bool ParseMutation(std::string_view name, Mutation* m);
std::string_view MutationName(Mutation m);
std::vector<std::string_view> MutationNames();  // all but the control.

class MutantWriter final : public EventWriter {
 public:
  MutantWriter(std::string run_dir, Mutation mutation);
  ~MutantWriter() override;

  TagId Tag(std::string_view name) override;
  using EventWriter::AddScalar;
  Status AddScalar(TagId tag, int64_t step, float value) override;
  Status AddHistogram(TagId tag, int64_t step, std::span<const double> values) override;
  Status AddHistogramBuckets(TagId tag, int64_t step,
                             std::span<const format::HistogramBucket> buckets) override;
  Status AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
                  int channels) override;
  Status AddText(TagId tag, int64_t step, std::string_view text) override;
  Status Flush() override;
  Status Sync() override;
  Status Close() override;

  Watermarks watermarks() const override { return marks_; }
  Counters counters() const override { return counters_; }
  std::string current_file() const override { return path_; }
  void set_failed_callback(FailedCallback cb) override { on_failed_ = std::move(cb); }
  void set_error_callback(ErrorCallback cb) override { on_error_ = std::move(cb); }

 private:
  Status Open();
  Status Append(tensorboard::Event& event);
  Status WritePending();
  Status Fail(Status s);
  bool FirstValue(std::string_view tag);

  const std::string run_dir_;
  const Mutation mutation_;
  int fd_ = -1;
  std::string path_;
  std::string pending_;
  std::vector<std::string> tags_;
  std::map<std::string, int, std::less<>> values_per_tag_;
  std::map<std::string, float, std::less<>> last_value_;  // kStaleValues.
  Watermarks marks_;
  Counters counters_;
  FailedCallback on_failed_;
  ErrorCallback on_error_;
  bool closed_ = false;
  uint64_t summary_events_ = 0;   // appended so far (record_mutants.h counts them).
  bool session_started_ = false;  // kPurgeStepIgnored: its START is written (first Open).
};

}  // namespace tbfault::writers
