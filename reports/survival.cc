#include "reports/survival.h"

#include <algorithm>
#include <array>
#include <set>

#include "reports/markdown.h"

namespace tbfault::reports {
namespace {

constexpr std::array<std::string_view, 6> kKnownWriters = {
    "every-event", "buffered", "periodic:ms=20", "async", "tensorboardx", "tensorboard"};

Survival FromVerdict(Verdict v) {
  switch (v) {
    case Verdict::kLostUnacked:
      return Survival::kLosesUnacked;
    case Verdict::kLostAcked:
      return Survival::kLosesAcked;
    case Verdict::kLostSilent:
      return Survival::kSilentLoss;
    case Verdict::kHidden:
      return Survival::kHidesData;
    case Verdict::kCorrupt:
      return Survival::kCorrupt;
    case Verdict::kPhantom:
      return Survival::kPhantom;
    case Verdict::kDuplicate:
      return Survival::kDuplicate;
    case Verdict::kVisible:
    case Verdict::kDownsampled:  // on disk and readable: the reader's documented sampling.
    case Verdict::kRetracted:  // live classes: what a watching reader met, not what survived.
    case Verdict::kLate:
      break;
  }
  return Survival::kPasses;
}

std::string Cell(std::string_view text) { return MarkdownCell(text); }

bool HasLabel(const ScenarioResult& r, std::string_view label) {
  return std::find(r.labels.begin(), r.labels.end(), label) != r.labels.end();
}

// A self-test of the harness, not a writer a user would choose.
bool IsSelfTest(const ScenarioResult& r) {
  return r.writer.rfind("mutant:", 0) == 0 || HasLabel(r, "mutant") || HasLabel(r, "misuse");
}

// "312 lost-acked (strict, tb-rust, tb-python)" or "3 hidden (tb-rust); 1 lost-unacked (strict)".
std::string Counts(const ScenarioResult& r) {
  std::vector<std::pair<std::string, std::string>> groups;  // counts text -> profiles.
  for (const ProfileResult& p : r.profiles) {
    std::string text;
    for (Verdict v : kVerdicts) {
      if (v == Verdict::kVisible || IsLive(v) || p.count(v) == 0) continue;
      text += (text.empty() ? "" : ", ") + std::to_string(p.count(v)) + " " +
              std::string(VerdictName(v));
    }
    if (text.empty()) continue;
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == text; });
    if (it == groups.end()) {
      groups.push_back({text, p.profile});
    } else {
      it->second += ", " + p.profile;
    }
  }
  std::string out;
  for (const auto& [text, profiles] : groups) {
    out += (out.empty() ? "" : "; ") + text + " (" + profiles + ")";
  }
  return out;
}

}  // namespace

std::string_view SurvivalName(Survival s) {
  switch (s) {
    case Survival::kPasses:
      return "passes";
    case Survival::kLosesUnacked:
      return "loses unacked";
    case Survival::kDuplicate:
      return "duplicate";
    case Survival::kPhantom:
      return "phantom";
    case Survival::kHidesData:
      return "hides data";
    case Survival::kLosesAcked:
      return "loses acked";
    case Survival::kSilentLoss:
      return "silent loss";
    case Survival::kCorrupt:
      return "corrupt";
    case Survival::kError:
      return "error";
    case Survival::kHangs:
      return "hangs";
  }
  return "?";
}

Survival Classify(const ScenarioResult& r) {
  if (r.outcome == Outcome::kError) {
    return r.failure == RunFailure::kHung ? Survival::kHangs : Survival::kError;
  }
  Survival worst = Survival::kPasses;
  for (const ProfileResult& p : r.profiles) {
    for (Verdict v : kVerdicts) {
      if (p.count(v) > 0) worst = std::max(worst, FromVerdict(v));
    }
  }
  return worst;
}

std::string ExploredName(const std::string& base, const std::string& crash) {
  return base + "@" + crash;
}

bool SplitExploredName(const std::string& row, std::string* base, std::string* crash) {
  size_t at = row.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == row.size()) return false;
  *base = row.substr(0, at);
  *crash = row.substr(at + 1);
  return true;
}

std::string BaseName(const ScenarioResult& r) {
  const std::string suffix = "/" + r.writer;
  if (!r.writer.empty() && r.name.size() > suffix.size() &&
      r.name.compare(r.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return r.name.substr(0, r.name.size() - suffix.size());
  }
  size_t slash = r.name.rfind('/');
  return slash == std::string::npos || slash == 0 ? r.name : r.name.substr(0, slash);
}

const SurvivalCell* SurvivalMatrix::cell(const std::string& row, const std::string& writer) const {
  auto it = cells.find({row, writer});
  return it == cells.end() ? nullptr : &it->second;
}

SurvivalMatrix BuildSurvival(const std::vector<const Results*>& results,
                             const SurvivalOptions& options) {
  SurvivalMatrix m;
  std::set<std::string> writers, rows;
  for (const Results* rs : results) {
    for (const ScenarioResult& r : rs->scenarios) {
      if (IsSelfTest(r)) {
        m.self_tests.push_back(&r);
        continue;
      }
      if (!r.labels.empty() && !HasLabel(r, "faults")) continue;
      bool excluded = std::any_of(options.exclude_writer_prefixes.begin(),
                                  options.exclude_writer_prefixes.end(),
                                  [&](const std::string& p) { return r.writer.rfind(p, 0) == 0; });
      if (excluded) continue;
      std::string row = BaseName(r);
      Survival s = Classify(r);
      bool met = r.outcome == Outcome::kPassed;
      auto [it, inserted] = m.cells.try_emplace({row, r.writer});
      SurvivalCell& c = it->second;
      // The worst wins; at equal severity, a result that missed its expectations.
      if (inserted || s > c.survival || (s == c.survival && c.expectations_met && !met)) {
        c = {s, &r, met};
      }
      writers.insert(r.writer);
      rows.insert(row);
    }
  }
  for (const std::string& row : rows) {
    size_t n = 0;
    for (const std::string& w : writers) n += m.cell(row, w) != nullptr;
    if (n >= options.min_writers_per_row) {
      m.rows.push_back(row);
    } else {
      for (const std::string& w : writers) m.cells.erase({row, w});
    }
  }
  for (std::string_view known : kKnownWriters) {
    if (writers.count(std::string(known))) m.writers.emplace_back(known);
  }
  for (const std::string& w : writers) {
    if (std::find(m.writers.begin(), m.writers.end(), w) == m.writers.end()) m.writers.push_back(w);
  }
  // Drop columns left empty by the row filter.
  std::erase_if(m.writers, [&](const std::string& w) {
    return std::none_of(m.rows.begin(), m.rows.end(),
                        [&](const std::string& row) { return m.cell(row, w) != nullptr; });
  });
  return m;
}

std::string SelfTestsMarkdown(const SurvivalMatrix& m) {
  if (m.self_tests.empty()) return "";
  std::string out =
      "\nSelf-tests (mutant writers and misuse scenarios: the harness must catch what each "
      "expects; not writers to choose between):\n\n";
  for (const ScenarioResult* r : m.self_tests) {
    std::string counts = Counts(*r);
    out += "- " + Cell(r->name) + " (" + Cell(r->writer) + "): " +
           (r->outcome == Outcome::kPassed   ? "caught as expected"
            : r->outcome == Outcome::kFailed ? "NOT as expected: " + Cell(r->error.substr(0, 200))
                                             : "error: " + Cell(r->error.substr(0, 200))) +
           (counts.empty() ? "" : " — " + counts) + "\n";
  }
  return out;
}

std::string SurvivalMarkdown(const SurvivalMatrix& m, const SurvivalOptions& options) {
  if (m.rows.empty()) return "No scenario results for a survival matrix.\n" + SelfTestsMarkdown(m);
  std::string out = "| scenario |";
  for (const std::string& w : m.writers) out += " " + Cell(w) + " |";
  out += "\n|---|";
  for (size_t i = 0; i < m.writers.size(); ++i) out += "---|";
  out += "\n";
  std::vector<std::string> notes;
  for (const std::string& row : m.rows) {
    out += "| " + Cell(row) + " |";
    for (const std::string& w : m.writers) {
      const SurvivalCell* c = m.cell(row, w);
      if (c == nullptr) {
        out += " – |";
        continue;
      }
      std::string text(SurvivalName(c->survival));
      if (c->survival != Survival::kPasses || !c->expectations_met) {
        const ScenarioResult& r = *c->result;
        std::string note = Cell(w) + " / " + Cell(row) + ": ";
        std::string counts = Counts(r);
        if (r.outcome == Outcome::kError) {
          note += "error: " + Cell(r.error.substr(0, 200));
        } else {
          note += counts.empty() ? "nothing lost" : counts;
          if (!c->expectations_met) {
            note += "; expectations not met: " + Cell(r.error.substr(0, 200));
          } else if (c->survival > Survival::kLosesUnacked) {
            note += "; expected by the scenario";
          }
        }
        std::string base, crash;
        if (HasLabel(r, kExplored) && SplitExploredName(row, &base, &crash)) {
          note += " — reproduce: `tbfault explore " + options.scenario_dir + "/" + base +
                  ".textproto --writer " + r.writer + " --crash " + crash + " --seed " +
                  std::to_string(r.seed) + "`";
        } else {
          note += " — reproduce: `tbfault run " + options.scenario_dir + "/" + row +
                  ".textproto --writer " + r.writer + " --seed " + std::to_string(r.seed) + "`";
        }
        notes.push_back(note);
        text += " [" + std::to_string(notes.size()) + "]";
      }
      out += " " + text + " |";
    }
    out += "\n";
  }
  if (!notes.empty()) out += "\n";
  for (size_t i = 0; i < notes.size(); ++i) {
    out += std::to_string(i + 1) + ". " + notes[i] + "\n";
  }
  return out + SelfTestsMarkdown(m);
}

}  // namespace tbfault::reports
