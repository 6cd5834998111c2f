// ExternalWriter end to end: each real adapter writes every kind, and the run read back by the
// strict reader holds every value at its step; a killed or hung adapter is an error, not a hang;
// bad specs and missing interpreters are errors. Tests of real adapters skip when the venv with
// tensorboard, tensorboardX and tensorflow (tools/setup.sh, or $TBFAULT_PYTHON) is missing.
// TensorFlow's own tests (TF2 tensors, its errors, its misuses) are in tensorflow_writer_test.cc.
#include "writers/external/external_writer.h"

#include <gtest/gtest.h>
#include <png.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>

#include "format/event_reader.h"
#include "writers/external/external_test_util.h"
#include "writers/test_util.h"
#include "writers/writer_factory.h"

namespace tbfault::writers {
namespace {

using testing::DecodeRgb;
using testing::Point;
using testing::ReadValues;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

class RealAdapterTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealAdapterTest, EveryKindReadsBackExactly) {
  TempDir dir;
  const std::string run = dir.path() + "/run";
  ExternalWriter::Options options;
  NEED_VENV(GetParam(), run, &options);
  std::unique_ptr<EventWriter> made;
  Status s = MakeWriter(GetParam(), run, &made);  // through the registration hook.
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto* w = dynamic_cast<ExternalWriter*>(made.get());
  ASSERT_NE(w, nullptr);
  std::vector<std::string> errors;
  w->set_error_callback([&](const Status& e) { errors.push_back(e.ToString()); });

  const testing::EveryKind k;
  TagId loss = w->Tag("loss");
  ASSERT_NO_FATAL_FAILURE(k.Write(w));
  const auto& [values, buckets, pixels, text] = k;
  EXPECT_EQ(w->watermarks().accepted, 14u);

  // A refused add is an error with an errno and no sequence number.
  s = w->AddImage(w->Tag("img"), 24, std::span(pixels).first(7), 4, 5, 3);
  EXPECT_EQ(s.error_number(), EINVAL) << s.ToString();
  EXPECT_EQ(w->watermarks().accepted, 14u);
  EXPECT_EQ(errors.size(), 1u);

  ASSERT_TRUE(w->Flush().ok());
  Watermarks m = w->watermarks();
  EXPECT_EQ(m.flushed, 14u);
  EXPECT_EQ(m.written, 14u);
  EXPECT_EQ(m.synced, GetParam() == "tensorboardx" ? 14u : 0u);  // only tensorboardX fsyncs.
  ASSERT_TRUE(w->AddScalar(loss, 10, 7.25f).ok());
  s = w->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(w->Close().error_number(), EBADF);
  EXPECT_EQ(w->AddScalar(loss, 11, 1.0f).error_number(), EBADF);
  EXPECT_EQ(w->watermarks().flushed, 15u);
  EXPECT_EQ(w->counters().accepted, 15u);
  EXPECT_FALSE(w->current_file().empty());

  int file_versions = 0;
  auto got = ReadValues(run, &file_versions);
  EXPECT_EQ(file_versions, 1);
  ASSERT_EQ(got["loss"].size(), 11u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got["loss"][i].step, i);
    EXPECT_EQ(got["loss"][i].value.simple_value(), testing::EveryKind::Loss(i)) << i;
  }
  EXPECT_EQ(got["loss"][10].step, 10);
  EXPECT_EQ(got["loss"][10].value.simple_value(), 7.25f);

  ASSERT_EQ(got["weights"].size(), 1u);
  const auto& h = got["weights"][0].value.histo();
  EXPECT_EQ(got["weights"][0].step, 20);
  EXPECT_EQ(h.num(), values.size());
  EXPECT_EQ(h.min(), -4.5);
  EXPECT_EQ(h.max(), 3);
  EXPECT_DOUBLE_EQ(h.sum(), 1 + 2 + 2 + 3 + 3 + 3 - 4.5 + 1e-3);
  double total = 0;
  for (double c : h.bucket()) total += c;
  EXPECT_EQ(total, values.size());
  EXPECT_EQ(h.bucket_limit_size(), h.bucket_size());

  ASSERT_EQ(got["grads"].size(), 1u);
  const auto& g = got["grads"][0].value.histo();
  EXPECT_EQ(got["grads"][0].step, 21);
  EXPECT_EQ(g.num(), 8);
  ASSERT_EQ(g.bucket_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(g.bucket_limit(i), buckets[i].right);
    EXPECT_EQ(g.bucket(i), buckets[i].count);
  }

  ASSERT_EQ(got["img"].size(), 1u);
  EXPECT_EQ(got["img"][0].step, 22);
  const auto& image = got["img"][0].value.image();
  EXPECT_EQ(image.height(), 4);
  EXPECT_EQ(image.width(), 5);
  int width = 0, height = 0;
  EXPECT_EQ(DecodeRgb(image.encoded_image_string(), &width, &height), pixels);
  EXPECT_EQ(width, 5);
  EXPECT_EQ(height, 4);

  const std::string text_tag = "notes" + w->text_tag_suffix();
  ASSERT_EQ(got[text_tag].size(), 1u) << "text tag " << text_tag;
  EXPECT_EQ(got[text_tag][0].step, 23);
  const auto& t = got[text_tag][0].value;
  EXPECT_EQ(t.metadata().plugin_data().plugin_name(), "text");
  ASSERT_EQ(t.tensor().string_val_size(), 1);
  EXPECT_EQ(t.tensor().string_val(0), text);
}

TEST_P(RealAdapterTest, KilledAdapterIsAnErrorNotAHang) {
  TempDir dir;
  ExternalWriter::Options options;
  NEED_VENV(GetParam(), dir.path() + "/run", &options);
  std::unique_ptr<ExternalWriter> w;
  Status s = ExternalWriter::Create(options, &w);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<std::tuple<uint64_t, uint64_t, int>> failed;
  w->set_failed_callback([&](uint64_t a, uint64_t b, int e) { failed.emplace_back(a, b, e); });
  TagId loss = w->Tag("loss");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->AddScalar(loss, i, 1.0f * i).ok());
  ASSERT_TRUE(w->Flush().ok());
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(w->AddScalar(loss, i, 1.0f * i).ok());

  ASSERT_EQ(::kill(w->adapter_pid(), SIGKILL), 0);
  auto start = Clock::now();
  s = w->AddScalar(loss, 8, 8.0f);
  EXPECT_EQ(s.error_number(), EPIPE) << s.ToString();
  EXPECT_NE(s.message().find("signal 9"), std::string::npos) << s.message();
  EXPECT_EQ(w->Flush().error_number(), EPIPE);  // sticky.
  EXPECT_EQ(w->Close().error_number(), EPIPE);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  Watermarks m = w->watermarks();
  EXPECT_EQ(m.accepted, 8u);
  EXPECT_EQ(m.flushed, 5u);
  ASSERT_EQ(failed.size(), 1u);  // the accepted, unflushed events.
  EXPECT_EQ(failed[0], std::make_tuple(uint64_t{6}, uint64_t{8}, EPIPE));
}

// The program ends without close (the EXIT action): the adapter answers, its interpreter ends
// normally and the library's exit handlers run. tensorboardX's atexit handler closes the writer:
// the 3 unflushed adds always reach the file. TensorBoard's EventFileWriter and TF1's FileWriter
// register none, and hand events to a daemon thread: whether the 3 reach the file in the
// interpreter's teardown is a race with that thread — all 3 on a quiet machine, none for TF1 once
// under the load of a parallel ctest (cf. pytorch/pytorch#43085: the EventFileWriter's queue "won't
// be automatically flushed at program exit"). The flushed 5 are there in every case. Then the
// writer is done: EBADF.
TEST_P(RealAdapterTest, ExitWithoutCloseLeavesItToTheLibrarysExitHandlers) {
  TempDir dir;
  const std::string run = dir.path() + "/run";
  ExternalWriter::Options options;
  NEED_VENV(GetParam(), run, &options);
  std::unique_ptr<ExternalWriter> w;
  Status s = ExternalWriter::Create(options, &w);
  ASSERT_TRUE(s.ok()) << s.ToString();
  TagId loss = w->Tag("loss");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->AddScalar(loss, i, 1.0f * i).ok());
  ASSERT_TRUE(w->Flush().ok());
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(w->AddScalar(loss, i, 1.0f * i).ok());
  const uint64_t flushes = w->counters().flushes;
  s = w->ExitWithoutClose();
  ASSERT_TRUE(s.ok()) << s.ToString();
  Watermarks m = w->watermarks();
  EXPECT_EQ(m.accepted, 8u);
  EXPECT_EQ(m.flushed, 5u);  // the exit promised nothing.
  EXPECT_EQ(w->counters().flushes, flushes);
  EXPECT_EQ(w->AddScalar(loss, 8, 8.0f).error_number(), EBADF);
  EXPECT_EQ(w->Close().error_number(), EBADF);
  int file_versions = 0;
  auto got = ReadValues(run, &file_versions);
  if (GetParam() == "tensorboardx") {
    EXPECT_EQ(got["loss"].size(), 8u);
  } else {
    EXPECT_GE(got["loss"].size(), 5u);
    EXPECT_LE(got["loss"].size(), 8u);
  }
}

INSTANTIATE_TEST_SUITE_P(Adapters, RealAdapterTest,
                         ::testing::Values("tensorboardx", "tensorboard", "tensorflow-v1"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

// A fake adapter in plain Python (no protobuf needed): says hello (Response{ok{}}), then runs
// `body` with `read_frame` available.
std::string FakeAdapter(const TempDir& dir, const std::string& body) {
  std::string path = dir.path() + "/fake_adapter.py";
  std::ofstream f(path);
  f << "import struct, sys, time\n"
       "def read_frame():\n"
       "    n = struct.unpack('<I', sys.stdin.buffer.read(4))[0]\n"
       "    return sys.stdin.buffer.read(n)\n"
       "sys.stdout.buffer.write(struct.pack('<I', 2) + b'\\x0a\\x00'); sys.stdout.flush()\n"
    << body << "\n";
  return path;
}

std::string AnyPython() {
  if (const char* p = std::getenv("TBFAULT_PYTHON"); p && *p) return p;
  return "/usr/bin/python3";
}

// The registry alone knows the external specs: where tbfault_external is linked, the factory's
// check accepts each of them (and still refuses an unknown one).
TEST(ExternalWriterTest, CheckWriterSpecKnowsTheRegisteredExternalWriters) {
  for (const char* spec :
       {"tensorboardx", "tensorboard", "pytorch", "tensorflow", "tensorflow-v1", "keras"}) {
    EXPECT_TRUE(IsExternalWriterSpec(spec)) << spec;
    EXPECT_TRUE(CheckWriterSpec(spec).ok()) << spec << ": " << CheckWriterSpec(spec).ToString();
  }
  EXPECT_FALSE(CheckWriterSpec("tensorflowish").ok());
}

TEST(ExternalWriterTest, HungAdapterTimesOut) {
  TempDir dir;
  ExternalWriter::Options o;
  o.python = AnyPython();
  o.adapter = FakeAdapter(dir, "read_frame()\ntime.sleep(3600)");
  o.run_dir = dir.path() + "/run";
  o.request_timeout = std::chrono::milliseconds(500);
  if (::access(o.python.c_str(), X_OK) != 0) GTEST_SKIP() << "no Python at " << o.python;
  std::unique_ptr<ExternalWriter> w;
  Status s = ExternalWriter::Create(o, &w);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto start = Clock::now();
  s = w->AddScalar(w->Tag("loss"), 0, 1.0f);
  EXPECT_EQ(s.error_number(), ETIMEDOUT) << s.ToString();
  EXPECT_EQ(w->Flush().error_number(), ETIMEDOUT);
  w.reset();  // the destructor does not wait on the killed adapter.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(ExternalWriterTest, SilentAdapterTimesOutAtStart) {
  TempDir dir;
  ExternalWriter::Options o;
  o.python = AnyPython();
  o.adapter = dir.path() + "/mute_adapter.py";
  std::ofstream(o.adapter) << "import time\ntime.sleep(3600)\n";
  o.run_dir = dir.path() + "/run";
  o.start_timeout = std::chrono::milliseconds(500);
  if (::access(o.python.c_str(), X_OK) != 0) GTEST_SKIP() << "no Python at " << o.python;
  std::unique_ptr<ExternalWriter> w;
  Status s = ExternalWriter::Create(o, &w);
  EXPECT_EQ(s.error_number(), ETIMEDOUT) << s.ToString();
  EXPECT_EQ(w, nullptr);
}

TEST(ExternalWriterTest, AdapterThatExitsIsEpipeWithItsStderr) {
  TempDir dir;
  ExternalWriter::Options o;
  o.python = AnyPython();
  o.adapter = FakeAdapter(dir, "read_frame()\nsys.stderr.write('adapter gave up\\n')\nsys.exit(3)");
  o.run_dir = dir.path() + "/run";
  if (::access(o.python.c_str(), X_OK) != 0) GTEST_SKIP() << "no Python at " << o.python;
  std::unique_ptr<ExternalWriter> w;
  ASSERT_TRUE(ExternalWriter::Create(o, &w).ok());
  Status s = w->AddText(w->Tag("t"), 0, "x");
  EXPECT_EQ(s.error_number(), EPIPE) << s.ToString();
  EXPECT_NE(s.message().find("exit 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("adapter gave up"), std::string::npos) << s.message();
}

// A program that dies or hangs once asked to exit is an error quoting how it ended, never a
// clean exit: the answer came, the process did not end with status 0.
TEST(ExternalWriterTest, AdapterDyingOrHangingAtItsExitIsAnError) {
  TempDir dir;
  ExternalWriter::Options o;
  o.python = AnyPython();
  o.run_dir = dir.path() + "/run";
  o.request_timeout = std::chrono::milliseconds(1000);
  if (::access(o.python.c_str(), X_OK) != 0) GTEST_SKIP() << "no Python at " << o.python;
  const std::string answer =
      "read_frame()\nsys.stdout.buffer.write(struct.pack('<I', 2) + b'\\x0a\\x00')\n"
      "sys.stdout.flush()\nsys.stderr.write('at exit\\n'); sys.stderr.flush()\n";
  o.adapter = FakeAdapter(dir, answer + "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)");
  std::unique_ptr<ExternalWriter> w;
  ASSERT_TRUE(ExternalWriter::Create(o, &w).ok());
  Status s = w->ExitWithoutClose();
  EXPECT_EQ(s.error_number(), EPIPE) << s.ToString();
  EXPECT_NE(s.message().find("signal 11"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("at exit"), std::string::npos) << s.message();

  o.adapter = FakeAdapter(dir, answer + "time.sleep(3600)");
  ASSERT_TRUE(ExternalWriter::Create(o, &w).ok());
  auto start = Clock::now();
  s = w->ExitWithoutClose();
  EXPECT_EQ(s.error_number(), ETIMEDOUT) << s.ToString();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(ExternalWriterTest, MissingInterpreterOrScriptIsAnError) {
  TempDir dir;
  ExternalWriter::Options o;
  o.python = dir.path() + "/no-python";
  o.adapter = dir.path() + "/x_adapter.py";
  o.run_dir = dir.path() + "/run";
  std::unique_ptr<ExternalWriter> w;
  EXPECT_EQ(ExternalWriter::Create(o, &w).error_number(), ENOENT);
  o.python = AnyPython();
  if (::access(o.python.c_str(), X_OK) != 0) GTEST_SKIP() << "no Python at " << o.python;
  Status s = ExternalWriter::Create(o, &w);  // python exits: cannot open the script.
  EXPECT_EQ(s.error_number(), EPIPE) << s.ToString();
  EXPECT_EQ(w, nullptr);
}

TEST(ExternalWriterTest, BadSpecsAreErrors) {
  TempDir dir;
  std::unique_ptr<EventWriter> w;
  Status s = MakeWriter("external:no-such", dir.path(), &w);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOENT) << s.ToString();
  EXPECT_NE(s.message().find("no-such_adapter.py"), std::string::npos) << s.message();
  for (const char* spec : {"external:", "external:.tensorboardx", "tensorboardx:extra"}) {
    s = MakeWriter(spec, dir.path(), &w);
    EXPECT_FALSE(s.ok()) << spec;
    EXPECT_NE(s.message().find("unknown external writer"), std::string::npos) << s.message();
    EXPECT_EQ(w, nullptr);
  }
  // A path is an adapter program (ADAPTER_GUIDE.md): it must be an executable file.
  const std::string plain = dir.path() + "/not-a-program";
  std::ofstream(plain) << "data\n";  // 0644.
  for (std::string spec : {std::string("external:../tensorboardx"), "external:" + plain}) {
    s = MakeWriter(spec, dir.path(), &w);
    EXPECT_FALSE(s.ok()) << spec;
    EXPECT_NE(s.message().find("is not an executable file"), std::string::npos) << s.message();
    EXPECT_EQ(w, nullptr);
  }
  ExternalWriter::Options program;
  ASSERT_TRUE(ExternalWriter::OptionsForSpec("external:/bin/true", dir.path(), &program).ok());
  EXPECT_EQ(program.adapter, "/bin/true");
  EXPECT_EQ(program.python, "");  // run as is.
  // Options are for the TensorFlow writers only, and typed: a bad one names itself.
  for (const char* spec : {"tensorflow:max_queue", "tensorflow:max_queue=0", "tensorflow:queue=3",
                           "tensorflow:misuse=sideways", "tensorflow:misuse=misuse-none",
                           "tensorflow-v1:flush_millis=-5"}) {
    s = MakeWriter(spec, dir.path(), &w);
    EXPECT_FALSE(s.ok()) << spec;
    EXPECT_NE(s.message().find("option"), std::string::npos) << s.message();
    EXPECT_EQ(w, nullptr);
  }
  ExternalWriter::Options o;
  ASSERT_TRUE(ExternalWriter::OptionsForSpec("tensorflow:max_queue=100,flush_millis=500,misuse="
                                             "record-if-false",
                                             dir.path(), &o)
                  .ok());
  EXPECT_EQ(o.adapter_options, "max_queue: 100 flush_millis: 500 misuse: RECORD_IF_FALSE ");
  ASSERT_TRUE(ExternalWriter::OptionsForSpec("tensorflow", dir.path(), &o).ok());
  EXPECT_EQ(o.adapter_options, "");
  EXPECT_TRUE(ExternalWriter::IsExternalSpec("pytorch"));
  EXPECT_TRUE(ExternalWriter::IsExternalSpec("tensorflow:misuse=no-step"));
  EXPECT_TRUE(IsExternalWriterSpec("tensorflow-v1"));  // the registry knows the kinds.
  EXPECT_FALSE(IsExternalWriterSpec("tf2-like"));
  EXPECT_FALSE(ExternalWriter::IsExternalSpec("async"));
}

}  // namespace
}  // namespace tbfault::writers
