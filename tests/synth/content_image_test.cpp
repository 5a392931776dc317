// The scene pictures of nightburst synth --content: stored values, in R, G, B order.
#include "synth/content_image.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

TEST(ContentImageTest, SixteenBitPngKeepsItsValuesAndChannelOrder) {
  testing::TempDir dir;
  const std::string path = dir.file("content.png");
  Halide::Runtime::Buffer<uint16_t, 3> image(7, 5, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x) image(x, y, c) = uint16_t(1000 * c + 97 * x + 1301 * y);
  ASSERT_TRUE(write_png(path, image, 16).ok());
  cv::Mat rgb;
  ASSERT_TRUE(read_content_image(path, &rgb).ok());
  ASSERT_EQ(rgb.cols, 7);
  ASSERT_EQ(rgb.rows, 5);
  int mismatches = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x)
        mismatches += std::lround(rgb.at<cv::Vec3f>(y, x)[c] * 65535.0) != image(x, y, c);
  EXPECT_EQ(mismatches, 0);
}

TEST(ContentImageTest, OtherFilesAreRefusedByName) {
  testing::TempDir dir;
  for (const std::string& content :
       {std::string("not an image"), std::string("\x89PNG\r\n\x1a\n truncated", 18),
        std::string("\xff\xd8\xff truncated jpeg")}) {
    const std::string path = dir.file("scene.png");
    testing::write_bytes(path, content);
    cv::Mat rgb;
    Status s = read_content_image(path, &rgb);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << content;
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  }
}

// The burst's scene is the picture, cropped by the motion margin: the ground
// truth is the picture's centre, exactly; a picture of another size is refused.
TEST(ContentImageTest, TheSceneIsThePictureAndOnlyOfTheSceneSize) {
  SynthOptions o = testing::small_options();
  o.frames = 2;
  int width = 0, height = 0;
  synth_scene_size(o, &width, &height);
  ASSERT_GT(width, o.width);
  ASSERT_EQ(width - o.width, height - o.height);
  o.content = Halide::Runtime::Buffer<float, 3>(width, height, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        o.content(x, y, c) = float((x * 7 + y * 3 + c * 11) % 64) / 64.0f;
  SynthBurst burst = testing::make_burst(o);
  const int margin = (width - o.width) / 2;
  int mismatches = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x)
        mismatches += burst.clean_srgb(x, y, c) != o.content(x + margin, y + margin, c);
  EXPECT_EQ(mismatches, 0);

  o.content = Halide::Runtime::Buffer<float, 3>(width - 2, height, 3);
  SynthBurst refused;
  Status s = make_synthetic_burst(o, &refused);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("content picture"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nb
