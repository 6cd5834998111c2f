// The real TensorFlow 2 writer (tensorflow_adapter.py) end to end: every kind reads back through
// the strict reader in TF2's tensor encodings; a file-system error TF raises reaches the caller as
// an error with TF's text; the seed's misuses do what TF does (values accepted, nothing written; or
// an error). Skips, with the reason, when the venv cannot import tensorflow (tools/setup.sh).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstring>

#include "writers/external/external_test_util.h"
#include "writers/external/external_writer.h"
#include "writers/test_util.h"
#include "writers/writer_factory.h"

namespace tbfault::writers {
namespace {

using testing::DecodeRgb;
using testing::ReadValues;
using testing::TempDir;

std::unique_ptr<ExternalWriter> Make(const std::string& spec, const std::string& run) {
  std::unique_ptr<EventWriter> made;
  Status s = MakeWriter(spec, run, &made);  // through the registration hook.
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<ExternalWriter>(dynamic_cast<ExternalWriter*>(made.release()));
}

// A tensor's numbers: TF2 writes tensor_content (little-endian), older writers the *_val fields.
template <typename T>
std::vector<T> Numbers(const tensorboard::TensorProto& t) {
  std::vector<T> out(t.tensor_content().size() / sizeof(T));
  std::memcpy(out.data(), t.tensor_content().data(), out.size() * sizeof(T));
  if (out.empty()) {
    if constexpr (std::is_same_v<T, float>) out.assign(t.float_val().begin(), t.float_val().end());
    if constexpr (std::is_same_v<T, double>) {
      out.assign(t.double_val().begin(), t.double_val().end());
    }
  }
  return out;
}

TEST(TensorflowWriterTest, EveryKindReadsBackAsTf2Tensors) {
  TempDir dir;
  const std::string run = dir.path() + "/run";
  ExternalWriter::Options options;
  NEED_VENV("tensorflow", run, &options);
  auto w = Make("tensorflow", run);
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->writer_name().find("tensorflow"), std::string::npos) << w->writer_name();
  EXPECT_EQ(w->text_tag_suffix(), "");  // TF2 keeps a text's tag.
  const testing::EveryKind k;
  ASSERT_NO_FATAL_FAILURE(k.Write(w.get()));
  const auto& [values, buckets, pixels, text] = k;
  ASSERT_TRUE(w->Flush().ok());
  Watermarks m = w->watermarks();
  EXPECT_EQ(m.accepted, 14u);
  EXPECT_EQ(m.flushed, 14u);
  EXPECT_EQ(m.synced, 0u);  // TF never fsyncs.
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(w->watermarks().synced, 0u);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_FALSE(w->current_file().empty());

  int file_versions = 0;
  auto got = ReadValues(run, &file_versions);
  EXPECT_EQ(file_versions, 1);
  ASSERT_EQ(got["loss"].size(), 10u);
  EXPECT_EQ(got["loss"][0].value.metadata().plugin_data().plugin_name(), "scalars");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got["loss"][i].step, i);
    const auto& t = got["loss"][i].value.tensor();
    EXPECT_EQ(t.dtype(), tensorboard::DT_FLOAT);
    EXPECT_EQ(t.tensor_shape().dim_size(), 0);
    EXPECT_EQ(Numbers<float>(t), std::vector<float>{testing::EveryKind::Loss(i)}) << i;
  }
  ASSERT_EQ(got["weights"].size(), 1u);
  const auto& h = got["weights"][0].value;
  EXPECT_EQ(h.metadata().plugin_data().plugin_name(), "histograms");
  std::vector<double> rows = Numbers<double>(h.tensor());
  ASSERT_EQ(rows.size() % 3, 0u);
  double total = 0;
  for (size_t i = 2; i < rows.size(); i += 3) total += rows[i];
  EXPECT_EQ(total, values.size());
  ASSERT_EQ(got["grads"].size(), 1u);
  EXPECT_EQ(got["grads"][0].step, 21);
  EXPECT_EQ(Numbers<double>(got["grads"][0].value.tensor()),
            (std::vector<double>{0, 1, 2, 1, 2, 5, 2, 4, 1}));
  ASSERT_EQ(got["img"].size(), 1u);
  const auto& image = got["img"][0].value.tensor();
  ASSERT_EQ(image.string_val_size(), 3);  // [width, height, png]
  EXPECT_EQ(image.string_val(0), "5");
  EXPECT_EQ(image.string_val(1), "4");
  int width = 0, height = 0;
  EXPECT_EQ(DecodeRgb(image.string_val(2), &width, &height), pixels);
  ASSERT_EQ(got["notes"].size(), 1u);
  EXPECT_EQ(got["notes"][0].value.metadata().plugin_data().plugin_name(), "text");
  ASSERT_EQ(got["notes"][0].value.tensor().string_val_size(), 1);
  EXPECT_EQ(got["notes"][0].value.tensor().string_val(0), text);
}

// The file-size limit makes TF's writes fail (EFBIG, a real error from the kernel): TF raises, and
// the harness gets the error with TF's text, never silence.
TEST(TensorflowWriterTest, FileSystemErrorReachesTheCallerWithTfText) {
  TempDir dir;
  const std::string run = dir.path() + "/run";
  ExternalWriter::Options options;
  NEED_VENV("tensorflow", run, &options);
  rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);  // the adapter inherits both.
  rlimit small = old;
  small.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto w = Make("tensorflow", run);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_NE(w, nullptr);
  std::vector<Status> errors;
  w->set_error_callback([&](const Status& e) { errors.push_back(e); });
  TagId loss = w->Tag("loss");
  for (int i = 0; i < 100 && errors.empty(); ++i) (void)w->AddScalar(loss, i, 1.0f * i);
  if (errors.empty()) (void)w->Flush();
  ASSERT_FALSE(errors.empty()) << "TF wrote past the file-size limit without an error";
  EXPECT_EQ(errors[0].error_number(), EFBIG) << errors[0].ToString();
  EXPECT_NE(errors[0].message().find("Could not flush events file"), std::string::npos)
      << errors[0].message();
  EXPECT_LT(w->watermarks().flushed, w->watermarks().accepted);
  (void)w->Close();
}

struct Misused {
  std::vector<Status> errors;
  Watermarks marks;
  std::map<std::string, std::vector<testing::Point>> values;
  Status flushed, closed;
};

Misused Misuse(const std::string& misuse, const std::string& run) {
  Misused out;
  auto w = Make("tensorflow:misuse=" + misuse, run);
  if (w == nullptr) return out;
  w->set_error_callback([&](const Status& e) { out.errors.push_back(e); });
  TagId loss = w->Tag("loss");
  for (int i = 0; i < 5; ++i) (void)w->AddScalar(loss, i, 1.0f * i);
  (void)w->AddText(w->Tag("notes"), 5, "text");
  out.flushed = w->Flush();
  out.closed = w->Close();
  out.marks = w->watermarks();
  int file_versions = 0;
  out.values = ReadValues(run, &file_versions);
  EXPECT_EQ(file_versions, 1) << "TF creates its file whatever the misuse";
  return out;
}

TEST(TensorflowWriterTest, OutsideScopeAndRecordIfFalseAcceptAndWriteNothing) {
  for (const char* misuse : {"outside-scope", "record-if-false"}) {
    TempDir dir;
    ExternalWriter::Options options;
    NEED_VENV("tensorflow", dir.path() + "/run", &options);
    Misused m = Misuse(misuse, dir.path() + "/run");
    EXPECT_TRUE(m.errors.empty()) << misuse << ": " << m.errors[0].ToString();
    EXPECT_EQ(m.marks.accepted, 6u) << misuse;  // the ops returned (False) without raising.
    EXPECT_EQ(m.marks.flushed, 6u) << misuse;
    EXPECT_TRUE(m.flushed.ok() && m.closed.ok()) << misuse;
    EXPECT_TRUE(m.values.empty()) << misuse << ": TF wrote " << m.values.begin()->first;
  }
}

TEST(TensorflowWriterTest, NoStepIsAnErrorWithTfText) {
  TempDir dir;
  ExternalWriter::Options options;
  NEED_VENV("tensorflow", dir.path() + "/run", &options);
  Misused m = Misuse("no-step", dir.path() + "/run");
  ASSERT_EQ(m.errors.size(), 6u);  // every add.
  for (const Status& e : m.errors) {
    EXPECT_EQ(e.error_number(), EINVAL) << e.ToString();
    EXPECT_NE(e.message().find("No step set"), std::string::npos) << e.message();
  }
  EXPECT_EQ(m.marks.accepted, 0u);
  EXPECT_TRUE(m.values.empty());
}

// Keras's TensorBoard callback in a tiny model's fit(): every value in the run directory given
// (named anything: the callback's train/ is a symlink to it), at its step, and none of Keras's own
// series (they would be phantoms).
TEST(TensorflowWriterTest, KerasCallbackWritesTheLedgerInTheRunDirAndNothingElse) {
  TempDir dir;
  const std::string run = dir.path() + "/run";
  ExternalWriter::Options options;
  NEED_VENV("tensorflow", run, &options);
  auto w = Make("keras", run);
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->writer_name().find("keras"), std::string::npos) << w->writer_name();
  const testing::EveryKind k;
  ASSERT_NO_FATAL_FAILURE(k.Write(w.get()));
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(w->watermarks().flushed, 14u);
  ASSERT_TRUE(w->Close().ok());
  int file_versions = 0;
  auto got = ReadValues(dir.path(), &file_versions);
  std::vector<std::string> tags;
  for (const auto& [tag, points] : got) tags.push_back(tag);
  EXPECT_EQ(tags, (std::vector<std::string>{"grads", "img", "loss", "notes", "weights"}));
  ASSERT_EQ(got["loss"].size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got["loss"][i].step, i);
    EXPECT_EQ(Numbers<float>(got["loss"][i].value.tensor()),
              std::vector<float>{testing::EveryKind::Loss(i)});
  }
  EXPECT_EQ(got["notes"][0].value.tensor().string_val(0), k.text);
  std::vector<format::RunFiles> runs;
  ASSERT_TRUE(format::ListRuns(dir.path(), &runs).ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run, "run");
}

}  // namespace
}  // namespace tbfault::writers
