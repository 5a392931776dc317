// Real sensors' levels: frames whose black levels differ by a few ADU (as
// camera2's dynamic black level reports them) are accepted, each normalised
// with its own, and merge as well as a burst of equal levels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

constexpr int kBorder = 16;

// A 512 x 384 burst from a 10-bit phone sensor, where a few ADU matter most.
SynthOptions ten_bit_options(uint64_t seed) {
  SynthOptions o = testing::small_options(seed);
  o.width = 512;
  o.height = 384;
  o.white_level = 1023;
  o.black_level = 64;
  return o;
}

double merged_psnr(const SynthBurst& b) {
  const ProcessResult r = testing::process_from_first_frame(b.frames);
  return mosaic_psnr(r.merged, b.clean_mosaic, nullptr, 0, kBorder);
}

TEST(SensorLevels, BlackLevelsDifferingByTwoAduMergeLikeEqualOnes) {
  for (uint64_t seed : {3, 4}) {
    SynthOptions o = ten_bit_options(seed);
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
  SynthOptions o = ten_bit_options(5);
  o.black_level_jitter = 2;
  SynthBurst b = testing::make_burst(o);
  const double own = merged_psnr(b);
  for (RawFrame& f : b.frames) f.meta.black_level = b.frames[0].meta.black_level;
  const double first = merged_psnr(b);
  std::printf("each frame's own black level %.2f dB, the first frame's for all %.2f dB\n", own, first);
  EXPECT_GT(own, first);
}

// RMS difference, over the mosaic, between the merged values and the same
// values quantised to `meta`'s levels and normalised back.
double quantisation_rms(const Halide::Runtime::Buffer<float, 2>& merged, const RawMetadata& meta) {
  const Halide::Runtime::Buffer<uint16_t, 2> raw = quantise_mosaic(merged, meta);
  double sum = 0;
  testing::for_each_xy(merged, [&](int x, int y) {
    const double e = normalise_sample(meta, x, y, raw(x, y)) - std::max(merged(x, y), -0.05f);
    sum += e * e;
  });
  return std::sqrt(sum / (double(merged.width()) * merged.height()));
}

// The merged mosaic of a 10-bit burst keeps the precision the merge gained:
// quantised to the merged levels, its error is below a tenth of the merged
// noise; at the reference's own levels it is not. A phone at base ISO
// (shot noise 1e-4, read noise 1e-8: a tenth of an ADU), where the merge's
// noise in the shadows falls below the sensor's step.
TEST(SensorLevels, MergedMosaicOfATenBitBurstKeepsItsPrecision) {
  SynthOptions o = ten_bit_options(6);
  o.shot_noise = 1e-4;
  o.read_noise = 1e-8;
  o.scene_mean = 0.02;
  const SynthBurst b = testing::make_burst(o);
  const ProcessResult r = testing::process_from_first_frame(b.frames);
  EXPECT_EQ(r.merged_meta.white_level, 1023 * 64);
  EXPECT_EQ(r.merged_meta.black_level[0], 64 * 64);
  // The merged noise the DNG declares (its NoiseProfile), at the scene's median level.
  std::vector<float> levels(b.clean_mosaic.data(), b.clean_mosaic.data() + b.clean_mosaic.number_of_elements());
  std::nth_element(levels.begin(), levels.begin() + levels.size() / 2, levels.end());
  const double median = levels[levels.size() / 2];
  const double merged_noise = std::sqrt(r.merged_meta.noise.variance(0, median));
  const double merged_levels = quantisation_rms(r.merged, r.merged_meta),
               reference_levels = quantisation_rms(r.merged, b.frames[0].meta);
  std::printf("10-bit burst, 8 frames, median level %.4f: merged noise %.3g; quantisation to the merged levels "
              "%.3g (%.4f of it), to the reference's %.3g (%.2f of it)\n",
              median, merged_noise, merged_levels, merged_levels / merged_noise, reference_levels,
              reference_levels / merged_noise);
  EXPECT_LT(merged_levels, 0.1 * merged_noise);
  EXPECT_GT(reference_levels, 0.1 * merged_noise);  // what the extended levels are for
}

// A NoiseProfile with a pair per colour (channels with their own analog
// gain: red's noise 2.5x and blue's 1.8x green's): the merge follows each
// channel's, and does better than with one profile for all channels.
TEST(SensorLevels, PerChannelNoiseProfileIsFollowed) {
  SynthOptions o = testing::small_options(7);
  o.width = 512;
  o.height = 384;
  o.channel_noise_gain = {2.5, 1.0, 1.8};
  SynthBurst b = testing::make_burst(o);
  ASSERT_NE(b.frames[0].meta.noise.scale[0], b.frames[0].meta.noise.scale[1]);
  const double per_channel = merged_psnr(b);
  NoiseProfile mean = b.frames[0].meta.noise;
  for (int i = 0; i < 4; ++i) {
    mean.scale[i] = (b.frames[0].meta.noise.scale[0] + b.frames[0].meta.noise.scale[1] +
                     b.frames[0].meta.noise.scale[2] + b.frames[0].meta.noise.scale[3]) / 4;
    mean.offset[i] = (b.frames[0].meta.noise.offset[0] + b.frames[0].meta.noise.offset[1] +
                      b.frames[0].meta.noise.offset[2] + b.frames[0].meta.noise.offset[3]) / 4;
  }
  for (RawFrame& f : b.frames) f.meta.noise = mean;
  const double one_profile = merged_psnr(b);
  std::printf("per-channel noise profile %.2f dB, one profile for all channels %.2f dB\n", per_channel, one_profile);
  EXPECT_GT(per_channel, one_profile);
}

}  // namespace
}  // namespace nb
