#include "harness/core/doctor_watch.h"

#include "format/event_reader.h"

namespace tbfault::core {

DoctorWatch::DoctorWatch(std::string path, int stall_polls)
    : path_(std::move(path)), stall_polls_(stall_polls) {}

Status DoctorWatch::Poll(std::vector<WatchFinding>* out) {
  ++polls_;
  std::vector<format::RunFiles> runs;
  Status s = format::ListRuns(path_, &runs);
  if (!s.ok()) return s;
  diagnosis_ = Diagnosis();
  diagnosis_.path = path_;
  for (const format::RunFiles& run : runs) {
    RunState& st = runs_[run.run];
    if (st.reader == nullptr) {
      st.reader = std::make_unique<RunReader>(
          std::vector<Profile>(std::begin(kAllProfiles), std::end(kAllProfiles)));
    }
    if (s = st.reader->Cycle(run.files); !s.ok()) return s;
    const ProfileReader& strict = *st.reader->reader(Profile::kStrict);
    RunDiagnosis& d = diagnosis_.runs.emplace_back();
    d.run = run.run;
    DiagnoseRun(st.reader->files(), StrictAnomalies(strict), strict.view(),
                st.reader->reader(Profile::kTbRust)->view(),
                st.reader->reader(Profile::kTbPython)->view(), &d);
    // Files grew but no TensorBoard profile shows anything new: a finding of its own.
    const uint64_t bytes = st.reader->bytes_read();
    const uint64_t shown = d.rust_values + d.python_values;
    st.growing_unseen = bytes > st.bytes && shown == st.shown ? st.growing_unseen + 1 : 0;
    st.bytes = bytes;
    st.shown = shown;
    if (st.growing_unseen == stall_polls_) {
      Finding f;
      f.kind = FindingKind::kStalled;
      f.profiles = {Profile::kTbRust, Profile::kTbPython};
      f.summary = "the event files grew for " + std::to_string(stall_polls_) +
                  " reload cycles but no new value is shown";
      d.findings.push_back(f);
      out->push_back({run.run, f});
    }
    std::set<std::tuple<FindingKind, std::string, uint64_t>> tails;
    for (const Finding& f : d.findings) {
      if (f.kind == FindingKind::kStalled) continue;
      auto key = std::make_tuple(run.run, f.kind, f.file, f.offset);
      if (reported_.count(key) != 0) continue;
      if (f.kind == FindingKind::kTruncatedTail) {  // a writer mid-record: wait one poll.
        auto tail = std::make_tuple(f.kind, f.file, f.offset);
        tails.insert(tail);
        if (st.pending_tails.count(tail) == 0) continue;
      }
      reported_.insert(key);
      out->push_back({run.run, f});
    }
    st.pending_tails = std::move(tails);
  }
  return Status::Ok();
}

}  // namespace tbfault::core
