// PNG writing with libpng: 8 or 16 bits per sample, sRGB chunk, fast settings.
#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "nightburst/io.h"

namespace nb {
namespace {

// libpng reports through callbacks; keep its message for our error instead
// of letting it print to stderr, then unwind to the setjmp as libpng requires.
void on_png_error(png_structp png, png_const_charp message) {
  *static_cast<std::string*>(png_get_error_ptr(png)) = message;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

Status write_png_file(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& img, int bits) {
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) return io_error("cannot create the file");
  std::string png_message;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &png_message, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, nullptr);
    std::fclose(fp);
    return internal_error("libpng could not start");
  }
  const int w = img.width(), h = img.height();
  std::vector<uint8_t> row(size_t(w) * 3 * (bits / 8));
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    return io_error("PNG encoding failed: " + png_message + " (disk full?)");
  }
  png_init_io(png, fp);
  // Huffman coding only, after the Up filter. Photos are noisy at the byte
  // level, so deflate's string matching buys little: on a 12 MP 8-bit night
  // photo (Sub filter) level 3 wrote 12.0 MB in 832-855 ms, level 1 13.1 MB in
  // 390 ms, Huffman-only with Up 10.8 MB in 270 ms; on the Canon 30D's
  // daylight scene level 1 13.8 MB in 307 ms, Huffman-only 11.9 MB in 193 ms.
  // Smaller and faster at once. (Flat synthetic images compress worse without
  // string matching; they are not what this tool writes.)
  png_set_compression_level(png, 1);
  png_set_compression_strategy(png, Z_HUFFMAN_ONLY);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
  png_set_IHDR(png, info, uint32_t(w), uint32_t(h), bits, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  png_write_info(png, info);
  const ptrdiff_t x_step = img.dim(0).stride(), channel_step = img.dim(2).stride();
  for (int y = 0; y < h; ++y) {
    const uint16_t* in = &img(0, y, 0);
    if (bits == 8) {
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c)
          row[3 * x + c] = uint8_t((in[x * x_step + c * channel_step] * 255u + 32767u) / 65535u);
    } else {
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          const uint16_t v = in[x * x_step + c * channel_step];
          row[6 * x + 2 * c] = uint8_t(v >> 8);  // PNG is big-endian
          row[6 * x + 2 * c + 1] = uint8_t(v & 0xff);
        }
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  if (std::fflush(fp) != 0 || std::ferror(fp)) {
    std::fclose(fp);
    return io_error("write failed (disk full?)");
  }
  if (std::fclose(fp) != 0) return io_error("closing the file failed (disk full?)");
  return Status();
}

}  // namespace

Status write_png(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, int bits) {
  if (bits != 8 && bits != 16) return invalid_argument("PNG bit depth must be 8 or 16, not " + std::to_string(bits));
  if (srgb.dimensions() != 3 || srgb.channels() != 3) return invalid_argument(path + ": image must have 3 channels");
  return write_atomically(path, [&](const std::string& tmp) {
    Status s = write_png_file(tmp, srgb, bits);
    return s.ok() ? s : Status(s.code(), path + ": " + s.message());
  });
}

}  // namespace nb
