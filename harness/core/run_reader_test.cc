#include "harness/core/run_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "harness/core/doctor.h"
#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::FileBuilder;
using testing::TempLogdir;
using Steps = std::vector<int64_t>;

// TagIds tries the tag that followed the previous one last time: round-robin, changed orders,
// repeats and new tags all get the ids a plain map gives (first seen, dense).
TEST(TagIdsTest, IdsAreFirstSeenOrderWhateverTheOrderOfLookups) {
  const std::vector<std::string> lookups = {"a", "b", "c", "a", "b", "c", "a", "c", "b", "b",
                                            "d", "a", "b", "c", "d", "d", "c", "b", "a", "e"};
  TagIds ids;
  std::map<std::string, uint32_t> expected;
  for (const std::string& tag : lookups) {
    const uint32_t want =
        expected.try_emplace(tag, static_cast<uint32_t>(expected.size())).first->second;
    EXPECT_EQ(ids.Intern(tag), want) << tag;
    EXPECT_EQ(ids.name(want), tag);
  }
  EXPECT_EQ(ids.size(), expected.size());
}

Steps StepsOf(const RunView& v, const std::string& tag = "loss") {
  Steps out;
  auto it = v.tags.find(tag);
  if (it == v.tags.end()) return out;
  for (const Point& p : it->second.points) out.push_back(p.step);
  return out;
}

void Append(const std::string& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::app) << bytes;
}

const RunView& View(const RunReader& r, Profile p) { return r.reader(p)->view(); }

RunReader All() { return RunReader({std::begin(kAllProfiles), std::end(kAllProfiles)}); }

// A tail still being written is waited on, then read on from where it stopped: nothing is read
// twice and the strict reader's truncation is found again only while it lasts.
TEST(RunReaderTest, TruncatedTailIsReadOnOnceComplete) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3);
  std::string full = b.bytes();
  const size_t cut = b.offset(3) + 5;  // inside step 2's frame.
  std::string file = dir.WriteFile(".", 1, full.substr(0, cut));
  RunReader r = All();
  ASSERT_TRUE(r.Cycle({file}).ok());
  for (Profile p : kAllProfiles) EXPECT_EQ(StepsOf(View(r, p)), (Steps{0, 1})) << ProfileName(p);
  ASSERT_EQ(View(r, Profile::kTbRust).unreached.size(), 1u);
  EXPECT_EQ(View(r, Profile::kTbRust).unreached[0].cause, UnreachedCause::kTruncated);
  EXPECT_EQ(View(r, Profile::kTbPython).unreached.at(0).cause, UnreachedCause::kStopped);
  EXPECT_EQ(StrictAnomalies(*r.reader(Profile::kStrict)).at(0).size(), 1u);

  Append(file, full.substr(cut));
  FileBuilder more;
  more.Scalar(3, 4);
  Append(file, more.bytes());
  ASSERT_TRUE(r.Cycle({file}).ok());
  for (Profile p : kAllProfiles) {
    EXPECT_EQ(StepsOf(View(r, p)), (Steps{0, 1, 2, 3})) << ProfileName(p);
    EXPECT_TRUE(View(r, p).unreached.empty()) << ProfileName(p);
    EXPECT_TRUE(View(r, p).dropped.empty()) << ProfileName(p);
  }
  EXPECT_TRUE(StrictAnomalies(*r.reader(Profile::kStrict)).at(0).empty());
  EXPECT_TRUE(View(r, Profile::kStrict).notes.empty());
}

// tb-rust reads every file every cycle: a value appended to the older file after the newer one was
// loaded evicts the newer file's larger steps for good (DESIGN.md section 3). Read as one cycle,
// the same bytes show the older file's values first.
TEST(RunReaderTest, RustEvictionDependsOnWhenItPolled) {
  TempLogdir dir;
  FileBuilder a, b, tail;
  a.Version();
  for (int s = 0; s < 3; ++s) a.Scalar(s, s, s == 0);
  b.Version();
  for (int s = 3; s < 6; ++s) b.Scalar(s, s);
  tail.Scalar(3, 30).Scalar(4, 40);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  RunReader r({Profile::kTbRust});
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  EXPECT_EQ(StepsOf(View(r, Profile::kTbRust)), (Steps{0, 1, 2, 3, 4, 5}));
  Append(fa, tail.bytes());
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  const RunView& v = View(r, Profile::kTbRust);
  EXPECT_EQ(StepsOf(v), (Steps{0, 1, 2, 3, 4}));
  EXPECT_EQ(v.tags.at("loss").value(3).number, 30);
  ASSERT_EQ(v.dropped.size(), 3u);  // steps 3, 4, 5 of the newer file.
  for (const Dropped& d : v.dropped) {
    EXPECT_EQ(d.cause, DropCause::kEvicted);
    EXPECT_EQ(d.file, fb);
    EXPECT_EQ(d.cause_file, fa);
  }
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());  // nothing new: nothing changes.
  EXPECT_EQ(StepsOf(View(r, Profile::kTbRust)), (Steps{0, 1, 2, 3, 4}));
  EXPECT_EQ(View(r, Profile::kTbRust).dropped.size(), 3u);
}

// tb-python never goes back: a file stopped at a torn tail is retried while it is the newest, then
// abandoned once a newer file appears, and what is appended to it later is never read.
TEST(RunReaderTest, PythonAbandonsAnOlderFileForGood) {
  TempLogdir dir;
  FileBuilder a, b;
  a.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3);
  std::string full = a.bytes();
  const size_t cut = a.offset(3) + 5;
  std::string fa = dir.WriteFile(".", 1, full.substr(0, cut));
  RunReader r = All();
  ASSERT_TRUE(r.Cycle({fa}).ok());
  EXPECT_EQ(View(r, Profile::kTbPython).unreached.at(0).cause, UnreachedCause::kStopped);
  b.Version().Scalar(5, 6);
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  const RunView& py = View(r, Profile::kTbPython);
  EXPECT_EQ(StepsOf(py), (Steps{0, 1, 5}));
  ASSERT_EQ(py.unreached.size(), 1u);
  EXPECT_EQ(py.unreached[0].cause, UnreachedCause::kAbandoned);
  EXPECT_EQ(py.unreached[0].file, fa);
  Append(fa, full.substr(cut));  // the tail completes, too late for tb-python.
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  EXPECT_EQ(StepsOf(View(r, Profile::kTbPython)), (Steps{0, 1, 5}));
  EXPECT_EQ(StepsOf(View(r, Profile::kTbRust)), (Steps{0, 1, 2}));     // step 2 evicts 5.
  EXPECT_EQ(StepsOf(View(r, Profile::kStrict)), (Steps{0, 1, 5, 2}));  // in load order.
}

// A SessionLog.START purge pops what it removes; purges and evictions stay across cycles.
TEST(RunReaderTest, PurgeAcrossCycles) {
  TempLogdir dir;
  FileBuilder a, b;
  a.Version().Add(format::SessionLogEvent(1, 0, tensorboard::SessionLog::START));  // 1st session
  for (int s = 0; s < 6; ++s) a.Scalar(s, s, s == 0);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  RunReader r({Profile::kTbPython});
  ASSERT_TRUE(r.Cycle({fa}).ok());
  b.Add(format::SessionLogEvent(10, 3, tensorboard::SessionLog::START)).Scalar(3, 33);
  Append(fa, b.bytes());
  ASSERT_TRUE(r.Cycle({fa}).ok());
  const RunView& v = View(r, Profile::kTbPython);
  EXPECT_EQ(StepsOf(v), (Steps{0, 1, 2, 3}));
  ASSERT_EQ(v.dropped.size(), 3u);
  EXPECT_EQ(v.dropped[0].step, 3);  // in series order.
  EXPECT_EQ(v.dropped[2].step, 5);
  EXPECT_EQ(v.dropped[0].cause, DropCause::kPurgedByStart);
}

// Frames that straddle the scanner's chunks are read whole; what a file scan yields equals the
// scan of the same bytes in memory.
TEST(RunReaderTest, ChunkedScanEqualsInMemoryScan) {
  TempLogdir dir;
  FileBuilder b;
  b.Version();
  std::string big(300000, 'x');  // text values of 300 kB: frames cross 1 MiB chunk boundaries.
  for (int s = 0; s < 20; ++s) {
    b.Add(format::TextEvent(1, s, "t", big + std::to_string(s), s == 0));
    b.Scalar(s, s, s == 0);
  }
  std::string file = dir.WriteFile(".", 1, b.bytes());
  int fd = ::open(file.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  FrameScanner on_disk(fd, 0, b.bytes().size());
  FrameScanner in_memory(b.bytes());
  ScanFrame x, y;
  size_t frames = 0;
  while (in_memory.Next(&y)) {
    ASSERT_TRUE(on_disk.Next(&x));
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.data, y.data);
    EXPECT_TRUE(x.data_crc_ok);
    ++frames;
  }
  EXPECT_FALSE(on_disk.Next(&x));
  EXPECT_EQ(on_disk.stop(), ScanStop::kEnd);
  EXPECT_EQ(frames, 41u);
  ::close(fd);
}

// A sparse event file much larger than the 64 MiB read limit: nothing is allocated from its size;
// the zero-filled header is a finding at offset 0.
TEST(RunReaderTest, SparseFileLargerThanTheReadLimit) {
  TempLogdir dir;
  std::string file = dir.WriteFile(".", 1, "");
  ASSERT_EQ(::truncate(file.c_str(), 100ll << 20), 0);
  Diagnosis d;
  ASSERT_TRUE(Diagnose(dir.path(), &d).ok());
  ASSERT_EQ(d.runs.size(), 1u);
  bool zero = false;
  for (const Finding& f : d.runs[0].findings) {
    zero = zero || (f.offset == 0 && f.file == file && f.kind == FindingKind::kDeadFile);
  }
  EXPECT_TRUE(zero) << d.finding_count();
  // Read in 64 MiB windows, the zero run is still one anomaly spanning the file.
  RunReader r({Profile::kStrict});
  ASSERT_TRUE(r.Cycle({file}).ok());
  const auto& anomalies = StrictAnomalies(*r.reader(Profile::kStrict)).at(0);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].kind, format::Anomaly::kZeroFilled);
  EXPECT_EQ(anomalies[0].skipped, 100ull << 20);
}

// Steps `from`..`to` of "loss", with the file_version record first when `version`.
std::string Scalars(int64_t from, int64_t to, bool version) {
  FileBuilder b;
  if (version) b.Version();
  for (int64_t s = from; s <= to; ++s) b.Scalar(s, static_cast<double>(s), s == from && version);
  return b.bytes();
}

// A file replaced by rename (rsync: a copy renamed over the original) is read on through the
// descriptor kept since it was first read, as TensorBoard does (FINDINGS.md R2): what the old
// inode gains is shown, the replacement's 3,4 never are.
TEST(RunReaderTest, FileReplacedByRenameIsReadOnThroughTheOldInode) {
  TempLogdir dir;
  std::string file = dir.WriteFile(".", 1, Scalars(0, 2, true));
  int old = ::open(file.c_str(), O_WRONLY | O_APPEND);  // the writer's descriptor.
  ASSERT_GE(old, 0);
  RunReader r = All();
  ASSERT_TRUE(r.Cycle({file}).ok());
  const std::string tmp = dir.path() + "/.copy.tmp";
  std::ofstream(tmp, std::ios::binary) << Scalars(0, 2, true) + Scalars(3, 4, false);
  ASSERT_EQ(::rename(tmp.c_str(), file.c_str()), 0);
  std::string more = Scalars(5, 5, false);
  ASSERT_EQ(::write(old, more.data(), more.size()), static_cast<ssize_t>(more.size()));
  ::close(old);
  ASSERT_TRUE(r.Cycle({file}).ok());
  for (Profile p : kAllProfiles)
    EXPECT_EQ(StepsOf(View(r, p)), (Steps{0, 1, 2, 5})) << ProfileName(p);
  EXPECT_EQ(r.open_files(), 1u);
}

// Open descriptors are bounded: the least recently read file is closed and opened by name again
// when next listed (then, unlike TensorBoard, a replacement is read from the old offset).
TEST(RunReaderTest, OpenFilesAreBoundedAndReopenedByName) {
  TempLogdir dir;
  std::vector<std::string> files;
  for (int i = 0; i < 300; ++i) files.push_back(dir.WriteFile(".", i + 1, Scalars(i, i, i == 0)));
  {
    RunReader r({Profile::kStrict});
    ASSERT_TRUE(r.Cycle(files).ok());
    EXPECT_EQ(r.open_files(), RunReader::kMaxOpenFiles);
    EXPECT_EQ(StepsOf(View(r, Profile::kStrict)).size(), 300u);
  }
  RunReader r({Profile::kStrict}, 1);
  ASSERT_TRUE(r.Cycle({files[0], files[1]}).ok());
  EXPECT_EQ(r.open_files(), 1u);  // files[0] was closed for files[1].
  const std::string tmp = dir.path() + "/.copy.tmp";
  std::ofstream(tmp, std::ios::binary) << Scalars(0, 0, true) + Scalars(7, 7, false);
  ASSERT_EQ(::rename(tmp.c_str(), files[0].c_str()), 0);
  ASSERT_TRUE(r.Cycle({files[0], files[1]}).ok());
  EXPECT_EQ(StepsOf(View(r, Profile::kStrict)), (Steps{0, 1, 7}));
  EXPECT_EQ(r.open_files(), 1u);
}

// CloseFiles lets go of every descriptor (the live reader does before the mount goes); the next
// cycle opens the file again and reads on from where it was.
TEST(RunReaderTest, ClosedFilesAreReopenedAndReadOnFromTheirOffset) {
  TempLogdir dir;
  std::string file = dir.WriteFile(".", 1, Scalars(0, 2, true));
  RunReader r = All();
  ASSERT_TRUE(r.Cycle({file}).ok());
  EXPECT_EQ(r.open_files(), 1u);
  r.CloseFiles();
  EXPECT_EQ(r.open_files(), 0u);
  std::ofstream(file, std::ios::binary | std::ios::app) << Scalars(3, 4, false);
  ASSERT_TRUE(r.Cycle({file}).ok());
  EXPECT_EQ(r.open_files(), 1u);
  for (Profile p : kAllProfiles)
    EXPECT_EQ(StepsOf(View(r, p)), (Steps{0, 1, 2, 3, 4})) << ProfileName(p);
}

}  // namespace
}  // namespace tbfault::core
