// Inspect: what a path's event files hold, per run and file — records, events by kind, tags with
// step ranges and counts — and every anomaly the strict reader finds, with its offset. The model
// behind `tbfault inspect`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/record_reader.h"
#include "format/status.h"

namespace tbfault::format {

struct TagSummary {
  std::string kind;  // of the tag's first value (see ValueKind).
  uint64_t count = 0;
  int64_t min_step = 0;
  int64_t max_step = 0;
};

struct FileSummary {
  std::string path;
  uint64_t size = 0;
  uint64_t records = 0;  // intact frames.
  std::map<std::string, uint64_t>
      events_by_kind;  // file_version, scalar, histogram, ... session_log.
  std::vector<AnomalyReport> anomalies;
};

struct RunSummary {
  std::string run;
  std::vector<FileSummary> files;
  std::map<std::string, TagSummary> tags;
};

struct InspectReport {
  std::vector<RunSummary> runs;
  uint64_t anomaly_count() const;
};

// PATH: an event file, a run directory or a logdir. An unreadable path or file is an error.
Status Inspect(const std::string& path, InspectReport* report);

}  // namespace tbfault::format
