// ExternalWriter: a real writer of another library (tensorboardX, TensorBoard's EventFileWriter as
// PyTorch uses it, TensorFlow's tf.summary, TF1's FileWriter, Keras's TensorBoard callback) driven
// through the EventWriter interface. It starts the library's adapter (`python ADAPTER --logdir
// RUN_DIR [--options TEXT]`, see adapter.proto and adapter_common.py), sends one request per call
// and waits for the answer.
//
// Sequence numbers count accepted adds, as EventWriter says. Watermarks are the adapter's: what the
// library's API promises (adapter.proto), which is what the harness then checks. An error answer
// becomes a Status with the adapter's errno (and goes to the error callback); failed ranges the
// adapter reports go to the failed callback.
// A dead or hung adapter is an error, never a hang: every exchange has a deadline (ETIMEDOUT, the
// adapter is then killed), a dead adapter is EPIPE; either way the events accepted but not yet
// flushed are reported failed with that errno, and every later call fails with the same error.
// Calls are serialised by a mutex; watermarks() and counters() may be read from any thread.
// Counters: bytes_written is the file's size after the last flush or close that returned OK.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "writers/event_writer.h"
#include "writers/external/adapter_process.h"

namespace tbfault::adapter {
class Request;
class Response;
}  // namespace tbfault::adapter

namespace tbfault::writers {

class ExternalWriter final : public EventWriter {
 public:
  struct Options {
    std::string python;   // the interpreter; "": the adapter is a program, run as is.
    std::string adapter;  // the adapter script (or program).
    std::string run_dir;
    std::string adapter_options;  // adapter.Options in text format ("max_queue: 100"), or "".
    std::chrono::milliseconds start_timeout{60000};    // to start and create the writer.
    std::chrono::milliseconds request_timeout{60000};  // per request.
  };

  // Resolves a spec: "tensorboardx", "tensorboard" (alias "pytorch"), "tensorflow" (TF2
  // tf.summary), "tensorflow-v1" (tf.compat.v1.summary.FileWriter), "keras" (its TensorBoard
  // callback in a tiny model's fit()), "external:<name>" (the script <name>_adapter.py, else the
  // program <name>_adapter, as "external:minimal_cpp" is the minimal C++ adapter) or
  // "external:PATH" (PATH has a '/': an adapter program of any language, run as `PATH --logdir
  // DIR`, ADAPTER_GUIDE.md). The
  // TensorFlow writers take options after a colon, "max_queue=N,flush_millis=N,misuse=
  // outside-scope|no-step|record-if-false" (adapter.proto's Options; an adapter refuses at start
  // what it lacks). The
  // interpreter is $TBFAULT_PYTHON, else the build's venv (compiled in). Adapters are looked for in
  // $TBFAULT_ADAPTER_DIR, else in adapters/ beside the running binary (build/bin/adapters), else in
  // the build tree (compiled in). The timeouts come from $TBFAULT_ADAPTER_TIMEOUT_S when set.
  static Status OptionsForSpec(std::string_view spec, const std::string& run_dir, Options* out);
  // True for the specs OptionsForSpec takes.
  static bool IsExternalSpec(std::string_view spec);

  // Starts the adapter and waits for its writer to exist. Its failure (no interpreter, a missing
  // script, a logdir that cannot be made) is returned and makes no writer.
  static Status Create(const Options& options, std::unique_ptr<ExternalWriter>* out);
  ~ExternalWriter() override;  // Closes if not closed; kills the adapter if it does not exit.

  TagId Tag(std::string_view name) override;
  using EventWriter::AddScalar;
  Status AddScalar(TagId tag, int64_t step, float value) override;
  Status AddHistogram(TagId tag, int64_t step, std::span<const double> values) override;
  Status AddHistogramBuckets(TagId tag, int64_t step,
                             std::span<const format::HistogramBucket> buckets) override;
  Status AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
                  int channels) override;
  Status AddText(TagId tag, int64_t step, std::string_view text) override;
  Status Flush() override;
  Status Sync() override;
  Status Close() override;
  // Sends `exit`: the adapter answers, then its program ends normally without closing the writer
  // (adapter.proto). Waits for it to end (killed at the request timeout); one that did not end
  // with status 0 (it hung or crashed in its exit handlers) is an error (EPIPE) quoting its
  // stderr. Later calls fail with EBADF.
  Status ExitWithoutClose() override;

  Watermarks watermarks() const override;
  Counters counters() const override;
  std::string current_file() const override { return file_; }
  void set_failed_callback(FailedCallback cb) override { on_failed_ = std::move(cb); }
  void set_error_callback(ErrorCallback cb) override { on_error_ = std::move(cb); }

  // What the writer appends to a text's tag ("/text_summary" for both libraries): a reader sees
  // tag + suffix. The ledger must compare with that.
  std::string text_tag_suffix() const override { return text_tag_suffix_; }
  const std::string& writer_name() const { return writer_name_; }  // e.g. "tensorboardX 2.6.5".
  pid_t adapter_pid() const { return process_ ? process_->pid() : -1; }

 private:
  explicit ExternalWriter(Options options) : options_(std::move(options)) {}
  Status Add(TagId tag, adapter::Request& request);  // the request's tag is set here.
  // Sends `request`, waits for the answer, applies its watermarks; `what` names the call.
  Status Exchange(const adapter::Request& request, std::string_view what, bool is_add);
  // `flushes`: an ok answer is a flush (counted, and the file's size taken).
  Status Apply(const adapter::Response& response, std::string_view what, bool is_add, bool flushes);
  Status Die(Status cause);  // Kills the adapter, reports the unflushed events failed.
  Status Error(Status s);    // Counts and reports an error, returns it.

  const Options options_;
  std::unique_ptr<AdapterProcess> process_;
  std::string file_;
  std::string text_tag_suffix_;
  std::string writer_name_;

  mutable std::mutex tags_mu_;
  std::vector<std::string> tags_;

  std::mutex mu_;  // one exchange at a time; guards closed_ and dead_.
  bool closed_ = false;
  Status dead_;  // sticky once the adapter is gone.

  mutable std::mutex marks_mu_;
  Watermarks marks_;
  Counters counters_;

  FailedCallback on_failed_;
  ErrorCallback on_error_;
};

}  // namespace tbfault::writers
