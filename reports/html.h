// A self-contained HTML report (no scripts, no external resources): the summary table, the policy
// trade-off plot (throughput vs loss window, one point per scenario that measured both), and per
// scenario its verdicts, examples, a timeline of events logged vs visible per profile with the
// faults marked, and the step-time distributions with and without logging. Plots are SVG rendered
// by gnuplot (gnuplot.h) and inlined; when gnuplot is missing or fails, the report says so in place
// of the plot.
#pragma once

#include <string>

#include "reports/results.h"

namespace tbfault::reports {

std::string HtmlReport(const Results& results);

// The plots alone, as gnuplot scripts (empty when there is nothing to plot); exposed for tests.
std::string TimelineScript(const ScenarioResult& s);
// What a user watching TensorBoard saw: logged vs shown per profile over wall time (the live
// reader's cycles), faults marked at their time, retractions as drops.
std::string LiveTimelineScript(const ScenarioResult& s);
std::string StepTimesScript(const ScenarioResult& s);
std::string TradeOffScript(const Results& results);

}  // namespace tbfault::reports
