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
    auto out = upright(img, CropRect(), o);
    ASSERT_EQ(out.height(), int(expected[o].size())) << o;
    for (int y = 0; y < out.height(); ++y)
      for (int x = 0; x < out.width(); ++x) EXPECT_EQ(out(x, y, 0), expected[o][y][x]) << "orientation " << o;
  }
}

// The crop and the turn in one pass, in tiles on several threads, against
// the definitions one pixel at a time: the crop first, then the EXIF
// orientation. A size that is no multiple of the tiles, and three channels.
TEST(OrientationTest, CropThenTurnMatchesThePixelByPixelDefinition) {
  const int width = 203, height = 150;
  Halide::Runtime::Buffer<uint16_t, 3> img(width, height, 3);
  img.for_each_element([&](int x, int y, int c) { img(x, y, c) = uint16_t((y * width + x) * 3 + c); });
  const CropRect crop{5, 9, 190, 131};
  for (int o = 1; o <= 8; ++o) {
    const auto out = upright(img, crop, o);
    const bool swap_axes = o >= 5;
    ASSERT_EQ(out.width(), swap_axes ? crop.height : crop.width) << o;
    ASSERT_EQ(out.height(), swap_axes ? crop.width : crop.height) << o;
    const int w = crop.width, h = crop.height;
    int mismatches = 0;
    for (int c = 0; c < 3; ++c)
      for (int Y = 0; Y < out.height(); ++Y)
        for (int X = 0; X < out.width(); ++X) {
          int x = X, y = Y;
          switch (o) {
            case 2: x = w - 1 - X; break;
            case 3: x = w - 1 - X, y = h - 1 - Y; break;
            case 4: y = h - 1 - Y; break;
            case 5: x = Y, y = X; break;
            case 6: x = Y, y = h - 1 - X; break;
            case 7: x = w - 1 - Y, y = h - 1 - X; break;
            case 8: x = w - 1 - Y, y = X; break;
          }
          mismatches += out(X, Y, c) != img(crop.left + x, crop.top + y, c);
        }
    EXPECT_EQ(mismatches, 0) << "orientation " << o;
  }
  // Nothing to do: the image itself, not a copy.
  EXPECT_EQ(upright(img, CropRect(), 1).data(), img.data());
  EXPECT_EQ(upright(img, CropRect{0, 0, width, height}, 0).data(), img.data());
}

// A crop on Super Res Zoom's larger grid is the same view, rounded outward;
// no crop stays no crop on any grid.
TEST(OrientationTest, CropForSizeScalesTheViewAndKeepsNoCrop) {
  const CropRect c = crop_for_size(CropRect{5, 9, 190, 131}, 203, 150, 406, 300);
  EXPECT_EQ(c.left, 10);
  EXPECT_EQ(c.top, 18);
  EXPECT_EQ(c.width, 380);
  EXPECT_EQ(c.height, 262);
  EXPECT_TRUE(crop_for_size(CropRect(), 203, 150, 406, 300).empty());
  EXPECT_TRUE(crop_for_size(CropRect(), 203, 150, 203, 150).empty());
}

}  // namespace
}  // namespace nb
