#include "stages/orientation.h"

#include <gtest/gtest.h>

namespace nb {
namespace {

// A 3x2 image with distinct values; each EXIF orientation puts the stored
// top-left pixel (value 0) where that orientation says the visual corner is.
TEST(OrientationTest, AllEightOrientations) {
  Halide::Runtime::Buffer<uint16_t, 3> img(3, 2, 1);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) img(x, y, 0) = uint16_t(y * 3 + x);
  // Expected output rows for each orientation.
  const std::vector<std::vector<int>> expected[9] = {
      {}, {{0, 1, 2}, {3, 4, 5}}, {{2, 1, 0}, {5, 4, 3}}, {{5, 4, 3}, {2, 1, 0}}, {{3, 4, 5}, {0, 1, 2}},
      {{0, 3}, {1, 4}, {2, 5}}, {{3, 0}, {4, 1}, {5, 2}}, {{5, 2}, {4, 1}, {3, 0}}, {{2, 5}, {1, 4}, {0, 3}}};
  for (int o = 1; o <= 8; ++o) {
    auto out = apply_orientation(img, o);
    ASSERT_EQ(out.height(), int(expected[o].size())) << o;
    for (int y = 0; y < out.height(); ++y)
      for (int x = 0; x < out.width(); ++x) EXPECT_EQ(out(x, y, 0), expected[o][y][x]) << "orientation " << o;
  }
}

}  // namespace
}  // namespace nb
