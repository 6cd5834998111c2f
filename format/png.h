// PNG encoding of uint8 pixel buffers (libpng), for image summaries.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "format/status.h"

namespace tbfault::format {

// Encodes height x width x channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), row-major, into `out`.
Status EncodePng(std::span<const uint8_t> pixels, int height, int width, int channels,
                 std::string* out);

}  // namespace tbfault::format
