#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>
#include <string>
#include <vector>

#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

// A PNG's header facts and its rows' raw bytes, read through libpng's
// classic API (no colour conversion).
struct PngRows {
  int bit_depth = 0, color_type = 0;
  bool srgb = false;
  std::vector<std::vector<uint8_t>> rows;
};

PngRows read_png_rows(const std::string& path) {
  PngRows out;
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return out;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, fp);
  png_read_info(png, info);
  out.bit_depth = png_get_bit_depth(png, info);
  out.color_type = png_get_color_type(png, info);
  int intent;
  out.srgb = png_get_sRGB(png, info, &intent) != 0;
  const png_uint_32 height = png_get_image_height(png, info);
  for (png_uint_32 y = 0; y < height; ++y) {
    out.rows.emplace_back(png_get_rowbytes(png, info));
    png_read_row(png, out.rows.back().data(), nullptr);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(fp);
  return out;
}

TEST(PngWriterTest, SixteenBitIsExactAndEightBitRounds) {
  Halide::Runtime::Buffer<uint16_t, 3> img(37, 5, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 37; ++x) img(x, y, c) = uint16_t((x * 1777 + y * 313 + c * 9001) % 65536);
  testing::TempDir dir;
  ASSERT_TRUE(write_png(dir.file("a16.png"), img, 16).ok());
  ASSERT_TRUE(write_png(dir.file("a8.png"), img, 8).ok());

  for (int bits : {16, 8}) {
    const PngRows png = read_png_rows(dir.file(bits == 16 ? "a16.png" : "a8.png"));
    EXPECT_EQ(png.bit_depth, bits);
    EXPECT_EQ(png.color_type, PNG_COLOR_TYPE_RGB);
    EXPECT_TRUE(png.srgb);
    ASSERT_EQ(png.rows.size(), 5u);
    for (int y = 0; y < 5; ++y) {
      const std::vector<uint8_t>& row = png.rows[size_t(y)];
      ASSERT_EQ(row.size(), size_t(37 * 3 * bits / 8));
      for (int x = 0; x < 37; ++x)
        for (int c = 0; c < 3; ++c) {
          int expected = img(x, y, c);
          if (bits == 16) {
            EXPECT_EQ((row[6 * x + 2 * c] << 8) | row[6 * x + 2 * c + 1], expected);
          } else {
            EXPECT_EQ(row[3 * x + c], (expected * 255 + 32767) / 65535);
          }
        }
    }
  }
}

// Every 16-bit value rounds to 8 bits as (v * 255 + 32767) / 65535, in an
// image whose width is not a multiple of the writer's runs of pixels.
TEST(PngWriterTest, EveryValueRoundsToEightBits) {
  const int w = 300, h = 219;  // 65 700 samples per channel: every value
  Halide::Runtime::Buffer<uint16_t, 3> img(w, h, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img(x, y, c) = uint16_t((y * w + x + c * 20011) % 65536);
  testing::TempDir dir;
  const std::string path = dir.file("all.png");
  ASSERT_TRUE(write_png(path, img, 8).ok());
  const PngRows png = read_png_rows(path);
  ASSERT_EQ(png.rows.size(), size_t(h));
  int wrong = 0;
  for (int y = 0; y < h; ++y) {
    const std::vector<uint8_t>& row = png.rows[size_t(y)];
    ASSERT_EQ(row.size(), size_t(w) * 3);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) wrong += row[size_t(3 * x + c)] != (img(x, y, c) * 255 + 32767) / 65535;
  }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace nb
