// A complete minimal adapter (writers/external/ADAPTER_GUIDE.md) in C++, linking nothing of
// tbfault but the code protoc generates from its .proto files: it answers tbfault's requests
// (adapter.proto) on stdin/stdout and writes a TensorBoard event file itself — TFRecord framing
// with masked CRC-32C, Event/Summary protos, PNG images (stored deflate) — as a writer maintainer's
// adapter around their own logger would.
//
//   minimal_adapter --logdir DIR [--options TEXT]
//
// Its writer keeps the records of accepted adds in memory; flush (and sync, and close) writes them
// with write(2) and fsyncs the file, so `written`, `flushed` and `synced` all reach `accepted`
// then. The event file is created durable (the file and its directory fsynced), at start or, when
// the log directory is not writable yet, at the first flush that can; a file deleted under it is
// replaced by a new one. A failed write truncates the file back to its last whole record and
// reports the adds it held as failed, with the errno. At EOF on stdin (tbfault is gone) it exits
// at once, flushing nothing, as the training process hosting a writer would die; on `exit` it
// answers and returns from main without closing (the records it held are lost). Options: none
// (any is refused).
#include <fcntl.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "format/proto/event.pb.h"
#include "writers/external/adapter.pb.h"

namespace {

namespace pb = tbfault::adapter;

// ---- CRC-32C (Castagnoli) and the TFRecord mask; CRC-32 (IEEE) and Adler-32 for PNG. ----
uint32_t Crc(uint32_t poly, uint32_t crc, const void* data, size_t n) {
  static uint32_t tables[2][256];
  static bool ready[2] = {false, false};
  const int t = poly == 0x82F63B78u ? 0 : 1;
  if (!ready[t]) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
      tables[t][i] = c;
    }
    ready[t] = true;
  }
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = tables[t][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}
uint32_t MaskedCrc32c(const void* data, size_t n) {
  uint32_t crc = Crc(0x82F63B78u, 0, data, n);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutBe32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// One TFRecord: length, masked CRC of the length, data, masked CRC of the data.
void AppendRecord(const std::string& data, std::string* out) {
  std::string len;
  PutLe(&len, data.size(), 8);
  out->append(len);
  PutLe(out, MaskedCrc32c(len.data(), len.size()), 4);
  out->append(data);
  PutLe(out, MaskedCrc32c(data.data(), data.size()), 4);
}

// ---- PNG: 8-bit gray, RGB or RGBA, zlib with stored (uncompressed) deflate blocks. ----
void PngChunk(const char* type, const std::string& body, std::string* out) {
  PutBe32(out, static_cast<uint32_t>(body.size()));
  std::string typed = std::string(type, 4) + body;
  out->append(typed);
  PutBe32(out, Crc(0xEDB88320u, 0, typed.data(), typed.size()));
}

std::string EncodePng(const std::string& pixels, int height, int width, int channels) {
  std::string raw;  // each row: filter type 0, then the row's bytes.
  const size_t row = static_cast<size_t>(width) * channels;
  for (int y = 0; y < height; ++y) {
    raw.push_back('\0');
    raw.append(pixels, y * row, row);
  }
  std::string z = "\x78\x01";  // zlib header: deflate, no preset dictionary.
  for (size_t at = 0; at < raw.size() || at == 0; at += 65535) {
    size_t n = std::min<size_t>(65535, raw.size() - at);
    z.push_back(at + n >= raw.size() ? '\x01' : '\x00');  // BFINAL, BTYPE=00 (stored).
    PutLe(&z, n, 2);
    PutLe(&z, ~n & 0xffff, 2);
    z.append(raw, at, n);
    if (raw.empty()) break;
  }
  uint32_t a = 1, b = 0;  // Adler-32 of the uncompressed data.
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  PutBe32(&z, (b << 16) | a);
  std::string ihdr;
  PutBe32(&ihdr, static_cast<uint32_t>(width));
  PutBe32(&ihdr, static_cast<uint32_t>(height));
  const char color = channels == 1 ? 0 : channels == 3 ? 2 : 6;
  ihdr +=
      std::string{'\x08', color, '\0', '\0', '\0'};  // depth 8, color, deflate, filter, no lace.
  std::string png = "\x89PNG\r\n\x1a\n";
  PngChunk("IHDR", ihdr, &png);
  PngChunk("IDAT", z, &png);
  PngChunk("IEND", "", &png);
  return png;
}

// ---- The protocol's framing: a 4-byte little-endian length, then the message. ----
bool ReadExact(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool ReadFrame(int fd, std::string* out) {
  unsigned char h[4];
  if (!ReadExact(fd, h, 4)) return false;
  uint32_t n = h[0] | h[1] << 8 | h[2] << 16 | static_cast<uint32_t>(h[3]) << 24;
  out->resize(n);
  return ReadExact(fd, out->data(), n);
}

void WriteFrame(int fd, const pb::Response& response) {
  std::string data, frame;
  response.SerializeToString(&data);
  PutLe(&frame, data.size(), 4);
  frame += data;
  if (!WriteAll(fd, frame.data(), frame.size())) _exit(1);  // tbfault is gone.
}

double Now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// ---- The writer: an event file, the records of accepted adds buffered until a flush. ----
class Writer {
 public:
  // Errors are an errno with *why set. A file that cannot be created yet (the log directory not
  // writable) is not one: Flush() tries again, and fails until it can.
  int Open(const std::string& logdir, std::string* why) {
    logdir_ = logdir;
    if (int err = OpenFile(why); err != 0) {
      std::fprintf(stderr, "minimal_adapter: %s; tried again at the next flush\n", why->c_str());
    }
    return 0;
  }

  void Append(const tensorboard::Event& event) {
    AppendRecord(event.SerializeAsString(), &pending_);
  }

  // Writes and fsyncs the pending records; on an error, cuts the file back to its last whole
  // record and drops them (the caller reports those adds failed). A file deleted under the writer
  // (its run directory removed) is replaced by a new one, as a file nobody can read is no file.
  int Flush(std::string* why) {
    struct stat st;
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_nlink == 0) {
      std::fprintf(stderr, "minimal_adapter: %s was deleted; starting a new file\n", file_.c_str());
      ::close(fd_);
      fd_ = -1;
      deleted_ = true;
    }
    int err = fd_ < 0 ? OpenFile(why) : 0;
    if (err == 0 && !WriteAll(fd_, pending_.data(), pending_.size())) {
      err = errno;
      *why = "write " + file_ + ": " + std::strerror(err);
    } else if (err == 0 && ::fsync(fd_) != 0) {
      err = errno;
      *why = "fsync " + file_ + ": " + std::strerror(err);
    }
    if (err == 0) {
      size_ += pending_.size();
    } else if (fd_ >= 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
      ::lseek(fd_, 0, SEEK_END);
    }
    pending_.clear();
    return err;
  }

  int Close(std::string* why) {
    int err = Flush(why);
    if (fd_ >= 0 && ::close(fd_) != 0 && err == 0) {
      err = errno;
      *why = "close " + file_ + ": " + std::strerror(err);
    }
    fd_ = -1;
    return err;
  }

  std::string file() const { return fd_ >= 0 ? file_ : ""; }
  // Whether a flush since the last call found its file deleted (and started a new one).
  bool TakeDeleted() { return std::exchange(deleted_, false); }

 private:
  // Creates the log directory and a new event file that starts with its version record, both
  // durable: the file is fsynced, and so is the directory that holds its name (without that, a
  // power cut can take the whole file, fsynced data and all).
  int OpenFile(std::string* why) {
    if (::mkdir(logdir_.c_str(), 0755) != 0 && errno != EEXIST) {
      *why = "mkdir " + logdir_ + ": " + std::strerror(errno);
      return errno;
    }
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    file_ = logdir_ + "/events.out.tfevents." + std::to_string(time(nullptr)) + "." + host + "." +
            std::to_string(getpid()) + "." + std::to_string(files_++);
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      *why = "create " + file_ + ": " + std::strerror(errno);
      return errno;
    }
    tensorboard::Event version;
    version.set_wall_time(Now());
    version.set_file_version("brain.Event:2");
    std::string header;
    AppendRecord(version.SerializeAsString(), &header);
    size_ = 0;
    int err = 0;
    if (!WriteAll(fd_, header.data(), header.size()) || ::fsync(fd_) != 0) {
      err = errno;
      *why = "write " + file_ + ": " + std::strerror(err);
    }
    const int dir = ::open(logdir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (err == 0 && (dir < 0 || ::fsync(dir) != 0)) {
      err = errno;
      *why = "fsync " + logdir_ + ": " + std::strerror(err);
    }
    if (dir >= 0) ::close(dir);
    if (err != 0) {
      ::close(fd_);
      ::unlink(file_.c_str());
      fd_ = -1;
      return err;
    }
    size_ = header.size();
    return 0;
  }

  std::string logdir_, file_;
  int fd_ = -1;
  int files_ = 0;         // files this writer made: the last part of their names.
  bool deleted_ = false;  // TakeDeleted().
  uint64_t size_ = 0;     // bytes in the file: whole records only.
  std::string pending_;   // records of adds not yet written.
};

tensorboard::Summary::Value* NewValue(tensorboard::Event* e, const std::string& tag, int64_t step) {
  e->set_wall_time(Now());
  e->set_step(step);
  auto* v = e->mutable_summary()->add_value();
  v->set_tag(tag);
  return v;
}

// The event of an add request, or EINVAL with *why for input this writer refuses.
int EventOf(const pb::Request& r, tensorboard::Event* e, std::string* why) {
  switch (r.kind_case()) {
    case pb::Request::kScalar:
      NewValue(e, r.scalar().tag(), r.scalar().step())->set_simple_value(r.scalar().value());
      return 0;
    case pb::Request::kHistogram: {
      const pb::Histogram& h = r.histogram();
      auto* histo = NewValue(e, h.tag(), h.step())->mutable_histo();
      if (h.buckets_size() > 0) {  // ready buckets: their right edges and counts.
        double num = 0, sum = 0, squares = 0;
        for (const pb::Bucket& b : h.buckets()) {
          const double mid = (b.left() + b.right()) / 2;
          num += b.count();
          sum += mid * b.count();
          squares += mid * mid * b.count();
          histo->add_bucket_limit(b.right());
          histo->add_bucket(b.count());
        }
        histo->set_min(h.buckets(0).left());
        histo->set_max(h.buckets(h.buckets_size() - 1).right());
        histo->set_num(num);
        histo->set_sum(sum);
        histo->set_sum_squares(squares);
        return 0;
      }
      if (h.values_size() == 0) {
        *why = "histogram without values or buckets";
        return EINVAL;
      }
      double lo = h.values(0), hi = h.values(0), sum = 0, squares = 0;
      for (double x : h.values()) {
        if (!std::isfinite(x)) {
          *why = "histogram value is not finite";
          return EINVAL;
        }
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        sum += x;
        squares += x * x;
      }
      constexpr int kBuckets = 30;  // equal widths over [min, max]; the last one closed.
      std::vector<double> counts(kBuckets, 0);
      const double width = hi > lo ? (hi - lo) / kBuckets : 1;
      for (double x : h.values()) {
        counts[std::min(kBuckets - 1, static_cast<int>((x - lo) / width))] += 1;
      }
      for (int i = 0; i < kBuckets; ++i) {
        histo->add_bucket_limit(i == kBuckets - 1 ? std::max(hi, lo + width)
                                                  : lo + width * (i + 1));
        histo->add_bucket(counts[i]);
      }
      histo->set_min(lo);
      histo->set_max(hi);
      histo->set_num(h.values_size());
      histo->set_sum(sum);
      histo->set_sum_squares(squares);
      return 0;
    }
    case pb::Request::kImage: {
      const pb::Image& im = r.image();
      const int c = im.channels();
      if (im.height() <= 0 || im.width() <= 0 || (c != 1 && c != 3 && c != 4) ||
          im.pixels().size() != static_cast<size_t>(im.height()) * im.width() * c) {
        *why = "image " + std::to_string(im.height()) + "x" + std::to_string(im.width()) + "x" +
               std::to_string(c) + " with " + std::to_string(im.pixels().size()) + " pixel bytes";
        return EINVAL;
      }
      auto* img = NewValue(e, im.tag(), im.step())->mutable_image();
      img->set_height(im.height());
      img->set_width(im.width());
      img->set_colorspace(c);
      img->set_encoded_image_string(EncodePng(im.pixels(), im.height(), im.width(), c));
      return 0;
    }
    case pb::Request::kText: {
      auto* v = NewValue(e, r.text().tag(), r.text().step());
      v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
      auto* t = v->mutable_tensor();
      t->set_dtype(tensorboard::DT_STRING);
      t->mutable_tensor_shape();
      t->add_string_val(r.text().text());
      return 0;
    }
    default:
      *why = "not an add request";
      return EINVAL;
  }
}

struct Marks {
  uint64_t accepted = 0, written = 0, flushed = 0, synced = 0;
  void Fill(pb::Response* r) const {
    r->set_accepted(accepted);
    r->set_written(written);
    r->set_flushed(flushed);
    r->set_synced(synced);
  }
};

void SetError(pb::Response* r, int err, const std::string& why) {
  r->mutable_error()->set_error_number(err);
  r->mutable_error()->set_message(why);
}

}  // namespace

int main(int argc, char** argv) {
  std::string logdir, options_text;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--logdir") == 0) logdir = argv[i + 1];
    if (std::strcmp(argv[i], "--options") == 0) options_text = argv[i + 1];
  }
  // The protocol owns fds 0 and 1: keep them for requests and responses, and send anything else
  // that would print to stdout to stderr.
  const int in = ::dup(0), out = ::dup(1);
  ::dup2(2, 1);

  pb::Response hello;
  pb::Options options;
  Writer writer;
  std::string why;
  int err = 0;
  if (logdir.empty()) {
    err = EINVAL, why = "usage: minimal_adapter --logdir DIR [--options TEXT]";
  } else if (!google::protobuf::TextFormat::ParseFromString(options_text, &options)) {
    err = EINVAL, why = "--options: not adapter.Options in text format";
  } else if (options.ByteSizeLong() != 0) {
    err = EINVAL, why = "options are not supported by this writer: " + options.ShortDebugString();
  } else {
    err = writer.Open(logdir, &why);
  }
  if (err != 0) {
    SetError(&hello, err, "create writer: " + why);
    WriteFrame(out, hello);
    return 1;
  }
  hello.mutable_ok();
  hello.set_file(writer.file());
  hello.set_text_tag_suffix("");  // texts keep their tag.
  hello.set_writer("tbfault minimal C++ adapter 1");
  WriteFrame(out, hello);

  Marks marks;
  uint64_t lost = 0;           // the last add reported failed.
  uint64_t in_file_first = 1;  // the first add written to the current file.
  for (std::string frame; ReadFrame(in, &frame);) {
    pb::Request request;
    pb::Response response;
    if (!request.ParseFromString(frame)) {
      SetError(&response, EINVAL, "request: not an adapter.Request");
    } else if (request.kind_case() == pb::Request::kExit) {
      // The program ends without closing its writer: main returns, and the records it held in
      // memory go with it (the writer has no destructor that writes them).
      response.mutable_ok();
      marks.Fill(&response);
      WriteFrame(out, response);
      return 0;
    } else if (request.kind_case() == pb::Request::kFlush ||
               request.kind_case() == pb::Request::kSync ||
               request.kind_case() == pb::Request::kClose) {
      const bool close = request.kind_case() == pb::Request::kClose;
      err = close ? writer.Close(&why) : writer.Flush(&why);
      if (writer.TakeDeleted()) {  // the adds the deleted file held went with it.
        const uint64_t first = std::max(in_file_first, lost + 1);
        if (marks.written >= first) {
          pb::Failed* f = response.add_failed();
          f->set_first_seq(first);
          f->set_last_seq(marks.written);
          f->set_error_number(ENOENT);
        }
        in_file_first = marks.written + 1;
      }
      if (err == 0) {
        marks.written = marks.flushed = marks.synced = marks.accepted;
        response.set_fsynced(true);
        response.mutable_ok();
      } else {
        // The adds the failed write held are lost: reported once; the marks stay (a later flush
        // that succeeds passes over them, and tbfault never counts a failed add higher).
        const uint64_t first = std::max(marks.written, lost) + 1;
        if (marks.accepted >= first) {
          pb::Failed* f = response.add_failed();
          f->set_first_seq(first);
          f->set_last_seq(marks.accepted);
          f->set_error_number(err);
          lost = marks.accepted;
        }
        SetError(&response, err, why);
      }
      marks.Fill(&response);
      WriteFrame(out, response);
      if (close) return 0;
      continue;
    } else {
      tensorboard::Event event;
      err = EventOf(request, &event, &why);
      if (err == 0) {
        writer.Append(event);
        ++marks.accepted;
        response.mutable_ok();
      } else {
        SetError(&response, err, why);
      }
    }
    marks.Fill(&response);
    WriteFrame(out, response);
  }
  _exit(0);  // EOF: tbfault is gone; die as the process hosting the writer would, unflushed.
}
