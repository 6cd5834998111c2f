#include "harness/core/plugins.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "format/proto/event.pb.h"
#include "format/record.h"

namespace tbfault::core {

std::string PluginOfValue(const std::string& file, uint64_t offset, const std::string& tag,
                          std::string* content) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char header[record::kHeaderSize];
  if (::pread(fd, header, sizeof header, static_cast<off_t>(offset)) ==
      static_cast<ssize_t>(sizeof header)) {
    const uint64_t length = record::DecodeFixed64(header);
    std::string data(length < (64u << 20) ? length : 0, '\0');
    tensorboard::Event event;
    if (!data.empty() &&
        ::pread(fd, data.data(), data.size(), static_cast<off_t>(offset + record::kHeaderSize)) ==
            static_cast<ssize_t>(data.size()) &&
        event.ParseFromString(data)) {
      for (const auto& v : event.summary().value()) {
        if (v.tag() == tag) {
          out = v.metadata().plugin_data().plugin_name();
          if (content != nullptr) *content = v.metadata().plugin_data().content();
          break;
        }
      }
    }
  }
  ::close(fd);
  return out;
}

}  // namespace tbfault::core
