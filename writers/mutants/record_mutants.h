// Record-level mutants (issue 17): MutantWriter's mutations that break one record of the format
// (DESIGN.md section 2) rather than a promise of the writer contract. Each breaks the record of the
// writer's kMutatedRecord-th summary event (0-based, counted over its life), or every scalar:
//
//   mutation        name            the record                                 verdict it breaks
//   kBadDataCrc     bad-data-crc    its value changed after the data CRC was   tb-rust: corrupt
//                                   computed: still parses, CRC wrong          tb-python: hidden
//   kInvalidProto   invalid-proto   data that is no Event, with right CRCs     both: hidden
//   kNanWallTime    nan-wall-time   wall_time NaN                              tb-rust: hidden
//   kRank1Scalars   rank1-scalars   every scalar a DT_FLOAT tensor of shape    tb-rust: hidden
//                                   [1] instead of rank 0
//   kForeignBytes   foreign-bytes   followed by a log line written into the    both: hidden
//                                   file (a logger sharing the descriptor)
//   kOversizedLength oversized-     its length field kOversizeBy bytes larger  all: lost-silent;
//                   length          than its data (length CRC valid: the       both: hidden (a
//                                   length of the wrong buffer)                torn tail, waited on)
// (TensorBoard has no record-size limit: FINDINGS.md O1; the over-long length is O2.)
#pragma once

#include <cstdint>
#include <string>

#include "format/proto/event.pb.h"
#include "writers/mutants/mutant_writer.h"

namespace tbfault::writers {

inline constexpr uint64_t kMutatedRecord = 20;

// The line kForeignBytes writes into the event file.
inline constexpr std::string_view kForeignLine =
    "W1201 12:00:00.000000  4242 trainer.cc:42] checkpoint directory almost full\n";

// How much longer than its data kOversizedLength's record claims to be: more than the rest of a
// mutant scenario's file, so the readers wait on it as a torn tail for good.
inline constexpr uint64_t kOversizeBy = 1 << 20;

// Appends the record of `event` (the writer's `index`-th summary event) to `out` as mutation `m`
// breaks it. False, with nothing appended, when `m` is not a record mutant or leaves this record
// alone: the caller then appends it as usual.
bool AppendMutatedRecord(Mutation m, uint64_t index, tensorboard::Event& event, std::string* out);

}  // namespace tbfault::writers
