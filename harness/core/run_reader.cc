#include "harness/core/run_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tbfault::core {

google::protobuf::ArenaOptions RunReader::ArenaBlock(std::string* block) {
  block->resize(1 << 20);
  google::protobuf::ArenaOptions o;
  o.initial_block = block->data();
  o.initial_block_size = block->size();
  o.start_block_size = o.max_block_size = block->size();  // should a frame need more.
  return o;
}

RunReader::RunReader(const std::vector<Profile>& profiles, size_t max_open)
    : max_open_(std::max<size_t>(1, max_open)), arena_(ArenaBlock(&arena_block_)) {
  for (Profile p : profiles) {
    switch (p) {
      case Profile::kStrict:
        readers_.emplace_back(p, NewStrictReader());
        break;
      case Profile::kTbRust:
        readers_.emplace_back(p, NewTbRustReader());
        break;
      case Profile::kTbPython:
        readers_.emplace_back(p, NewTbPythonReader());
        break;
    }
    readers_.back().second->tags_ = &tags_;
  }
}

RunReader::~RunReader() { CloseFiles(); }

void RunReader::CloseFiles() {
  for (uint32_t i : lru_) {
    ::close(kept_[i].fd);
    kept_[i].fd = -1;
  }
  lru_.clear();
}

int RunReader::Open(uint32_t index, const std::string& path) {
  Kept& k = kept_[index];
  if (k.fd >= 0) {
    lru_.splice(lru_.begin(), lru_, k.lru);
    return k.fd;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (lru_.size() >= max_open_) {
    Kept& old = kept_[lru_.back()];
    ::close(old.fd);
    old.fd = -1;
    lru_.pop_back();
  }
  lru_.push_front(index);
  k.fd = fd;
  k.lru = lru_.begin();
  return fd;
}

ProfileReader* RunReader::reader(Profile p) {
  for (auto& [profile, r] : readers_) {
    if (profile == p) return r.get();
  }
  return nullptr;
}

const ProfileReader* RunReader::reader(Profile p) const {
  return const_cast<RunReader*>(this)->reader(p);
}

Status RunReader::Cycle(const std::vector<std::string>& files) {
  std::vector<uint32_t> listed;
  listed.reserve(files.size());
  for (const std::string& path : files) {
    auto [it, inserted] = index_.try_emplace(path, static_cast<uint32_t>(files_.size()));
    if (inserted) {
      files_.push_back(path);
      kept_.emplace_back();
      for (auto& [p, r] : readers_) r->view_.files.push_back(path);
    }
    listed.push_back(it->second);
  }
  for (auto& [p, r] : readers_) r->BeginCycle(listed);
  Status s;
  for (size_t i = 0; i < listed.size() && s.ok(); ++i) {
    const std::string& path = files_[listed[i]];
    int fd = Open(listed[i], path);
    if (fd < 0) {  // the cycle still ends (EndCycle), as for a read error: a live reader goes on.
      s = Status::FromErrno(errno, "open " + path);
      break;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      s = Status::FromErrno(errno, "stat " + path);
    } else {
      s = ReadFile(
          {listed[i], &path, fd, static_cast<uint64_t>(st.st_size), i + 1 == listed.size()});
    }
  }
  for (auto& [p, r] : readers_) r->EndCycle();
  return s;
}

// One file: a scan from the lowest position any profile asks for, each frame handed to the
// profiles positioned at it (parsed once if any needs it); profiles left elsewhere (past damage,
// or between frames) get a scan of their own from their position.
Status RunReader::ReadFile(const FileInCycle& f) {
  struct Want {
    ProfileReader* reader;
    uint64_t pos;
    bool done;
  };
  std::vector<Want> wants;
  for (auto& [p, r] : readers_) {
    uint64_t pos = 0;
    if (!r->Start(f, &pos)) continue;
    if (pos >= f.size) {  // nothing new (or the file shrank under the reader).
      r->Stop(f, ScanStop::kEnd, pos);
      continue;
    }
    wants.push_back({r.get(), pos, false});
  }
  while (true) {
    uint64_t start = UINT64_MAX;
    for (const Want& w : wants) {
      if (!w.done) start = std::min(start, w.pos);
    }
    if (start == UINT64_MAX) return Status::Ok();
    FrameScanner scanner(f.fd, start, f.size);
    ScanFrame frame;
    bool broke = false;
    while (scanner.Next(&frame)) {
      bool any = false, parse = false, ahead = false;
      for (const Want& w : wants) {
        if (w.done) continue;
        if (w.pos == frame.offset) {
          any = true;
          parse = parse || w.reader->NeedsParse(frame);
        } else if (w.pos > frame.offset) {
          ahead = true;
        }
      }
      if (!any && !ahead) {  // those left are behind, between frames: each gets its own scan.
        broke = true;
        break;
      }
      if (!any) continue;
      // While this frame is parsed, the series its first value likely goes to is fetched.
      if (const uint32_t next = tags_.Predicted(); next != UINT32_MAX) {
        for (const Want& w : wants) {
          if (!w.done && w.pos == frame.offset) w.reader->Prefetch(next);
        }
      }
      tensorboard::Event* event = nullptr;
      if (parse) {
        if (++frames_on_arena_ == kFramesPerArena) {
          arena_.Reset();  // no Event of an earlier frame is referred to any more.
          frames_on_arena_ = 0;
        }
        // CreateMessage, not Create: the Event's sub-messages and strings go on the arena too.
        event = google::protobuf::Arena::CreateMessage<tensorboard::Event>(&arena_);
        if (!event->ParseFromArray(frame.data.data(), static_cast<int>(frame.data.size()))) {
          event = nullptr;
        }
      }
      const uint32_t* tags = nullptr;
      if (event != nullptr) {  // each tag looked up once, for every profile.
        value_tags_.clear();
        for (const auto& v : event->summary().value()) value_tags_.push_back(tags_.Intern(v.tag()));
        tags = value_tags_.data();
      }
      for (Want& w : wants) {
        if (w.done || w.pos != frame.offset) continue;
        if (w.reader->Frame(f, frame, event, tags)) {
          w.pos = frame.end;
        } else {
          w.done = true;
        }
      }
    }
    if (!scanner.error().ok()) {
      return Status::FromErrno(scanner.error().error_number(), "read " + *f.path);
    }
    bytes_read_ += scanner.stop_offset() - start;
    if (broke) continue;
    for (Want& w : wants) {
      if (!w.done && w.pos == scanner.stop_offset()) {
        w.reader->Stop(f, scanner.stop(), w.pos);
        w.done = true;
      }
    }
  }
}

}  // namespace tbfault::core
