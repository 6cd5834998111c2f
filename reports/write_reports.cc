#include "reports/write_reports.h"

#include "format/events.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/markdown.h"
#include "reports/tb_events.h"

namespace tbfault::reports {

Status WriteReports(const Results& results, const ReportPaths& paths) {
  Status s;
  if (!paths.json.empty() && !(s = WriteResultsFile(paths.json, results)).ok()) return s;
  if (!paths.junit.empty() && !(s = WriteFile(paths.junit, JUnitXml(results))).ok()) return s;
  if (!paths.markdown.empty() && !(s = WriteFile(paths.markdown, MarkdownSummary(results))).ok()) {
    return s;
  }
  if (!paths.html.empty() && !(s = WriteFile(paths.html, HtmlReport(results))).ok()) return s;
  if (!paths.tb_logdir.empty()) {
    s = WriteResultsEvents(results, paths.tb_logdir, paths.tb_step, format::WallTimeNow());
  }
  return s;
}

}  // namespace tbfault::reports
