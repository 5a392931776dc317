#include "stages/merge_wiener.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/bayer_planes.h"
#include "stages/align_tiles.h"
#include "stages/merge_tiles_params.h"
#include "test_util.h"

namespace nb {
namespace {

struct Merged {
  SynthBurst burst;
  Halide::Runtime::Buffer<float, 2> merged;
  MergeStats stats;
};

SynthOptions merge_options(uint64_t seed, double shot) {
  SynthOptions o = testing::small_options(seed);
  o.width = 512;
  o.height = 384;
  o.shot_noise = shot;
  return o;
}

Merged merge(SynthBurst b, Implementation implementation = Implementation::kHalide,
             const WienerMergeParams& params = WienerMergeParams()) {
  std::vector<AlignmentField> fields;
  EXPECT_TRUE(align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide, &fields).ok());
  Merged m;
  EXPECT_TRUE(merge_wiener(b.frames, b.reference, fields, b.noise, params, implementation, &m.merged, &m.stats).ok());
  m.burst = std::move(b);
  return m;
}

// PSNR gain of the merge over the reference frame alone, against the clean
// truth, where `mask` equals `value` (all pixels without a mask); a border
// of the largest hand-held shift is left out (no other frame sees it).
double gain_db(const Merged& m, const Halide::Runtime::Buffer<uint8_t, 2>* mask = nullptr, int value = 0) {
  const SynthBurst& b = m.burst;
  auto single = normalised_mosaic(b.frames[b.reference]);
  return mosaic_psnr(m.merged, b.clean_mosaic, mask, value, 16) -
         mosaic_psnr(single, b.clean_mosaic, mask, value, 16);
}

// Night-level noise (shot 0.012, the synth's darkest): the merge must earn
// most of the 9 dB that averaging 8 frames could.
TEST(MergeWienerTest, HandHeldNightBurstGainsSevenDb) {
  Merged m = merge(testing::make_burst(merge_options(41, 0.012)));
  double gain = gain_db(m);
  // A plain average of the same aligned frames: no Wiener shrink, no robustness.
  WienerMergeParams plain;
  plain.temporal_factor = 1e9f;
  plain.spatial_factor = 0;
  plain.robustness_low = 1e9f;
  plain.robustness_high = 2e9f;
  double plain_gain = gain_db(merge(m.burst, Implementation::kHalide, plain));
  std::printf("night burst: merge gains %.2f dB, plain average %.2f dB\n", gain, plain_gain);
  EXPECT_GE(gain, 7.0);
  EXPECT_GT(gain, plain_gain);
}

// Moderate noise (shot 0.004): the merge is limited by resampling the aliased
// CFA planes at sub-pixel shifts, not by noise; it still beats the average.
TEST(MergeWienerTest, HandHeldModerateNoiseBeatsPlainAverage) {
  Merged m = merge(testing::make_burst(merge_options(42, 0.004)));
  WienerMergeParams plain;
  plain.temporal_factor = 1e9f;
  plain.spatial_factor = 0;
  plain.robustness_low = 1e9f;
  plain.robustness_high = 2e9f;
  double gain = gain_db(m), plain_gain = gain_db(merge(m.burst, Implementation::kHalide, plain));
  std::printf("moderate noise: merge gains %.2f dB, plain average %.2f dB\n", gain, plain_gain);
  EXPECT_GE(gain, 6.0);
  EXPECT_GT(gain, plain_gain + 0.5);
}

// A burst darker than its noise (scene mean 0.002 of white, read noise
// 0.0045: a signal-to-noise ratio of 0.1-0.5 per sample) keeps each
// channel's level: the spatial step keeps every tile's mean. Shrinking it
// as the other frequencies took 5-11% off the weakest channel, blue under a
// 2600 K light, and tinted the merge (and the white balance read from it).
TEST(MergeWienerTest, DarkBurstKeepsEachChannelsLevel) {
  SynthOptions o = testing::small_options(3);
  o.frames = 6;
  o.scene_mean = 0.002;
  o.illuminant_kelvin = 2600;
  for (Implementation implementation : {Implementation::kHalide, Implementation::kReference}) {
    Merged m = merge(testing::make_burst(o), implementation);
    const SynthBurst& b = m.burst;
    double merged[3] = {0, 0, 0}, clean[3] = {0, 0, 0};
    for (int y = 16; y < b.clean_mosaic.height() - 16; ++y)
      for (int x = 16; x < b.clean_mosaic.width() - 16; ++x) {
        const int c = cfa_color(b.frames[0].meta.cfa, x, y);
        merged[c] += m.merged(x, y);
        clean[c] += b.clean_mosaic(x, y);
      }
    for (int c = 0; c < 3; ++c) {
      std::printf("channel %d: merged level %.3f of the truth's\n", c, merged[c] / clean[c]);
      EXPECT_NEAR(merged[c] / clean[c], 1.0, 0.02) << "channel " << c;
    }
  }
}

TEST(MergeWienerTest, MovingObjectDoesNotGhost) {
  SynthOptions o = merge_options(43, 0.012);
  o.moving_object = true;
  Merged m = merge(testing::make_burst(o));
  double object = gain_db(m, &m.burst.object_mask, 1), ghost_zone = gain_db(m, &m.burst.object_mask, 2),
         background = gain_db(m, &m.burst.object_mask, 0);
  std::printf("moving object: object %+.2f dB, where it passed %+.2f dB, background %+.2f dB\n", object, ghost_zone,
              background);
  EXPECT_GE(object, 0.0);
  EXPECT_GE(ghost_zone, 0.0);
  EXPECT_GE(background, 6.0);
}

// Temporal merge alone (no spatial step): the gain grows with the frames
// towards the 10 log10(N) of a perfect average.
TEST(MergeWienerTest, ThreeAndFifteenFramesGainAsExpected) {
  WienerMergeParams temporal_only;
  temporal_only.spatial_factor = 0;
  SynthOptions o = merge_options(44, 0.012);
  o.frames = 3;
  double three = gain_db(merge(testing::make_burst(o), Implementation::kHalide, temporal_only));
  o.frames = 15;
  double fifteen = gain_db(merge(testing::make_burst(o), Implementation::kHalide, temporal_only));
  std::printf("temporal only: 3 frames %+.2f dB (ideal %+.2f), 15 frames %+.2f dB (ideal %+.2f)\n", three,
              10 * std::log10(3.0), fifteen, 10 * std::log10(15.0));
  EXPECT_GE(three, 0.8 * 10 * std::log10(3.0));
  EXPECT_GE(fifteen, 0.7 * 10 * std::log10(15.0));
}

// A 4-frame burst whose frame *intruder is another street, upside down
// (whole CFA rows, so the phase holds): the procedural scenes share their
// layout, so a new seed alone is not a new scene.
SynthBurst burst_with_intruder(int* intruder) {
  SynthOptions o = merge_options(45, 0.012);
  o.frames = 4;
  SynthBurst b = testing::make_burst(o);
  SynthOptions other = o;
  other.seed = 99;
  SynthBurst stranger = testing::make_burst(other);
  *intruder = b.reference == 3 ? 2 : 3;
  RawFrame& f = b.frames[*intruder];
  f.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(o.width, o.height);
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x) f.mosaic(x, y) = stranger.frames[0].mosaic(x, (o.height - 2 - (y & ~1)) | (y & 1));
  return b;
}

TEST(MergeWienerTest, FrameOfAnotherSceneIsRejected) {
  int intruder;
  Merged m = merge(burst_with_intruder(&intruder));
  std::printf("intruder frame weight %.3f\n", m.stats.mean_weight[intruder]);
  EXPECT_TRUE(m.stats.rejected[intruder]);
  for (int k = 0; k < 4; ++k)
    if (k != intruder) {
      EXPECT_FALSE(m.stats.rejected[k]) << k;
    }
  EXPECT_GE(gain_db(m), 0.0);
}

// The Halide path adds a frame's correction to the sum in the pass that
// finds its weights, and takes it back out when they reject the frame; the
// reference decides first and never adds it. The merges agree to float
// rounding, as the temporal and spatial passes do on their own.
TEST(MergeWienerTest, RejectedFrameIsTakenBackOutOfTheSum) {
  int intruder;
  const SynthBurst b = burst_with_intruder(&intruder);
  Merged halide = merge(b), reference = merge(b, Implementation::kReference);
  ASSERT_TRUE(halide.stats.rejected[intruder]);
  ASSERT_TRUE(reference.stats.rejected[intruder]);
  double worst = 0;
  reference.merged.for_each_element([&](int x, int y) {
    worst = std::max(worst, double(std::abs(halide.merged(x, y) - reference.merged(x, y))));
  });
  std::printf("a rejected frame, Halide merge against reference: %.2e (normalised units)\n", worst);
  EXPECT_LE(worst, 1e-5);
}

// The planes the generators read: exactly normalised_mosaic()'s values, the
// edge repeated into the margin, from the raw frame and from a float mosaic.
TEST(MergeWienerTest, CfaPlanesAreTheNormalisedMosaicWithRepeatedEdges) {
  SynthOptions o = merge_options(47, 0.01);
  o.width = 130;  // a plane width that is not a multiple of any vector width
  o.height = 98;
  o.frames = 1;
  const SynthBurst b = testing::make_burst(o);
  const auto mosaic = normalised_mosaic(b.frames[0]);
  const int margin = 5, w = o.width / 2, h = o.height / 2;
  Halide::Runtime::Buffer<float, 3> from_raw(w + 2 * margin, h + 2 * margin, 4), from_float(w + 2 * margin,
                                                                                          h + 2 * margin, 4);
  from_raw.set_min(-margin, -margin, 0);
  from_float.set_min(-margin, -margin, 0);
  ASSERT_TRUE(fill_cfa_planes(b.frames[0], &from_raw).ok());
  ASSERT_TRUE(fill_cfa_planes(mosaic, &from_float).ok());
  int mismatches = 0;
  for (int p = 0; p < 4; ++p)
    for (int y = -margin; y < h + margin; ++y)
      for (int x = -margin; x < w + margin; ++x) {
        const float expected = mosaic(2 * std::clamp(x, 0, w - 1) + p % 2, 2 * std::clamp(y, 0, h - 1) + p / 2);
        mismatches += from_raw(x, y, p) != expected;
        mismatches += from_float(x, y, p) != expected;
      }
  EXPECT_EQ(mismatches, 0);
}

// The temporal step's Halide output against the reference's.
void expect_temporal_matches(const TemporalCorrection& halide, const TemporalCorrection& expected,
                             double* worst_weight, double* worst_correction) {
  *worst_weight = 0;
  *worst_correction = 0;
  expected.weight.for_each_element([&](int x, int y, int c) {
    *worst_weight = std::max(*worst_weight, double(std::abs(halide.weight(x, y, c) - expected.weight(x, y, c))));
  });
  expected.correction.for_each_element([&](int x, int y) {
    *worst_correction =
        std::max(*worst_correction, double(std::abs(halide.correction(x, y) - expected.correction(x, y))));
  });
  EXPECT_LE(*worst_weight, 1e-4);
  EXPECT_LE(*worst_correction, 1e-5);
}

// The generators against the C++ reference at one mosaic size.
void expect_halide_matches_reference(int width, int height) {
  SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
  SynthOptions o = merge_options(46, 0.012);
  // The synthesiser makes even sizes: an odd one is cropped from the next.
  o.width = width + width % 2;
  o.height = height + height % 2;
  o.frames = 3;
  o.moving_object = true;
  SynthBurst b = testing::make_burst(o);
  for (RawFrame& f : b.frames) {
    f.mosaic.crop(0, 0, width);
    f.mosaic.crop(1, 0, height);
  }
  std::vector<AlignmentField> fields;
  ASSERT_TRUE(align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide, &fields).ok());
  const auto ref = normalised_mosaic(b.frames[b.reference]);
  const int alt = b.reference == 0 ? 1 : 0;
  const auto alt_mosaic = normalised_mosaic(b.frames[alt]);
  WienerMergeParams params;
  TemporalCorrection halide, expected = temporal_correction_reference(ref, alt_mosaic, fields[alt], b.noise, params);
  ASSERT_TRUE(temporal_correction(ref, alt_mosaic, fields[alt], b.noise, params, &halide).ok());
  double worst_weight = 0, worst_correction = 0;
  expect_temporal_matches(halide, expected, &worst_weight, &worst_correction);
  Halide::Runtime::Buffer<float, 2> denoised, denoised_expected =
      spatial_denoise_reference(ref, expected.weight, b.noise, params);
  ASSERT_TRUE(spatial_denoise(ref, expected.weight, b.noise, params, &denoised).ok());
  double worst_spatial = 0;
  denoised_expected.for_each_element([&](int x, int y) {
    worst_spatial = std::max(worst_spatial, double(std::abs(denoised(x, y) - denoised_expected(x, y))));
  });
  std::printf("%dx%d, Halide against reference: weight %.2e, correction %.2e, spatial %.2e (normalised units)\n",
              width, height, worst_weight, worst_correction, worst_spatial);
  EXPECT_LE(worst_spatial, 1e-5);
}

// A bracket's alternate (8x the reference's exposure, stars it clips): its
// per-tile shares and pair variances are used alike by both.
TEST(MergeWienerTest, HalideMatchesTheReferenceInABracket) {
  SynthOptions o = merge_options(47, 0.012);
  o.exposures = {1, 8};
  o.frames = 2;
  o.stars = 30;
  SynthBurst b = testing::make_burst(o);
  const ExposureScale exposure = exposure_scale(b.frames[0].meta, b.noise, b.frames[1].meta);
  ASSERT_EQ(exposure.ratio, 8);
  std::unique_ptr<FrameAligner> aligner;
  ASSERT_TRUE(FrameAligner::create(b.frames[0], b.noise, TileAlignParams(), Implementation::kHalide, &aligner).ok());
  AlignmentField field;
  ASSERT_TRUE(aligner->align(b.frames[1], &field, nullptr, exposure).ok());
  const auto ref = normalised_mosaic(b.frames[0]);
  auto alt = normalised_mosaic(b.frames[1]);
  for (float& v : alt) v /= 8;
  mark_clipped(&alt, exposure.clip_level);
  int64_t clipped = 0;
  for (float v : alt) clipped += v == merge::kClippedSample;
  const TilePairing pairing = tile_pairing(ref, b.noise, exposure);
  float least = INFINITY;
  for (float s : pairing.share) least = std::min(least, s);
  std::printf("bracket 1:8: %lld samples clipped in the long frame; its shares %.2f and up\n",
              static_cast<long long>(clipped), least);
  EXPECT_GT(clipped, 1000);
  EXPECT_GT(least, 1);
  WienerMergeParams params;
  TemporalCorrection halide, expected = temporal_correction_reference(ref, alt, field, b.noise, params, &pairing);
  ASSERT_TRUE(temporal_correction(ref, alt, field, b.noise, params, &halide, &pairing).ok());
  double worst_weight = 0, worst_correction = 0;
  expect_temporal_matches(halide, expected, &worst_weight, &worst_correction);
  std::printf("bracket, Halide against reference: weight %.2e, correction %.2e\n", worst_weight, worst_correction);
}

TEST(MergeWienerTest, HalideMatchesTheReference) { expect_halide_matches_reference(512, 384); }

// The generators work in runs of 16 tiles and 128 plane pixels, and read a
// mosaic's two planes of a row in pairs of columns: a width that is no
// multiple of a run, one narrower than a run, and odd sizes (the last
// column and row belong to no plane).
TEST(MergeWienerTest, HalideMatchesTheReferenceAtAnySize) {
  expect_halide_matches_reference(300, 202);
  expect_halide_matches_reference(102, 78);
  expect_halide_matches_reference(301, 203);
}

}  // namespace
}  // namespace nb
