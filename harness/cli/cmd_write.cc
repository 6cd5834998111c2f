// tbfault write --logdir DIR --policy SPEC [--scalars N --tags K --histograms N --images N --text
// N] Writes a synthetic run with a writer (SPEC: a policy, "ours:<policy>" or "mutant:<name>") and
// prints events/s, MB/s and the writer's counters. Exit 0 when every event was acknowledged as
// flushed at close, 1 otherwise, 2 on bad usage.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"
#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "writers/engine.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

// Counts beyond these are a typo, not a benchmark: 10^8 scalars are about 5 GB of events.
constexpr uint64_t kMaxScalars = 100'000'000, kMaxOthers = 1'000'000;
// The synthetic tags plus the histogram, image and text tags fit the writer's tag table.
constexpr uint64_t kMaxScalarTags = writers::TagTable::kMaxTags - 3;

int RunWrite(std::span<char*> args) {
  std::string logdir, policy;
  uint64_t scalars = 100000, tags = 10, histograms = 0, images = 0, texts = 0;
  Flags flags("write", "--logdir DIR --policy SPEC [FLAGS]");
  flags.String("--logdir", "DIR", &logdir, "the run directory the writer creates").Required();
  flags
      .String("--policy", "SPEC", &policy,
              "the writer: every-event | buffered | periodic | async | tf2-like | "
              "tensorboardx-like | pytorch-like, with options (e.g. "
              "async:queue=4096,overflow=block+durable), or mutant:<name>")
      .Required();
  flags.Uint("--scalars", &scalars, 0, kMaxScalars, "scalar values, spread over the tags");
  flags.Uint("--tags", &tags, 1, kMaxScalarTags, "scalar tags");
  flags.Uint("--histograms", &histograms, 0, kMaxOthers, "histograms of 1000 values");
  flags.Uint("--images", &images, 0, kMaxOthers, "32x32 RGB images");
  flags.Uint("--text", &texts, 0, kMaxOthers, "text summaries");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  std::unique_ptr<writers::EventWriter> w;
  Status s = writers::MakeWriter(policy, logdir, &w);
  if (!w) {
    std::fprintf(stderr, "tbfault write: %s\n", s.ToString().c_str());
    return 2;
  }
  if (!s.ok()) std::fprintf(stderr, "tbfault write: warning: %s\n", s.ToString().c_str());
  uint64_t add_errors = 0;
  std::vector<writers::TagId> ids;
  for (uint64_t t = 0; t < tags; ++t)
    ids.push_back(w->Tag("synthetic/scalar_" + std::to_string(t)));
  auto count = [&](const Status& st) { add_errors += !st.ok(); };

  auto start = std::chrono::steady_clock::now();
  uint64_t steps = (scalars + tags - 1) / tags;
  for (uint64_t i = 0; i < scalars; ++i) {
    int64_t step = static_cast<int64_t>(i / tags);
    count(w->AddScalar(ids[i % tags], step, std::sin(0.001f * i)));
  }
  std::vector<double> values(1000);
  writers::TagId htag = w->Tag("synthetic/histogram");
  for (uint64_t i = 0; i < histograms; ++i) {
    for (size_t j = 0; j < values.size(); ++j) values[j] = std::sin(j * 0.1 + i);
    count(w->AddHistogram(htag, static_cast<int64_t>(i * steps / std::max<uint64_t>(histograms, 1)),
                          values));
  }
  std::vector<uint8_t> pixels(32 * 32 * 3);
  writers::TagId itag = w->Tag("synthetic/image");
  for (uint64_t i = 0; i < images; ++i) {
    for (size_t j = 0; j < pixels.size(); ++j) pixels[j] = static_cast<uint8_t>(j + i);
    count(w->AddImage(itag, static_cast<int64_t>(i), pixels, 32, 32, 3));
  }
  writers::TagId ttag = w->Tag("synthetic/text");
  for (uint64_t i = 0; i < texts; ++i) {
    count(w->AddText(ttag, static_cast<int64_t>(i), "note " + std::to_string(i)));
  }
  Status closed = w->Close();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  writers::Counters c = w->counters();
  writers::Watermarks m = w->watermarks();
  uint64_t events = scalars + histograms + images + texts;
  std::printf("writer      %s\n", policy.c_str());
  std::printf("file        %s\n", w->current_file().c_str());
  std::printf("events      %llu in %.3f s: %.0f events/s, %.1f MB/s\n",
              static_cast<unsigned long long>(events), secs, events / secs,
              c.bytes_written / secs / 1e6);
  std::printf(
      "watermarks  accepted %llu, written %llu, flushed %llu, synced %llu\n",
      static_cast<unsigned long long>(m.accepted), static_cast<unsigned long long>(m.written),
      static_cast<unsigned long long>(m.flushed), static_cast<unsigned long long>(m.synced));
  std::printf(
      "counters    flushes %llu, syncs %llu, dropped %llu, failed %llu, errors %llu, "
      "files %llu, bytes %llu\n",
      static_cast<unsigned long long>(c.flushes), static_cast<unsigned long long>(c.syncs),
      static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.files_created),
      static_cast<unsigned long long>(c.bytes_written));
  for (size_t e = 0; e < c.errors_by_errno.size(); ++e) {
    if (c.errors_by_errno[e] == 0) continue;
    std::string_view name = ErrnoName(static_cast<int>(e));
    std::printf("errors      %.*s %llu\n", static_cast<int>(name.size()), name.data(),
                static_cast<unsigned long long>(c.errors_by_errno[e]));
  }
  if (!closed.ok()) std::printf("close       %s\n", closed.ToString().c_str());
  bool all_flushed = closed.ok() && add_errors == 0 && c.failed == 0 && m.flushed == events &&
                     m.accepted == events;
  std::printf("result      %s\n", all_flushed ? "every event flushed" : "NOT every event flushed");
  return all_flushed ? 0 : 1;
}

}  // namespace

TBFAULT_COMMAND(write, "write a synthetic run with a writer and print its throughput and counters",
                RunWrite);

}  // namespace tbfault::cli
