// DNG written by nightburst, read back by LibRaw (through our reader and directly).
#include <gtest/gtest.h>

#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

TEST(DngRoundTripTest, LevelsPatternPixelsAndTagsSurviveForAllCfaPhases) {
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    SynthOptions o = testing::small_options(2);
    o.frames = 1;
    o.cfa = cfa;
    SynthBurst b = testing::make_burst(o);
    RawFrame& f = b.frames[0];
    f.meta.black_level = {510, 512, 514, 516};
    f.meta.orientation = 6;
    testing::TempDir dir;
    std::string path = dir.file("frame.dng");
    ASSERT_TRUE(write_dng(path, f.mosaic, f.meta).ok());

    RawFrame back;
    Status s = read_raw_frame(path, &back);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(back.meta.width, f.meta.width);
    EXPECT_EQ(back.meta.height, f.meta.height);
    EXPECT_EQ(back.meta.cfa, cfa) << cfa_name(cfa);
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(back.meta.black_level[i], f.meta.black_level[i]) << i;
    EXPECT_FLOAT_EQ(back.meta.white_level, f.meta.white_level);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(back.meta.as_shot_neutral[c], f.meta.as_shot_neutral[c], 1e-4);
    ASSERT_TRUE(back.meta.has_color_matrix);
    // LibRaw keeps ColorMatrix1 as XYZ->camera; compare up to its row normalisation.
    for (int r = 0; r < 3; ++r) {
      double ratio = back.meta.color_matrix[r * 3 + 1] / f.meta.color_matrix[r * 3 + 1];
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(back.meta.color_matrix[r * 3 + c], f.meta.color_matrix[r * 3 + c] * ratio, 1e-3);
    }
    ASSERT_TRUE(back.meta.noise.valid);
    EXPECT_DOUBLE_EQ(back.meta.noise.scale[0], f.meta.noise.scale[0]);
    EXPECT_DOUBLE_EQ(back.meta.noise.offset[3], f.meta.noise.offset[3]);
    EXPECT_NEAR(back.meta.exposure_s, f.meta.exposure_s, 1e-6);
    EXPECT_EQ(back.meta.orientation, 6);
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) ASSERT_EQ(back.mosaic(x, y), f.mosaic(x, y)) << x << "," << y;
  }
}

// The merged DNG keeps the reference's levels: a normalised value v comes back as black + v * (white - black).
TEST(DngRoundTripTest, MergedDngKeepsExposureScale) {
  SynthOptions o = testing::small_options(2);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  std::string path = dir.file("merged.dng");
  ASSERT_TRUE(write_merged_dng(path, b.clean_mosaic, b.frames[0].meta).ok());
  RawFrame back;
  ASSERT_TRUE(read_raw_frame(path, &back).ok());
  double max_err = 0;
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x)
      max_err = std::max(max_err, std::abs(double(normalise_sample(back.meta, x, y, back.mosaic(x, y))) -
                                           b.clean_mosaic(x, y)));
  EXPECT_LE(max_err, 0.5 / (o.white_level - o.black_level) + 1e-6);
}

}  // namespace
}  // namespace nb
