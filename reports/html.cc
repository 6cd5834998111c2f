#include "reports/html.h"

#include <algorithm>
#include <cstdio>

#include "reports/gnuplot.h"
#include "reports/junit.h"

namespace tbfault::reports {
namespace {

constexpr char kTerminal[] =
    "set terminal svg size 760,340 noenhanced font 'sans,11' background rgb 'white'\n"
    "set grid lc rgb '#dddddd'\nset key inside left top opaque box\n";

constexpr char kStyle[] = R"(body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}.passed{color:#17692b}.failed{color:#b00020}.error{color:#a35c00}
.plot svg{max-width:100%;height:auto}.missing{color:#a35c00;font-style:italic}
code{background:#f6f6f6;padding:0 3px}section{border-top:1px solid #ddd;margin-top:2em})";

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string Plot(const std::string& script, const std::string& what) {
  if (script.empty()) return "";
  if (!GnuplotAvailable()) {
    return "<p class=\"missing\">" + XmlEscape(what) +
           ": plot unavailable (gnuplot not found)</p>\n";
  }
  std::string svg;
  Status s = RenderSvg(script, &svg);
  if (!s.ok()) {
    return "<p class=\"missing\">" + XmlEscape(what) + ": plot unavailable (" +
           XmlEscape(s.ToString()) + ")</p>\n";
  }
  return "<div class=\"plot\" data-plot=\"" + XmlEscape(what) + "\">\n" + svg + "</div>\n";
}

std::string ProfileCounts(const ProfileResult& p) {
  std::string out;
  for (Verdict v : kVerdicts) {
    if (p.count(v) == 0) continue;
    out +=
        (out.empty() ? "" : ", ") + std::string(VerdictName(v)) + " " + std::to_string(p.count(v));
  }
  return out.empty() ? "no events" : out;
}

// " n1 n2 n3": the profiles' counts in kProfiles order, NaN where absent (a timeline's columns).
std::string ProfileColumns(const std::map<std::string, uint64_t>& visible) {
  std::string out;
  for (auto p : kProfiles) {
    auto it = visible.find(std::string(p));
    out += " " + (it == visible.end() ? std::string("NaN") : std::to_string(it->second));
  }
  return out;
}

// The end of a timeline script: its data block closed, then logged and one line per profile.
std::string TimelinePlot(const char* logged_with, const char* word) {
  std::string out = std::string("EOD\nplot $d using 1:2 with ") + logged_with +
                    " lw 2 lc rgb '#444444' title 'logged'";
  const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c"};
  for (size_t i = 0; i < kProfiles.size(); ++i) {
    out += ", $d using 1:" + std::to_string(i + 3) + " with steps lw 2 dt " +
           std::to_string(i + 1) + " lc rgb '" + colors[i] + "' title " +
           GnuplotQuote(std::string(word) + " (" + std::string(kProfiles[i]) + ")");
  }
  return out + "\n";
}

std::string LiveFigures(const Figures& f) {
  if (!f.lag_ms_max) return "–";
  std::string out = Fmt("%.0f", *f.lag_ms_p50) + "/" + Fmt("%.0f", *f.lag_ms_p99) + "/" +
                    Fmt("%.0f", *f.lag_ms_max);
  if (f.lag_steps_max) out += " (" + Fmt("%.0f", *f.lag_steps_max) + ")";
  if (f.stale_ms_max) out += ", " + Fmt("%.0f", *f.stale_ms_max);
  return out;
}

std::string SummaryTable(const Results& results) {
  std::string out = "<table><tr><th>scenario</th><th>writer</th><th>outcome</th>";
  for (auto p : kProfiles) out += "<th>" + std::string(p) + "</th>";
  out += "<th>events/s</th><th>step added</th></tr>\n";
  for (const auto& s : results.scenarios) {
    std::string outcome(OutcomeName(s.outcome));
    out += "<tr><td><a href=\"#s-" + XmlEscape(s.name) + "\">" + XmlEscape(s.name) +
           "</a></td><td><code>" + XmlEscape(s.writer) + "</code></td><td class=\"" + outcome +
           "\">" + outcome + "</td>";
    for (auto name : kProfiles) {
      const ProfileResult* p = s.profile(name);
      if (p == nullptr) {
        out += "<td>–</td>";
        continue;
      }
      out += "<td class=\"" + std::string(p->passed ? "passed" : "failed") + "\">" +
             std::to_string(p->violations()) + " violations</td>";
    }
    out += "<td>" + (s.figures.events_per_s ? Fmt("%.3g", *s.figures.events_per_s) : "–") +
           "</td><td>" + XmlEscape(StepAddedText(s.figures)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string BenchmarkTable(const nlohmann::json& bench) {
  if (!bench.is_object() || !bench.contains("benchmarks")) return "";
  std::string out =
      "<section><h2>Benchmarks</h2><table><tr><th>benchmark</th><th>aggregate</th><th>real "
      "time</th><th>unit</th></tr>\n";
  size_t rows = 0;
  for (const auto& b : bench["benchmarks"]) {
    if (!b.is_object()) continue;
    std::string type = b.value("run_type", "iteration");
    std::string aggregate = b.value("aggregate_name", "");
    // With repetitions, show the aggregates (median, stddev, ...); without, the single runs.
    if (type == "iteration" && b.value("repetitions", 1) > 1) continue;
    if (!b.contains("real_time") || !b["real_time"].is_number()) continue;
    out += "<tr><td>" + XmlEscape(b.value("run_name", b.value("name", ""))) + "</td><td>" +
           XmlEscape(aggregate) + "</td><td>" + Fmt("%.4g", b["real_time"].get<double>()) +
           "</td><td>" + XmlEscape(b.value("time_unit", "ns")) + "</td></tr>\n";
    ++rows;
  }
  return rows ? out + "</table></section>\n" : "";
}

std::string ScenarioSection(const ScenarioResult& s) {
  std::string outcome(OutcomeName(s.outcome));
  std::string out = "<section id=\"s-" + XmlEscape(s.name) + "\"><h2>" + XmlEscape(s.name) +
                    " <span class=\"" + outcome + "\">" + outcome +
                    "</span></h2>\n<p>writer <code>" + XmlEscape(s.writer) + "</code>, seed " +
                    std::to_string(s.seed) + ", " + std::to_string(s.events_logged) +
                    " events logged, " + Fmt("%.2f", s.duration_s) + " s</p>\n";
  if (!s.error.empty()) out += "<p class=\"error\">error: " + XmlEscape(s.error) + "</p>\n";
  out +=
      "<table><tr><th>profile</th><th>verdicts</th><th>loss window</th><th>live lag ms "
      "p50/p99/max (steps max), stale ms max</th></tr>\n";
  for (const auto& p : s.profiles) {
    out += "<tr><td class=\"" + std::string(p.passed ? "passed" : "failed") + "\">" +
           XmlEscape(p.profile) + "</td><td>" + XmlEscape(ProfileCounts(p)) + "</td><td>" +
           std::to_string(p.loss_window.events) + " events, " +
           std::to_string(p.loss_window.bytes) + " bytes, " + Fmt("%.3f", p.loss_window.seconds) +
           " s</td><td>" + LiveFigures(p.figures) + "</td></tr>\n";
  }
  out += "</table>\n";
  std::string examples;
  for (const auto& p : s.profiles) {
    for (const auto& e : p.examples) {
      // A lost event has no record: say so instead of "in  at offset 0".
      std::string where = e.file.empty() ? ", not on disk"
                                         : " in <code>" + XmlEscape(e.file) + "</code> at offset " +
                                               std::to_string(e.offset);
      examples += "<li><b>" + XmlEscape(p.profile) + "</b> " + std::string(VerdictName(e.verdict)) +
                  " <code>" + XmlEscape(e.tag) + "</code> step " + std::to_string(e.step) + where +
                  ": " + XmlEscape(e.reason) + "</li>\n";
    }
  }
  if (!examples.empty()) out += "<ul>\n" + examples + "</ul>\n";
  std::string figures;
  for (const auto& [name, value] : FigureList(s.figures)) {
    if (value)
      figures += "<tr><td>" + std::string(name) + "</td><td>" + Fmt("%.4g", *value) + "</td></tr>";
  }
  if (!figures.empty())
    out += "<table><tr><th>figure</th><th>value</th></tr>" + figures + "</table>\n";
  out += Plot(TimelineScript(s), s.name + " timeline");
  out += Plot(LiveTimelineScript(s), s.name + " live timeline");
  out += Plot(StepTimesScript(s), s.name + " step times");
  return out + "</section>\n";
}

}  // namespace

std::string TimelineScript(const ScenarioResult& s) {
  if (s.timeline.empty()) return "";
  std::string script = kTerminal;
  script +=
      "set title " + GnuplotQuote(s.name + ": events logged vs visible per reader profile") + "\n";
  script += "set xlabel 'training step'\nset ylabel 'events (cumulative)'\n";
  for (const auto& f : s.faults) {
    script += "set arrow from " + std::to_string(f.step) + ", graph 0 to " +
              std::to_string(f.step) + ", graph 1 nohead lc rgb '#b00020' dt 2\n";
    script += "set label " + GnuplotQuote(f.label) + " at " + std::to_string(f.step) +
              ", graph 0.95 offset 0.5,0 tc rgb '#b00020'\n";
  }
  script += "$d << EOD\n";
  for (const auto& t : s.timeline) {
    script += std::to_string(t.step) + " " + std::to_string(t.logged);
    script += ProfileColumns(t.visible) + "\n";
  }
  return script + TimelinePlot("lines", "visible");
}

std::string LiveTimelineScript(const ScenarioResult& s) {
  if (s.live_timeline.empty()) return "";
  std::string script = kTerminal;
  script += "set title " +
            GnuplotQuote(s.name + ": what a watching reader saw (logged vs shown, live)") + "\n";
  script += "set xlabel 'wall time since the first add (s)'\nset ylabel 'events / points'\n";
  for (const auto& f : s.faults) {
    if (!f.t_ms) continue;
    const std::string x = Fmt("%.3f", *f.t_ms / 1000);
    script +=
        "set arrow from " + x + ", graph 0 to " + x + ", graph 1 nohead lc rgb '#b00020' dt 2\n";
    script += "set label " + GnuplotQuote(f.label) + " at " + x +
              ", graph 0.95 offset 0.5,0 tc rgb '#b00020'\n";
  }
  script += "$d << EOD\n";
  for (const auto& t : s.live_timeline) {
    script += Fmt("%.3f", t.t_ms / 1000) + " " + std::to_string(t.logged);
    script += ProfileColumns(t.visible) + "\n";
  }
  return script + TimelinePlot("steps", "shown");
}

std::string StepTimesScript(const ScenarioResult& s) {
  const auto& a = s.step_times.without_logging_ms;
  const auto& n = s.step_times.noop_ms;
  const auto& b = s.step_times.with_logging_ms;
  if (a.empty() && b.empty()) return "";
  std::string script = kTerminal;
  script += "set title " + GnuplotQuote(s.name + ": training step time") + "\n";
  script +=
      "set ylabel 'step time (ms)'\nset style fill solid 0.3\nset boxwidth 0.5\n"
      "set xtics ('logging disabled' 1, 'no-op writer' 2, 'with the writer' 3)\n"
      "set xrange [0.3:3.7]\nunset key\n";
  auto block = [&](const char* name, const std::vector<double>& v) {
    std::string out = std::string("$") + name + " << EOD\n";
    for (double x : v) out += Fmt("%.9g", x) + "\n";
    if (v.empty()) out += "NaN\n";
    return out + "EOD\n";
  };
  script += block("a", a) + block("n", n) + block("b", b);
  script +=
      "plot $a using (1):1 with boxplot lc rgb '#1f77b4', $n using (2):1 with boxplot lc rgb "
      "'#2ca02c', $b using (3):1 with boxplot lc rgb '#ff7f0e'\n";
  return script;
}

std::string TradeOffScript(const Results& results) {
  std::string data;
  for (const auto& s : results.scenarios) {
    if (!s.figures.events_per_s) continue;
    double seconds = 0;
    for (const auto& p : s.profiles) seconds = std::max(seconds, p.loss_window.seconds);
    std::string label = s.writer;
    for (char& c : label) {
      if (c == '"' || c == '\n') c = ' ';
    }
    data +=
        Fmt("%.9g", *s.figures.events_per_s) + " " + Fmt("%.9g", seconds) + " \"" + label + "\"\n";
  }
  if (data.empty()) return "";
  std::string script = kTerminal;
  script +=
      "set title 'flush policy trade-off: throughput vs loss window'\n"
      "set xlabel 'events/s'\nset format x '%.3s%c'\nset ylabel 'loss window (s of "
      "training)'\nunset key\n"
      "set offsets graph 0.1, graph 0.2, graph 0.1, graph 0.1\n";
  script += "$d << EOD\n" + data + "EOD\n";
  script +=
      "plot $d using 1:2 with points pt 7 ps 1.2 lc rgb '#1f77b4', "
      "$d using 1:2:3 with labels offset 0,1 font 'sans,9'\n";
  return script;
}

std::string HtmlReport(const Results& results) {
  size_t passed = 0;
  for (const auto& s : results.scenarios) passed += s.outcome == Outcome::kPassed;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>tbfault report</title>\n<style>";
  out += kStyle;
  out += "</style></head><body>\n<h1>tbfault report</h1>\n<p>" + std::to_string(passed) + " of " +
         std::to_string(results.scenarios.size()) + " scenarios passed; host " +
         XmlEscape(results.host) + ", " + XmlEscape(results.created) + ", schema " +
         std::to_string(results.schema_version) + "</p>\n";
  out += SummaryTable(results);
  out += Plot(TradeOffScript(results), "policy trade-off");
  for (const auto& s : results.scenarios) out += ScenarioSection(s);
  out += BenchmarkTable(results.benchmark);
  return out + "</body></html>\n";
}

}  // namespace tbfault::reports
