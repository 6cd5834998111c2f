// Checking faultfs input without a mount, for programs that prepare it (the harness validates a
// scenario's rules when it loads the scenario, long before a mount exists). Depends on protobuf
// only: no libfuse, no daemon.
#pragma once

#include <string>
#include <string_view>

namespace faultfs {

// True when the control socket would accept `add-rule TEXT` (a Rule in protobuf text format):
// it parses, and RuleEngine::Add takes it (op names, errno names, effect, probability).
// Otherwise false, with *error saying why ("1:7: ..." for a syntax error).
bool CheckRuleText(const std::string& text, std::string* error);

// The fsync error modes (Rules.fsync_error_mode, faultfs --fsync-errors): "linux" (the default:
// an fsync error is reported once, as Linux does since 4.13) or "sticky" (every later fsync of
// the file fails too). False for anything else.
bool ParseFsyncErrorMode(std::string_view mode, bool* sticky);

}  // namespace faultfs
