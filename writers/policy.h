// Flush policies, selected by a spec string:
//   spec     := name [ ":" option ( "," option )* ] [ "+durable" ]
//   option   := key "=" value          (integers; durations in ms; sizes in bytes)
// Ranges: bytes, write [0, 2^30]; events [0, 2^30]; ms, max_block_ms [0, 86400000];
// queue [1, 2^22]; max_pending [0, 2^32]. A value outside its range is an error naming it.
// Names and their options (defaults in brackets):
//   every-event                 write and flush each event.
//   buffered   bytes [1048576], events [0 = off], ms [0 = off]    flush when a threshold is
//   reached. periodic   ms [1000]        flush when an add finds ms elapsed since the last flush.
//   async      queue [65536], overflow=block|drop-newest|drop-oldest [block], max_block_ms [1000],
//              ms [1000], bytes [4194304]   the add only enqueues; a background thread encodes,
//              writes, and flushes by size or time. An add blocked longer than max_block_ms is
//              dropped (counted and reported, never silent).
//   presets    tf2-like (buffered events=10 ms=120000, on the caller's thread),
//              tensorboardx-like (async queue=10 ms=120000 write=8192 +durable),
//              pytorch-like (async queue=10 ms=120000 write=8192).
// Every policy also takes write [0 = off]: bytes pending that are handed to the kernel (write(2))
// without a flush (the written watermark moves, flushed does not; no fsync), like a file buffer.
// The tensorboardx-like and pytorch-like presets set write=8192: those writers write each record to
// a Python file object whose 8 KiB buffer reaches the kernel when full, and flush every 120 s.
// "+durable": flush() also fsyncs the file, and the directory after creating a file.
// Every policy also takes max_pending [67108864]: bytes kept for retry while writes fail; beyond it
// the oldest pending events are reported lost.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "format/status.h"

namespace tbfault::writers {

struct Policy {
  enum class Kind { kEveryEvent, kBuffered, kPeriodic, kAsync };
  enum class Overflow { kBlock, kDropNewest, kDropOldest };

  Kind kind = Kind::kBuffered;
  uint64_t flush_bytes = 1 << 20;
  uint64_t flush_events = 0;
  uint64_t flush_ms = 0;
  uint64_t write_bytes = 0;  // 0: written only when flushed.
  uint64_t queue = 65536;
  Overflow overflow = Overflow::kBlock;
  uint64_t max_block_ms = 1000;
  uint64_t max_pending = 64ull << 20;
  bool durable = false;
  std::string name;  // as given.
};

// Parses `spec`; a bad spec is an error naming the part that is wrong.
Status ParsePolicy(std::string_view spec, Policy* policy);
// The canonical spec of a policy (parses back to the same policy).
std::string PolicySpec(const Policy& policy);
// Every policy and preset name, for help texts and benchmarks.
const char* const* PolicyNames();

}  // namespace tbfault::writers
