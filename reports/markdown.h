// A Markdown summary fit for a CI job summary page (e.g. $GITHUB_STEP_SUMMARY): a headline, one
// table row per scenario (outcome, violations per reader profile, loss window, throughput), then
// the failures with their verdict counts and first examples, and, when several writers (mutants
// aside) ran the same scenarios, their survival matrix (survival.h). Table cells escape | and
// newlines.
#pragma once

#include <string>

#include "reports/results.h"

namespace tbfault::reports {

std::string MarkdownSummary(const Results& results);

}  // namespace tbfault::reports
