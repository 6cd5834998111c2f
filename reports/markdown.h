// A Markdown summary fit for a CI job summary page (e.g. $GITHUB_STEP_SUMMARY): a headline, one
// table row per scenario (outcome, violations per reader profile, loss window, throughput), then
// the failures with their verdict counts and first examples, and, when several writers (mutants
// aside) ran the same scenarios, their survival matrix (survival.h). Table cells escape | and
// newlines.
#pragma once

#include <string>
#include <string_view>

#include "reports/results.h"

namespace tbfault::reports {

std::string MarkdownSummary(const Results& results);

// `text` as one Markdown table cell or list item: | escaped, newlines as spaces, backticks as '
// (so that it can sit inside a code span).
std::string MarkdownCell(std::string_view text);

}  // namespace tbfault::reports
