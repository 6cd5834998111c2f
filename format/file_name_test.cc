#include "format/file_name.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tbfault::format {
namespace {

TEST(FileName, Layout) {
  EXPECT_EQ(EventFileName(1700000000, "host", 42, 3), "events.out.tfevents.1700000000.host.42.3");
  EXPECT_EQ(EventFileName(7, "h.example.com", 1, 0, ".v2"),
            "events.out.tfevents.0000000007.h.example.com.1.0.v2");
}

TEST(FileName, ParseInvertsLayout) {
  EventFileNameParts p;
  ASSERT_TRUE(ParseEventFileName("events.out.tfevents.0000000007.h.example.com.12.5.v2", &p));
  EXPECT_EQ(p.unix_secs, 7);
  EXPECT_EQ(p.host, "h.example.com");
  EXPECT_EQ(p.pid, 12);
  EXPECT_EQ(p.counter, 5u);
  EXPECT_EQ(p.suffix, ".v2");
  EXPECT_FALSE(ParseEventFileName("events.out.tfevents.abc.h.1.2", &p));
  EXPECT_FALSE(ParseEventFileName("notes.txt", &p));
}

TEST(FileName, IsEventFileNameFollowsTensorBoard) {
  EXPECT_TRUE(IsEventFileName("events.out.tfevents.1.h.2.3"));
  EXPECT_TRUE(IsEventFileName("my.tfevents.file"));
  EXPECT_FALSE(IsEventFileName("events.out"));
}

TEST(FileName, UniqueAcrossThreadsInOneSecond) {
  std::mutex mu;
  std::set<std::string> names;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        std::string n = NextEventFileName();
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(names.insert(n).second) << n;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(names.size(), 4000u);
}

TEST(FileName, UniqueAcrossProcesses) {
  // Children forked from one parent share the counter's value at the fork: only the pid tells them
  // apart, which is exactly the case of two training processes started together.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  constexpr int kChildren = 4;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::string n = NextEventFileName() + "\n";
      ssize_t w = write(fds[1], n.data(), n.size());
      _exit(w == static_cast<ssize_t>(n.size()) ? 0 : 1);
    }
  }
  close(fds[1]);
  for (int c = 0; c < kChildren; ++c) {
    int status;
    wait(&status);
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::string all;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) all.append(buf, n);
  close(fds[0]);
  std::set<std::string> names;
  size_t start = 0;
  for (size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1) {
    names.insert(all.substr(start, nl - start));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kChildren));
}

}  // namespace
}  // namespace tbfault::format
