#include "reports/junit.h"

#include <cstdio>

namespace tbfault::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong.
  if (n == 3) {
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong, surrogate.
    if (c == 0xEF && c1 == 0xBF && static_cast<unsigned char>(s[i + 2]) >= 0xBE)
      return 0;  // FFFE/F
  }
  if (n == 4) {
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return 0;
  }
  return n;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string Details(const ScenarioResult& s, const ProfileResult& p) {
  std::string out =
      "writer " + s.writer + ", seed " + std::to_string(s.seed) + ", profile " + p.profile + "\n";
  for (Verdict v : kVerdicts) {
    if (p.count(v) == 0) continue;
    out += "  " + std::string(VerdictName(v)) + ": " + std::to_string(p.count(v)) + "\n";
  }
  out += "  loss window: " + std::to_string(p.loss_window.events) + " events, " +
         std::to_string(p.loss_window.bytes) + " bytes, " + Num(p.loss_window.seconds) + " s\n";
  for (const auto& e : p.examples) {
    out += "  " + std::string(VerdictName(e.verdict)) + " tag=" + e.tag +
           " step=" + std::to_string(e.step) + " file=" + e.file +
           " offset=" + std::to_string(e.offset) + ": " + e.reason + "\n";
  }
  return out;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&apos;";
        ++i;
        continue;
      default:
        break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t n = Utf8Length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string JUnitXml(const Results& results) {
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  std::string cases;
  for (const auto& s : results.scenarios) {
    time += s.duration_s;
    const double per_case = s.profiles.empty() ? 0 : s.duration_s / s.profiles.size();
    for (const auto& p : s.profiles) {
      ++tests;
      cases += "    <testcase classname=\"" + XmlEscape(s.name) + "\" name=\"" +
               XmlEscape(p.profile) + "\" time=\"" + Num(per_case) + "\">\n";
      if (s.outcome == Outcome::kError) {
        ++errors;
        cases += "      <error message=\"" + XmlEscape(s.error) + "\">" +
                 XmlEscape(s.error + "\n" + Details(s, p)) + "</error>\n";
      } else if (!p.passed) {
        ++failures;
        std::string message = std::to_string(p.violations()) + " violation(s)";
        for (Verdict v : kVerdicts) {
          if (IsViolation(v) && p.count(v)) {
            message += ", " + std::string(VerdictName(v)) + " " + std::to_string(p.count(v));
          }
        }
        cases += "      <failure message=\"" + XmlEscape(message) + "\" type=\"verdict\">" +
                 XmlEscape(Details(s, p)) + "</failure>\n";
      } else {
        cases += "      <system-out>" + XmlEscape(Details(s, p)) + "</system-out>\n";
      }
      cases += "    </testcase>\n";
    }
  }
  std::string head =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tbfault\" tests=\"" +
      std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
      std::to_string(errors) + "\" time=\"" + Num(time) + "\">\n";
  head += "  <testsuite name=\"tbfault\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
          std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" time=\"" +
          Num(time) + "\" hostname=\"" + XmlEscape(results.host) + "\" timestamp=\"" +
          XmlEscape(results.created) + "\">\n";
  return head + cases + "  </testsuite>\n</testsuites>\n";
}

}  // namespace tbfault::reports
