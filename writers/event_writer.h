// EventWriter: what the harness drives and a training program calls. Implemented by SummaryWriter
// (the product) and by the mutants (deliberately broken writers for the harness's self-tests).
//
// Every add gets a sequence number, 1, 2, 3, ... in call order. The writer reports, truthfully, how
// far each acknowledgement level has reached (Watermarks) and which events it lost (on_failed).
// Levels:
//   accepted  the add call returned OK;
//   written   the event's bytes were handed to the kernel (write(2) returned);
//   flushed   a flush() covering it returned OK;
//   synced    fsync(2) of its file returned OK after its bytes were written.
// Events reported failed are never counted at a higher level afterwards.
// Refused adds (closed writer: EBADF; bad tag: EINVAL; async overflow that drops the newest:
// ENOBUFS) get no sequence number. With the synchronous policies an add that returns a write error
// has still been accepted: its event stays pending and is written when the fault clears, or
// reported failed. A ledger therefore reads watermarks().accepted after each add rather than
// trusting the status.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "format/events.h"
#include "format/status.h"

namespace tbfault::writers {

using TagId = uint32_t;

// Errors are counted by errno value below this bound (Linux's errnos are 1..133); any other value
// is counted in slot 0.
constexpr int kErrnoSlots = 134;
constexpr size_t ErrnoSlot(int err) { return err > 0 && err < kErrnoSlots ? err : 0; }

struct Watermarks {
  uint64_t accepted = 0;
  uint64_t written = 0;
  uint64_t flushed = 0;
  uint64_t synced = 0;
};

// Counts; how far each acknowledgement level reached is watermarks(), not a counter.
struct Counters {
  uint64_t accepted = 0;
  uint64_t flushes = 0;  // flush() calls that returned OK.
  uint64_t syncs = 0;    // fsync(2) calls that returned OK.
  uint64_t dropped = 0;  // by an async overflow policy (also reported failed, errno ENOBUFS).
  uint64_t failed = 0;   // events reported lost, any cause.
  uint64_t bytes_written = 0;
  uint64_t files_created = 0;
  uint64_t errors = 0;                                  // failed system calls.
  std::array<uint64_t, kErrnoSlots> errors_by_errno{};  // indexed by ErrnoSlot(errno).
};

// Called (from whichever thread detected it) when events [first_seq, last_seq] are lost.
using FailedCallback = std::function<void(uint64_t first_seq, uint64_t last_seq, int err)>;
// Called for every failed system call, with what failed ("write /path") and errno.
using ErrorCallback = std::function<void(const Status& error)>;

class EventWriter {
 public:
  virtual ~EventWriter() = default;

  // Interns a tag: later adds with the id neither hash nor copy the name.
  virtual TagId Tag(std::string_view name) = 0;

  virtual Status AddScalar(TagId tag, int64_t step, float value) = 0;
  virtual Status AddHistogram(TagId tag, int64_t step, std::span<const double> values) = 0;
  virtual Status AddHistogramBuckets(TagId tag, int64_t step,
                                     std::span<const format::HistogramBucket> buckets) = 0;
  // pixels: height x width x channels uint8, row-major.
  virtual Status AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height,
                          int width, int channels) = 0;
  virtual Status AddText(TagId tag, int64_t step, std::string_view text) = 0;

  Status AddScalar(std::string_view tag, int64_t step, float value) {
    return AddScalar(Tag(tag), step, value);
  }

  // Hands every accepted event to the kernel (and fsyncs when the policy is durable).
  virtual Status Flush() = 0;
  // Flush, then fsync the file whatever the policy.
  virtual Status Sync() = 0;
  // Flush and close. Adds after Close fail with EBADF.
  virtual Status Close() = 0;
  // The program hosting the writer ends normally without closing it (and never destroys it).
  // A writer living in this process has nothing to do: its owner leaks it, and what it handed to
  // the kernel is what the file keeps. One living in another process (ExternalWriter) has that
  // process end so, and returns once it ended. Nothing but watermarks() and counters() may be
  // called afterwards.
  virtual Status ExitWithoutClose() { return Status::Ok(); }

  virtual Watermarks watermarks() const = 0;
  virtual Counters counters() const = 0;
  virtual std::string current_file() const = 0;
  // What the writer appends to a text summary's tag on disk (tensorboardX and TensorBoard's
  // writer log text under "<tag>/text_summary"); "" for writers that keep the tag.
  virtual std::string text_tag_suffix() const { return ""; }

  // Set before the first add.
  virtual void set_failed_callback(FailedCallback cb) = 0;
  virtual void set_error_callback(ErrorCallback cb) = 0;
};

}  // namespace tbfault::writers
