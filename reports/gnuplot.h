// Renders a gnuplot script to SVG by running `gnuplot` (Debian gnuplot-nox) as a subprocess: the
// script goes to its stdin, the SVG comes from its stdout. The script must set `terminal svg` and
// no output file. The returned SVG has its XML prolog and DOCTYPE removed so it can be inlined in
// HTML. Errors carry gnuplot's stderr.
#pragma once

#include <string>
#include <string_view>

#include "format/status.h"

namespace tbfault::reports {

bool GnuplotAvailable();  // `gnuplot` is on PATH.
Status RenderSvg(std::string_view script, std::string* svg);

// A gnuplot single-quoted string literal of `text` (quotes doubled, newlines as spaces).
std::string GnuplotQuote(std::string_view text);

}  // namespace tbfault::reports
