// Event file names: events.out.tfevents.<10-digit unix secs>.<host>.<pid>.<counter><suffix>.
// Readers take any file whose basename contains "tfevents"; a run is the directory holding the
// files. Names made by NextEventFileName() are unique across threads (a process-wide counter) and
// processes (the pid); a writer still creates files with O_EXCL and asks again on EEXIST, which
// covers pid reuse and hosts sharing a name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tbfault::format {

std::string EventFileName(int64_t unix_secs, std::string_view host, int64_t pid, uint64_t counter,
                          std::string_view suffix = {});

// A fresh name for now, this host and this process; the counter advances on every call.
std::string NextEventFileName(std::string_view suffix = {});

// True when TensorBoard would read a file of this basename.
bool IsEventFileName(std::string_view basename);

// Parsed parts of a name made by EventFileName; false when `basename` is not of that form.
struct EventFileNameParts {
  int64_t unix_secs = 0;
  std::string host;
  int64_t pid = 0;
  uint64_t counter = 0;
  std::string suffix;
};
bool ParseEventFileName(std::string_view basename, EventFileNameParts* parts);

}  // namespace tbfault::format
