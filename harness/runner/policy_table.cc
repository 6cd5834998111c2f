// FormatPolicyTable (policy_bench.h): the bench's table, legend and skipped lines.
#include <cstdio>
#include <optional>
#include <string>

#include "harness/runner/policy_bench.h"

namespace tbfault::runner {
namespace {

std::string Si(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  double x = *v;
  if (x >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2fG", x / 1e9);
  else if (x >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", x / 1e6);
  else if (x >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", x / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}
std::string Fixed(std::optional<double> v, const char* fmt = "%.1f") {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, *v);
  return buf;
}

}  // namespace

std::string FormatPolicyTable(const PolicyBench& bench) {
  std::string out;
  char line[512];
  auto row =
      [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
          const std::string& e, const std::string& f, const std::string& g, const std::string& h,
          const std::string& i, const std::string& j, const std::string& k, const std::string& l,
          const std::string& m, const std::string& n, const std::string& o, const std::string& p) {
        std::snprintf(line, sizeof line,
                      "%-26s %9s %6s %6s %7s %6s %6s %6s %6s %5s %5s %5s %5s  %-13s %-13s %-13s",
                      a.c_str(), b.c_str(), c.c_str(), d.c_str(), e.c_str(), f.c_str(), g.c_str(),
                      h.c_str(), i.c_str(), j.c_str(), k.c_str(), l.c_str(), m.c_str(), n.c_str(),
                      o.c_str(), p.c_str());
        std::string s = line;
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out += s + "\n";
      };
  row("", "tmpfs", "", "add ns", "", "small-fast", "", "llm-like", "", "crash", "loss", "power",
      "cut", "ENOSPC", "EACCES", "write delay");
  row("writer", "events/s", "MB/s", "p50", "p99", "us p50", "p99", "us p50", "p99", "ev", "s", "ev",
      "s", "", "", "100 ms");
  for (const PolicyRow& r : bench.rows) {
    auto ev = [](const std::optional<reports::LossWindow>& w, bool violations) {
      return w ? std::to_string(w->events) + (violations ? "!" : "") : std::string("-");
    };
    auto sec = [](const std::optional<reports::LossWindow>& w) {
      return w ? Fixed(w->seconds, w->seconds < 10 ? "%.2f" : "%.0f") : std::string("-");
    };
    row(r.spec, Si(r.events_per_s), Fixed(r.mb_per_s), Si(r.add_ns_p50), Si(r.add_ns_p99),
        Fixed(r.small_fast_us_p50, "%+.0f"), Fixed(r.small_fast_us_p99, "%+.0f"),
        Fixed(r.llm_like_us_p50, "%+.0f"), Fixed(r.llm_like_us_p99, "%+.0f"),
        ev(r.crash_loss, r.crash_violations), sec(r.crash_loss),
        ev(r.power_cut_loss, r.power_cut_violations), sec(r.power_cut_loss),
        std::string(BehaviourName(r.enospc)), std::string(BehaviourName(r.eacces)),
        std::string(BehaviourName(r.delay)));
  }
  out +=
      "events/s, MB/s: median over rounds to tmpfs, Close() included, a round " +
      std::to_string(bench.round_events) + " events or " + Fixed(bench.round_s, "%.0f") +
      " s of adds, whichever ends first; add ns: every add call.\n"
      "small-fast, llm-like: us the writer adds to a training step over logging disabled, CPU. "
      "Fault scenarios: the watchdog counts from the writer open.\n"
      "loss: events and seconds of training lost (strict reader) after SIGKILL / a power cut. "
      "lost silently: a reader profile counts a violation;\n"
      "blocked: a step > max(50 ms, 10x its p50 without logging); recovered: fault cleared, every "
      "event visible; kept going: losses, if any, reported.\n"
      "n! = a loss window plus violations (e.g. events lost after the writer acknowledged them).\n";
  // Freshness, below (the table is at its 160 columns): the policy's own flushing, live.
  out +=
      "\nfreshness: tb-rust live lag (add returned -> first shown, ms; live reader every 50 ms; "
      "no Flush() calls)\n";
  std::snprintf(line, sizeof line, "%-26s %9s %9s", "writer", "lag p50", "lag p99");
  out += std::string(line) + "\n";
  for (const PolicyRow& r : bench.rows) {
    std::snprintf(line, sizeof line, "%-26s %9s %9s", r.spec.c_str(),
                  Fixed(r.lag_ms_p50, "%.0f").c_str(), Fixed(r.lag_ms_p99, "%.0f").c_str());
    out += std::string(line) + "\n";
  }
  for (const std::string& s : bench.skipped) out += "skipped: " + s + "\n";
  return out;
}

}  // namespace tbfault::runner
