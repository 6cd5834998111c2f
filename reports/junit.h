// JUnit XML for CI systems: one <testcase> per scenario and reader profile (classname = scenario,
// name = profile). A profile that did not meet the scenario's expectations is a <failure> whose
// text lists the verdict counts and examples; a scenario that errored is an <error> in each of its
// cases.
#pragma once

#include <string>
#include <string_view>

#include "reports/results.h"

namespace tbfault::reports {

std::string JUnitXml(const Results& results);

// Text safe inside XML character data and attribute values: & < > " ' escaped; characters XML 1.0
// forbids (controls other than tab, newline, carriage return; invalid UTF-8) replaced by U+FFFD.
std::string XmlEscape(std::string_view text);

}  // namespace tbfault::reports
