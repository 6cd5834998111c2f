#include "reports/markdown.h"

#include <cstdio>

#include "reports/survival.h"

namespace tbfault::reports {
namespace {

std::string Cell(std::string_view text) { return MarkdownCell(text); }

std::string Code(std::string_view text) {  // inline code that survives backticks in the text.
  std::string out;
  for (char c : text) out += c == '`' ? '\'' : c;
  return "`" + Cell(out) + "`";
}

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string Violations(const ProfileResult& p) {
  std::string out;
  for (Verdict v : kVerdicts) {
    if (IsViolation(v) && p.count(v)) {
      out += (out.empty() ? "" : ", ") + std::to_string(p.count(v)) + " " +
             std::string(VerdictName(v));
    }
  }
  return out;
}

std::string ProfileCell(const ProfileResult* p) {
  if (p == nullptr) return "–";
  std::string mark = p->passed ? "✅" : "❌";
  std::string v = Violations(*p);
  return mark + " " + (v.empty() ? std::to_string(p->count(Verdict::kVisible)) + " visible" : v);
}

}  // namespace

std::string MarkdownSummary(const Results& results) {
  size_t passed = 0, failed = 0, errors = 0;
  for (const auto& s : results.scenarios) {
    (s.outcome == Outcome::kPassed ? passed : s.outcome == Outcome::kFailed ? failed : errors)++;
  }
  std::string out = "## tbfault: " + std::to_string(passed) + " passed, " + std::to_string(failed) +
                    " failed, " + std::to_string(errors) + " errors\n\n";
  if (!results.scenarios.empty()) {
    out += "| scenario | writer | outcome |";
    for (auto p : kProfiles) out += " " + std::string(p) + " |";
    out +=
        " loss window | events/s | step added | tb-rust live lag ms p50/max, late |\n|---|---|---|";
    for (size_t i = 0; i < kProfiles.size(); ++i) out += "---|";
    out += "---:|---:|---:|---:|\n";
    for (const auto& s : results.scenarios) {
      std::string mark = s.outcome == Outcome::kPassed   ? "✅ "
                         : s.outcome == Outcome::kFailed ? "❌ "
                                                         : "⚠️ ";
      out += "| " + Code(s.name) + " | " + Code(s.writer) + " | " + mark +
             std::string(OutcomeName(s.outcome)) + " |";
      LossWindow worst;
      for (auto name : kProfiles) {
        const ProfileResult* p = s.profile(name);
        out += " " + ProfileCell(p) + " |";
        if (p && p->loss_window.events > worst.events) worst = p->loss_window;
      }
      out += " " + std::to_string(worst.events) + " ev, " + Fmt("%.2f", worst.seconds) + " s |";
      out += " " + (s.figures.events_per_s ? Fmt("%.3g", *s.figures.events_per_s) : "–") + " |";
      out += " " + StepAddedText(s.figures) + " |";
      const ProfileResult* rust = s.profile("tb-rust");
      if (rust != nullptr && rust->figures.lag_ms_max) {
        out += " " + Fmt("%.0f", *rust->figures.lag_ms_p50) + "/" +
               Fmt("%.0f", *rust->figures.lag_ms_max) + ", " +
               std::to_string(rust->count(Verdict::kLate)) + " |\n";
      } else {
        out += " – |\n";
      }
    }
  }
  bool header = false;
  for (const auto& s : results.scenarios) {
    if (s.outcome == Outcome::kPassed) continue;
    if (!header) out += "\n### Failures\n", header = true;
    out += "\n**" + Cell(s.name) + "** (" + Cell(s.writer) + ", seed " + std::to_string(s.seed) +
           "): " + std::string(OutcomeName(s.outcome)) + "\n";
    if (!s.error.empty()) out += "- error: " + Code(s.error) + "\n";
    for (const auto& p : s.profiles) {
      if (p.passed) continue;
      out += "- `" + p.profile + "`: " + Violations(p) + "\n";
      size_t shown = 0;
      for (const auto& e : p.examples) {
        if (shown++ == 3) break;
        // A lost event has no record: say so instead of "in  at offset 0".
        std::string where = e.file.empty()
                                ? ", not on disk"
                                : " in " + Code(e.file) + " at offset " + std::to_string(e.offset);
        out += "  - " + std::string(VerdictName(e.verdict)) + " " + Code(e.tag) + " step " +
               std::to_string(e.step) + where + ": " + Cell(e.reason) + "\n";
      }
    }
  }
  // Several writers (mutants aside) on the same scenarios: the survival matrix.
  SurvivalOptions so;
  so.exclude_writer_prefixes = {"mutant:"};
  so.min_writers_per_row = 2;
  SurvivalMatrix m = BuildSurvival({&results}, so);
  if (!m.rows.empty()) out += "\n### Survival matrix\n\n" + SurvivalMarkdown(m, so);
  return out;
}

std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c == '`' ? '\'' : c;
    }
  }
  return out;
}

}  // namespace tbfault::reports
