// One call for the runner and the CLI: writes every report a results model asks for. Each path is
// optional (empty: not written). The TensorBoard output appends one point at `tb_step`.
#pragma once

#include <cstdint>
#include <string>

#include "format/status.h"
#include "reports/results.h"

namespace tbfault::reports {

struct ReportPaths {
  std::string json;       // the results file (the source of truth).
  std::string junit;      // JUnit XML.
  std::string markdown;   // e.g. $GITHUB_STEP_SUMMARY.
  std::string html;       // with gnuplot SVG plots.
  std::string tb_logdir;  // TensorBoard event files (tb_events.h).
  int64_t tb_step = 0;    // a run index or a unix time.
};

// Stops at the first failure; the error names the file.
Status WriteReports(const Results& results, const ReportPaths& paths);

}  // namespace tbfault::reports
