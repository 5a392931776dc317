// Real sensors' levels: frames whose black levels differ by a few ADU (as
// camera2's dynamic black level reports them) are accepted, each normalised
// with its own, and merge as well as a burst of equal levels.
#include <gtest/gtest.h>

#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

constexpr int kBorder = 16;

double merged_psnr(const SynthBurst& b) {
  ProcessOptions options;
  options.reference = 0;
  ProcessResult r;
  const Status s = process_burst(b.frames, options, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  return mosaic_psnr(r.merged, b.clean_mosaic, nullptr, 0, kBorder);
}

TEST(SensorLevels, BlackLevelsDifferingByTwoAduMergeLikeEqualOnes) {
  for (uint64_t seed : {3, 4}) {
    SynthOptions o = testing::small_options(seed);
    o.width = 512;
    o.height = 384;
    o.white_level = 1023;  // a 10-bit phone sensor, where 2 ADU matter most
    o.black_level = 64;
    const SynthBurst equal = testing::make_burst(o);
    o.black_level_jitter = 2;
    const SynthBurst jittered = testing::make_burst(o);
    bool differ = false;
    for (const RawFrame& f : jittered.frames) differ |= f.meta.black_level != jittered.frames[0].meta.black_level;
    ASSERT_TRUE(differ);
    const double equal_psnr = merged_psnr(equal), jittered_psnr = merged_psnr(jittered);
    std::printf("seed %d: equal levels %.2f dB, black levels +-2 ADU per frame and position %.2f dB\n", int(seed),
                equal_psnr, jittered_psnr);
    EXPECT_NEAR(jittered_psnr, equal_psnr, 0.2);
  }
}

// Ignoring the offsets costs what a per-frame level is for: the same burst
// normalised with the first frame's black level throughout merges worse.
TEST(SensorLevels, OneBlackLevelForAllFramesWouldCostQuality) {
  SynthOptions o = testing::small_options(5);
  o.width = 512;
  o.height = 384;
  o.white_level = 1023;
  o.black_level = 64;
  o.black_level_jitter = 2;
  SynthBurst b = testing::make_burst(o);
  const double own = merged_psnr(b);
  for (RawFrame& f : b.frames) f.meta.black_level = b.frames[0].meta.black_level;
  const double first = merged_psnr(b);
  std::printf("each frame's own black level %.2f dB, the first frame's for all %.2f dB\n", own, first);
  EXPECT_GT(own, first);
}

}  // namespace
}  // namespace nb
