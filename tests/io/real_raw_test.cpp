// A real camera raw: the Canon EOS 30D CR2 from Debian's rawtran-doc package.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nightburst/io.h"
#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

const char* kCanonCr2 = "/usr/share/doc/rawtran/IMG_5952.CR2";

TEST(RealRawTest, Canon30DLoadsWithSaneMetadataAndProcesses) {
  if (!std::filesystem::exists(kCanonCr2))
    GTEST_SKIP() << "rawtran-doc is not installed (scripts/setup.sh installs it)";
  RawFrame f;
  Status s = read_raw_frame(kCanonCr2, &f);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(f.meta.make, "Canon");
  EXPECT_EQ(f.meta.model, "EOS 30D");
  EXPECT_EQ(f.meta.width % 2, 0);
  EXPECT_GT(f.meta.width, 3400);  // 8.2 MP sensor, 3522 x 2348 visible
  EXPECT_GT(f.meta.height, 2300);
  EXPECT_EQ(f.meta.cfa, CfaPattern::kRGGB);
  // 12-bit Canon: black near 128, white below 4096.
  for (float b : f.meta.black_level) {
    EXPECT_GT(b, 64);
    EXPECT_LT(b, 512);
  }
  EXPECT_GT(f.meta.white_level, 3000);
  EXPECT_LE(f.meta.white_level, 4095);
  EXPECT_EQ(f.meta.calibrations.size(), 1u);  // LibRaw's (Adobe's D65) matrix for the 30D
  EXPECT_GT(f.meta.exposure_s, 0);
  EXPECT_GT(f.meta.iso, 0);
  EXPECT_GT(f.meta.f_number, 0);
  // As-shot neutral of a daylight scene: red and blue weaker than green.
  EXPECT_LT(f.meta.as_shot_neutral[0], 1.0f);
  EXPECT_LT(f.meta.as_shot_neutral[2], 1.0f);
  // The samples lie between black and white.
  int above_white = 0;
  for (int y = 0; y < f.meta.height; y += 7)
    for (int x = 0; x < f.meta.width; x += 7) above_white += f.mosaic(x, y) > f.meta.white_level;
  EXPECT_EQ(above_white, 0);

  // One-frame burst through the whole pipeline: a daylight scene needs no gain
  // and gray-world lands near the camera's own as-shot white balance.
  ProcessOptions options;
  ProcessResult r;
  s = process_burst({f}, options, &r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(r.report.noise_from_metadata);
  EXPECT_GT(r.report.noise.scale[0] + r.report.noise.offset[0], 0);
  for (int c : {0, 2})
    EXPECT_NEAR(r.report.awb_illuminant_rgb[c] / f.meta.as_shot_neutral[c], 1.0, 0.25) << c;
  double mean = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < r.srgb.height(); y += 11)
      for (int x = 0; x < r.srgb.width(); x += 11) mean += r.srgb(x, y, c);
  mean /= 3.0 * ((r.srgb.height() + 10) / 11) * ((r.srgb.width() + 10) / 11) * 65535;
  EXPECT_GT(mean, 0.2);
  EXPECT_LT(mean, 0.8);
}

// Lossless-JPEG data that ends early or is corrupt: LibRaw would print a
// line and fill in zeros; nightburst refuses the file with the reason.
TEST(RealRawTest, DamagedCr2IsRefusedNotZeroFilled) {
  if (!std::filesystem::exists(kCanonCr2))
    GTEST_SKIP() << "rawtran-doc is not installed (scripts/setup.sh installs it)";
  const std::string bytes = testing::read_bytes(kCanonCr2);
  const std::string dir =
      std::filesystem::temp_directory_path() / ("nb_cr2_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string flipped = bytes;
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 2000; ++i)
    flipped[i] = char(~flipped[i]);
  const std::pair<std::string, std::string> cases[] = {
      {bytes.substr(0, bytes.size() * 9 / 10), "cannot decode the raw data"},
      {flipped, "raw data is corrupt near byte"}};
  for (const auto& [content, reason] : cases) {
    const std::string path = dir + "/damaged.cr2";
    testing::write_bytes(path, content);
    RawFrame f;
    Status s = read_raw_frame(path, &f);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(reason), std::string::npos) << s.message();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nb
