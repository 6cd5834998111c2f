#include "format/inspect.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "format/event_reader.h"

namespace tbfault::format {
namespace {

class Collector : public RecordReader::Reporter {
 public:
  explicit Collector(std::vector<AnomalyReport>* out) : out_(out) {}
  void Corruption(const AnomalyReport& r) override { out_->push_back(r); }

 private:
  std::vector<AnomalyReport>* out_;
};

void CountEvent(const tensorboard::Event& e, FileSummary* file, RunSummary* run,
                std::map<std::string, std::string>* tag_plugins) {
  if (!e.has_summary()) {
    ++file->events_by_kind[std::string(EventKind(e))];
    return;
  }
  for (const auto& v : e.summary().value()) {
    std::string& plugin = (*tag_plugins)[v.tag()];
    if (v.has_metadata() && plugin.empty()) plugin = v.metadata().plugin_data().plugin_name();
    std::string kind = ValueKind(v, plugin);
    ++file->events_by_kind[kind];
    auto [it, inserted] = run->tags.try_emplace(v.tag());
    TagSummary& t = it->second;
    if (inserted) {
      t.kind = kind;
      t.min_step = t.max_step = e.step();
    }
    ++t.count;
    t.min_step = std::min(t.min_step, e.step());
    t.max_step = std::max(t.max_step, e.step());
  }
}

// A file's bytes without allocating from its size: read into memory up to kReadLimit, mapped
// beyond it (a sparse file of 64 GB was read whole: bad_alloc, or all of memory).
class FileBytes {
 public:
  static constexpr uint64_t kReadLimit = 64ull << 20;
  ~FileBytes() { Unmap(); }
  Status Open(const std::string& path) {
    Unmap();
    buf_.clear();
    bytes_ = {};
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    struct stat st;
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
      ::close(fd);
      return Status::FromErrno(err, "read " + path);
    }
    if (static_cast<uint64_t>(st.st_size) <= kReadLimit) {
      ::close(fd);
      Status s = ReadFileToString(path, &buf_);
      bytes_ = buf_;
      return s;
    }
    void* m = ::mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    if (m == MAP_FAILED) return Status::FromErrno(err, "mmap " + path);
    ::madvise(m, st.st_size, MADV_SEQUENTIAL);
    map_ = m;
    map_len_ = st.st_size;
    bytes_ = std::string_view(static_cast<const char*>(m), map_len_);
    return Status::Ok();
  }
  std::string_view bytes() const { return bytes_; }

 private:
  void Unmap() {
    if (map_ != nullptr) ::munmap(map_, map_len_);
    map_ = nullptr;
  }
  std::string buf_;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::string_view bytes_;
};

}  // namespace

uint64_t InspectReport::anomaly_count() const {
  uint64_t n = 0;
  for (const auto& r : runs) {
    for (const auto& f : r.files) n += f.anomalies.size();
  }
  return n;
}

Status Inspect(const std::string& path, InspectReport* report) {
  report->runs.clear();
  std::vector<RunFiles> runs;
  Status s = ListRuns(path, &runs);
  if (!s.ok()) return s;
  FileBytes contents;
  for (const auto& rf : runs) {
    RunSummary run;
    run.run = rf.run;
    std::map<std::string, std::string> tag_plugins;
    for (const auto& file_path : rf.files) {
      s = contents.Open(file_path);
      if (!s.ok()) return s;
      FileSummary file;
      file.path = file_path;
      file.size = contents.bytes().size();
      Collector collector(&file.anomalies);
      EventReader reader(contents.bytes(), &collector);
      EventRecord rec;
      uint64_t events = 0;
      while (reader.Next(&rec)) {
        ++events;
        CountEvent(rec.event, &file, &run, &tag_plugins);
      }
      // Intact frames: events plus those reported as bad-proto.
      file.records = events + std::count_if(file.anomalies.begin(), file.anomalies.end(),
                                            [](const AnomalyReport& a) {
                                              return a.kind == Anomaly::kBadProto;
                                            });
      std::sort(file.anomalies.begin(), file.anomalies.end(),
                [](const AnomalyReport& a, const AnomalyReport& b) { return a.offset < b.offset; });
      run.files.push_back(std::move(file));
    }
    report->runs.push_back(std::move(run));
  }
  return Status::Ok();
}

}  // namespace tbfault::format
