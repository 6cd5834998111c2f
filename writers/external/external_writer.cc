#include "writers/external/external_writer.h"

#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "writers/external/adapter.pb.h"

#ifndef TBFAULT_ADAPTER_PYTHON
#define TBFAULT_ADAPTER_PYTHON "python3"
#endif
#ifndef TBFAULT_ADAPTER_DIR
#define TBFAULT_ADAPTER_DIR ""
#endif

namespace tbfault::writers {
namespace {

bool IsFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string ExeDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// The writers whose spec may take options ("tensorflow:max_queue=100,misuse=no-step"; each adapter
// refuses those it lacks).
constexpr std::string_view kWithOptions[] = {"tensorflow", "tensorflow-v1", "keras"};

// The adapter's name for a spec ("tensorboardx", "tensorflow-v1"), or "" when not external.
std::string AdapterName(std::string_view spec) {
  if (spec == "tensorboardx") return "tensorboardx";
  if (spec == "tensorboard" || spec == "pytorch") return "tensorboard";
  if (spec.starts_with("external:")) return std::string(spec.substr(9));
  std::string_view kind = spec.substr(0, spec.find(':'));
  for (std::string_view k : kWithOptions) {
    if (kind == k) return std::string(k) == "tensorflow-v1" ? "tensorflow_v1" : std::string(k);
  }
  return "";
}

// Options of a spec ("max_queue=100,flush_millis=500,misuse=outside-scope", after the colon) as
// adapter.Options in text format.
Status ParseAdapterOptions(std::string_view spec, std::string* text) {
  adapter::Options o;
  size_t colon = spec.find(':');
  std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  auto bad = [&](std::string_view part, const std::string& why) {
    return Status::Invalid("external writer '" + std::string(spec) + "': option '" +
                           std::string(part) + "' " + why +
                           " (max_queue=N, flush_millis=N, misuse=outside-scope|no-step|"
                           "record-if-false)");
  };
  while (!rest.empty()) {
    std::string_view part = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), part.size() + 1));
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) return bad(part, "is not key=value");
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "misuse") {
      std::string name(value);
      for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
      adapter::Misuse m;
      if (name == "MISUSE_NONE" || !adapter::Misuse_Parse(name, &m)) return bad(part, "is unknown");
      o.set_misuse(m);
      continue;
    }
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v <= 0) {
      return bad(part, "needs a positive integer");
    }
    if (key == "max_queue" && v <= INT32_MAX) {
      o.set_max_queue(static_cast<int32_t>(v));
    } else if (key == "flush_millis") {
      o.set_flush_millis(v);
    } else {
      return bad(part, "is unknown");
    }
  }
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(o, text);
  return Status::Ok();
}

}  // namespace

bool ExternalWriter::IsExternalSpec(std::string_view spec) { return !AdapterName(spec).empty(); }

namespace {

void SetTimeouts(ExternalWriter::Options* o) {
  if (const char* t = std::getenv("TBFAULT_ADAPTER_TIMEOUT_S"); t && *t) {
    double secs = std::atof(t);
    if (secs > 0) {
      o->start_timeout = o->request_timeout =
          std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
    }
  }
}

// "external:PATH" (PATH has a '/'): the adapter is the program PATH itself, run with no
// interpreter (ADAPTER_GUIDE.md); a relative PATH is taken from the current directory.
Status ExecutableOptions(std::string_view spec, const std::string& path, const std::string& run_dir,
                         ExternalWriter::Options* out) {
  ExternalWriter::Options o;
  o.run_dir = run_dir;
  std::error_code ec;
  o.adapter = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (!IsFile(o.adapter) || ::access(o.adapter.c_str(), X_OK) != 0) {
    return Status::FromErrno(
        IsFile(o.adapter) ? EACCES : ENOENT,
        "external writer '" + std::string(spec) + "': " + o.adapter + " is not an executable file");
  }
  SetTimeouts(&o);
  *out = std::move(o);
  return Status::Ok();
}

}  // namespace

Status ExternalWriter::OptionsForSpec(std::string_view spec, const std::string& run_dir,
                                      Options* out) {
  std::string name = AdapterName(spec);
  if (spec.starts_with("external:") && name.find('/') != std::string::npos) {
    return ExecutableOptions(spec, name, run_dir, out);  // an adapter program of any language.
  }
  if (name.empty() || name.find('/') != std::string::npos || name.starts_with(".")) {
    return Status::Invalid("unknown external writer '" + std::string(spec) +
                           "' (tensorboardx, tensorboard, pytorch, tensorflow[:OPTIONS], "
                           "tensorflow-v1[:OPTIONS], keras or external:<name>)");
  }
  Options o;
  o.run_dir = run_dir;
  if (!spec.starts_with("external:")) {
    Status s = ParseAdapterOptions(spec, &o.adapter_options);
    if (!s.ok()) return s;
  }
  const char* python = std::getenv("TBFAULT_PYTHON");
  o.python = python && *python ? python : TBFAULT_ADAPTER_PYTHON;
  std::string script = name + "_adapter.py";
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("TBFAULT_ADAPTER_DIR"); d && *d) {
    dirs = {d};  // an explicit choice is the only place looked at.
  } else {
    dirs = {ExeDir() + "/adapters", TBFAULT_ADAPTER_DIR};
  }
  // In each directory, the script, else a program <name>_adapter (e.g. the minimal C++ adapter,
  // external:minimal_cpp), run as is.
  const std::string program = name + "_adapter";
  for (const auto& dir : dirs) {
    if (dir.empty()) continue;
    if (IsFile(dir + "/" + script)) {
      o.adapter = dir + "/" + script;
      break;
    }
    if (IsFile(dir + "/" + program) && ::access((dir + "/" + program).c_str(), X_OK) == 0) {
      o.adapter = dir + "/" + program;
      o.python.clear();
      break;
    }
  }
  if (o.adapter.empty()) {
    std::string where;
    for (const auto& dir : dirs) where += (where.empty() ? "" : ", ") + dir;
    return Status::FromErrno(ENOENT, "external writer '" + std::string(spec) + "': no " + script +
                                         " (nor a program " + program + ") in " + where);
  }
  SetTimeouts(&o);
  *out = std::move(o);
  return Status::Ok();
}

Status ExternalWriter::Create(const Options& options, std::unique_ptr<ExternalWriter>* out) {
  out->reset();
  std::unique_ptr<ExternalWriter> w(new ExternalWriter(options));
  std::string who = "adapter " + options.adapter;
  std::vector<std::string> argv = {options.python, "-u", options.adapter, "--logdir",
                                   options.run_dir};
  if (options.python.empty()) argv = {options.adapter, "--logdir", options.run_dir};
  if (!options.adapter_options.empty()) {
    argv.insert(argv.end(), {"--options", options.adapter_options});
  }
  Status s = AdapterProcess::Start(argv, &w->process_);
  if (!s.ok()) return s;
  std::string data;
  s = w->process_->Receive(&data, AdapterProcess::Clock::now() + options.start_timeout);
  if (!s.ok()) {
    w->process_->Kill();
    return Status::FromErrno(s.error_number(), "start " + who + ": " + s.message());
  }
  adapter::Response hello;
  if (!hello.ParseFromString(data)) {
    w->process_->Kill();
    return Status::FromErrno(EPROTO, "start " + who + ": unreadable first response");
  }
  if (hello.has_error()) {
    w->process_->WaitExit(AdapterProcess::Clock::now() + std::chrono::seconds(5));
    int err = hello.error().error_number() ? hello.error().error_number() : EIO;
    return Status::FromErrno(err, "start " + who + ": " + hello.error().message());
  }
  w->file_ = hello.file();
  w->text_tag_suffix_ = hello.text_tag_suffix();
  w->writer_name_ = hello.writer();
  w->counters_.files_created = 1;
  *out = std::move(w);
  return Status::Ok();
}

ExternalWriter::~ExternalWriter() {
  bool closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed = closed_;
  }
  // A writer whose adapter never started (a failed Create) or is gone has nothing to close.
  if (!closed && process_ && process_->running()) Close().Ignore();  // Errors went to callbacks.
  // process_'s destructor kills the adapter if it is still running.
}

TagId ExternalWriter::Tag(std::string_view name) {
  std::lock_guard<std::mutex> lock(tags_mu_);
  for (size_t i = 0; i < tags_.size(); ++i) {
    if (tags_[i] == name) return static_cast<TagId>(i);
  }
  tags_.emplace_back(name);
  return static_cast<TagId>(tags_.size() - 1);
}

Status ExternalWriter::AddScalar(TagId tag, int64_t step, float value) {
  adapter::Request r;
  r.mutable_scalar()->set_step(step);
  r.mutable_scalar()->set_value(value);
  return Add(tag, r);
}

Status ExternalWriter::AddHistogram(TagId tag, int64_t step, std::span<const double> values) {
  adapter::Request r;
  r.mutable_histogram()->set_step(step);
  r.mutable_histogram()->mutable_values()->Add(values.begin(), values.end());
  return Add(tag, r);
}

Status ExternalWriter::AddHistogramBuckets(TagId tag, int64_t step,
                                           std::span<const format::HistogramBucket> buckets) {
  adapter::Request r;
  r.mutable_histogram()->set_step(step);
  for (const auto& b : buckets) {
    auto* out = r.mutable_histogram()->add_buckets();
    out->set_left(b.left);
    out->set_right(b.right);
    out->set_count(b.count);
  }
  return Add(tag, r);
}

Status ExternalWriter::AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels,
                                int height, int width, int channels) {
  adapter::Request r;
  auto* image = r.mutable_image();
  image->set_step(step);
  image->set_height(height);
  image->set_width(width);
  image->set_channels(channels);
  image->set_pixels(pixels.data(), pixels.size());
  return Add(tag, r);
}

Status ExternalWriter::AddText(TagId tag, int64_t step, std::string_view text) {
  adapter::Request r;
  r.mutable_text()->set_step(step);
  r.mutable_text()->set_text(text.data(), text.size());
  return Add(tag, r);
}

Status ExternalWriter::Add(TagId tag, adapter::Request& request) {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(tags_mu_);
    if (tag >= tags_.size()) {
      return Status::FromErrno(EINVAL, "unknown tag id " + std::to_string(tag));
    }
    name = tags_[tag];
  }
  switch (request.kind_case()) {
    case adapter::Request::kScalar:
      request.mutable_scalar()->set_tag(name);
      break;
    case adapter::Request::kHistogram:
      request.mutable_histogram()->set_tag(name);
      break;
    case adapter::Request::kImage:
      request.mutable_image()->set_tag(name);
      break;
    case adapter::Request::kText:
      request.mutable_text()->set_tag(name);
      break;
    default:
      break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::FromErrno(EBADF, "add: writer closed");
  return Exchange(request, "add", true);
}

Status ExternalWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::FromErrno(EBADF, "flush: writer closed");
  adapter::Request r;
  r.mutable_flush();
  return Exchange(r, "flush", false);
}

Status ExternalWriter::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::FromErrno(EBADF, "sync: writer closed");
  adapter::Request r;
  r.mutable_sync();
  return Exchange(r, "sync", false);
}

Status ExternalWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::FromErrno(EBADF, "close: already closed");
  closed_ = true;
  adapter::Request r;
  r.mutable_close();
  Status s = Exchange(r, "close", false);
  if (process_ && process_->running()) {
    // The adapter exits after answering close; one that does not is killed.
    process_->WaitExit(AdapterProcess::Clock::now() + options_.request_timeout);
  }
  return s;
}

// The adapter answers, then its program ends normally without close (adapter.proto): what its
// library's exit handlers write lands before the process is gone, so the file is measured after.
Status ExternalWriter::ExitWithoutClose() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::FromErrno(EBADF, "exit: writer closed");
  closed_ = true;  // the destructor, should it run, closes nothing.
  adapter::Request r;
  r.mutable_exit();
  Status s = Exchange(r, "exit", false);
  if (!s.ok() || !process_ || !process_->running()) return s;
  const auto deadline = AdapterProcess::Clock::now() + options_.request_timeout;
  const bool clean = process_->WaitExit(deadline);
  const bool hung = !clean && AdapterProcess::Clock::now() >= deadline;
  {
    std::lock_guard<std::mutex> marks_lock(marks_mu_);
    struct stat st;  // what the file holds once the program ended.
    if (!file_.empty() && ::stat(file_.c_str(), &st) == 0) {
      counters_.bytes_written = static_cast<uint64_t>(st.st_size);
    }
  }
  if (clean) return Status::Ok();
  std::string tail = process_->stderr_tail();
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  if (size_t nl = tail.rfind('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
  return Error(Status::FromErrno(
      hung ? ETIMEDOUT : EPIPE,
      "exit (" + writer_name_ + "): the adapter's program " +
          (hung ? "did not end in time, killed" : "ended with " + process_->exit_description()) +
          (tail.empty() ? "" : ": " + tail)));
}

Status ExternalWriter::Exchange(const adapter::Request& request, std::string_view what,
                                bool is_add) {
  if (!dead_.ok()) return dead_;
  if (!process_) return Status::FromErrno(EPIPE, std::string(what) + ": no adapter");
  std::string data;
  if (!request.SerializeToString(&data)) {
    return Status::FromErrno(EINVAL, std::string(what) + ": cannot serialize the request");
  }
  auto deadline = AdapterProcess::Clock::now() + options_.request_timeout;
  Status s = process_->Send(data, deadline);
  if (s.ok()) s = process_->Receive(&data, deadline);
  if (!s.ok()) {
    return Die(Status::FromErrno(s.error_number(), std::string(what) + ": " + s.message()));
  }
  adapter::Response response;
  if (!response.ParseFromString(data)) {
    return Die(Status::FromErrno(EPROTO, std::string(what) + ": unreadable response"));
  }
  return Apply(response, what, is_add, request.kind_case() != adapter::Request::kExit);
}

Status ExternalWriter::Apply(const adapter::Response& response, std::string_view what, bool is_add,
                             bool flushes) {
  {
    std::lock_guard<std::mutex> lock(marks_mu_);
    Watermarks& m = marks_;
    // The adapter's marks, kept monotonic and ordered: an add accepts at most one event, and
    // nothing is written, flushed or synced that was not accepted.
    uint64_t accepted = std::max(m.accepted, response.accepted());
    if (is_add) accepted = std::min(accepted, m.accepted + 1);
    if (!is_add) accepted = m.accepted;
    if (is_add && accepted > m.accepted) ++counters_.accepted;
    m.accepted = accepted;
    m.written = std::min(accepted, std::max(m.written, response.written()));
    m.flushed = std::min(accepted, std::max(m.flushed, response.flushed()));
    m.synced = std::min(accepted, std::max(m.synced, response.synced()));
    if (response.has_ok() && !is_add && flushes) {
      ++counters_.flushes;
      // What the file holds once the writer says it flushed (the adapter cannot say per event).
      struct stat st;
      if (!file_.empty() && ::stat(file_.c_str(), &st) == 0) {
        counters_.bytes_written = static_cast<uint64_t>(st.st_size);
      }
    }
    if (response.fsynced()) ++counters_.syncs;
  }
  for (const auto& f : response.failed()) {
    {
      std::lock_guard<std::mutex> lock(marks_mu_);
      if (f.last_seq() >= f.first_seq()) counters_.failed += f.last_seq() - f.first_seq() + 1;
    }
    if (on_failed_) on_failed_(f.first_seq(), f.last_seq(), f.error_number());
  }
  if (response.has_error()) {
    int err = response.error().error_number() ? response.error().error_number() : EIO;
    return Error(Status::FromErrno(
        err, std::string(what) + " (" + writer_name_ + "): " + response.error().message()));
  }
  if (!response.has_ok()) return Die(Status::FromErrno(EPROTO, std::string(what) + ": no result"));
  return Status::Ok();
}

Status ExternalWriter::Die(Status cause) {
  if (process_) process_->Kill();
  dead_ = cause;
  uint64_t first, last;
  {
    std::lock_guard<std::mutex> lock(marks_mu_);
    first = marks_.flushed + 1;
    last = marks_.accepted;
    if (last >= first) counters_.failed += last - first + 1;
  }
  if (last >= first && on_failed_) on_failed_(first, last, cause.error_number());
  return Error(cause);
}

Status ExternalWriter::Error(Status s) {
  {
    std::lock_guard<std::mutex> lock(marks_mu_);
    ++counters_.errors;
    int e = s.error_number();
    if (e > 0 && static_cast<size_t>(e) < counters_.errors_by_errno.size()) {
      ++counters_.errors_by_errno[e];
    }
  }
  if (on_error_) on_error_(s);
  return s;
}

Watermarks ExternalWriter::watermarks() const {
  std::lock_guard<std::mutex> lock(marks_mu_);
  return marks_;
}

Counters ExternalWriter::counters() const {
  std::lock_guard<std::mutex> lock(marks_mu_);
  return counters_;
}

}  // namespace tbfault::writers
