#include "format/png.h"

#include <png.h>

#include <csetjmp>
#include <vector>

namespace tbfault::format {
namespace {

void WriteToString(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

int ColorType(int channels) {
  switch (channels) {
    case 1:
      return PNG_COLOR_TYPE_GRAY;
    case 2:
      return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3:
      return PNG_COLOR_TYPE_RGB;
    case 4:
      return PNG_COLOR_TYPE_RGBA;
    default:
      return -1;
  }
}

}  // namespace

Status EncodePng(std::span<const uint8_t> pixels, int height, int width, int channels,
                 std::string* out) {
  int color = ColorType(channels);
  if (color < 0) return Status::Invalid("png: channels must be 1, 2, 3 or 4");
  if (height <= 0 || width <= 0) return Status::Invalid("png: empty image");
  size_t row = static_cast<size_t>(width) * channels;
  if (pixels.size() != row * height) return Status::Invalid("png: pixel buffer size mismatch");

  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return Status::FromErrno(ENOMEM, "png_create_write_struct");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return Status::FromErrno(ENOMEM, "png_create_info_struct");
  }
  std::vector<png_const_bytep> rows(height);
  out->clear();
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Status::Invalid("png: libpng failed to encode");
  }
  png_set_write_fn(png, out, WriteToString, nullptr);
  png_set_IHDR(png, info, width, height, 8, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  for (int y = 0; y < height; ++y) rows[y] = pixels.data() + row * y;
  png_write_info(png, info);
  png_write_rows(png, const_cast<png_bytepp>(rows.data()), height);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return Status::Ok();
}

}  // namespace tbfault::format
