// Exposure-bracketed bursts (HDR+ with bracketing): frames of 1, 1, 4, 4 and
// 16 times the reference's exposure, hand-held, 12-bit, with a moving object.
// The merge must take the shadows from the long frames (PSNR in the darkest
// 30 % far above the reference frame's), the highlights the long frames
// clipped from the short ones alone (no worse than the short frames' merge),
// and leave no ghost; a 0 / +2 / +4 EV bracket must align within a pixel.
#include <gtest/gtest.h>

#include <algorithm>

#include "nightburst/pipeline.h"
#include "nightburst/synth.h"
#include "core/bayer_planes.h"
#include "stages/align_tiles.h"
#include "stages/exposure_bracket.h"
#include "stages/merge_wiener.h"
#include "test_util.h"

namespace nb {
namespace {

constexpr int kBorder = 16;

SynthOptions bracket_options(std::vector<double> exposures, uint64_t seed) {
  SynthOptions o = testing::small_options(seed);
  o.width = 512;
  o.height = 384;
  o.white_level = 4095;  // 12-bit
  o.black_level = 256;
  o.exposures = std::move(exposures);
  o.frames = int(o.exposures.size());
  o.scene_mean = 0.04;
  o.stars = 40;  // point lights the long frames clip
  o.moving_object = true;
  return o;
}

ProcessResult process(const std::vector<RawFrame>& frames, const ProcessOptions& options) {
  ProcessResult r;
  const Status s = process_burst(frames, options, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  return r;
}

// 1 where `keep(x, y)` (away from the border), else 0.
template <typename Keep>
Halide::Runtime::Buffer<uint8_t, 2> mask_of(int width, int height, const Keep& keep) {
  Halide::Runtime::Buffer<uint8_t, 2> mask(width, height);
  testing::for_each_xy(mask, [&](int x, int y) {
    const bool inside = x >= kBorder && y >= kBorder && x < width - kBorder && y < height - kBorder;
    mask(x, y) = inside && keep(x, y) ? 1 : 0;
  });
  return mask;
}

class Bracket : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    burst_ = new SynthBurst(testing::make_burst(bracket_options({1, 1, 4, 4, 16}, 301)));
    ProcessOptions options;
    options.reference = 0;
    merged_ = new ProcessResult(process(burst_->frames, options));
    const std::vector<RawFrame> short_frames = {burst_->frames[0], burst_->frames[1]};
    short_only_ = new ProcessResult(process(short_frames, options));
    // The short frames' plain average: aligned, with the motion robustness,
    // no Wiener shrink (an infinite c) and no spatial step.
    std::vector<AlignmentField> fields;
    ASSERT_TRUE(align_burst(short_frames, 0, burst_->noise, TileAlignParams(), Implementation::kHalide, &fields).ok());
    WienerMergeParams plain;
    plain.temporal_factor = 1e9f;
    plain.spatial_factor = 0;
    MergeStats stats;
    short_average_ = new Halide::Runtime::Buffer<float, 2>();
    ASSERT_TRUE(merge_wiener(short_frames, 0, fields, burst_->noise, plain, Implementation::kHalide, short_average_,
                             &stats)
                    .ok());
  }
  static void TearDownTestSuite() {
    delete burst_;
    delete merged_;
    delete short_only_;
    delete short_average_;
  }
  static SynthBurst* burst_;
  static ProcessResult* merged_;
  static ProcessResult* short_only_;
  static Halide::Runtime::Buffer<float, 2>* short_average_;
};
SynthBurst* Bracket::burst_ = nullptr;
ProcessResult* Bracket::merged_ = nullptr;
ProcessResult* Bracket::short_only_ = nullptr;
Halide::Runtime::Buffer<float, 2>* Bracket::short_average_ = nullptr;

TEST_F(Bracket, NoFrameRejectedAndEachScaledByItsExposure) {
  const std::vector<double> expected = {1, 1, 4, 4, 16};
  for (size_t k = 1; k < expected.size(); ++k) {
    const FrameMotion& m = merged_->report.motion[k];
    std::printf("frame %zu: exposure ratio %.2f, mean merge weight %.3f, rejected %d %s\n", k, m.exposure_ratio,
                m.mean_merge_weight, int(m.rejected), m.rejected_because.c_str());
    EXPECT_FALSE(m.rejected) << k;
    EXPECT_NEAR(m.exposure_ratio, expected[k], 1e-6) << k;
  }
}

TEST_F(Bracket, ShadowsTakeTheLongFramesNoise) {
  const SynthBurst& b = *burst_;
  const int w = b.clean_mosaic.width(), h = b.clean_mosaic.height();
  // The darkest 30 % of the scene (static parts).
  std::vector<float> levels;
  testing::for_each_xy(b.clean_mosaic, [&](int x, int y) { levels.push_back(b.clean_mosaic(x, y)); });
  std::nth_element(levels.begin(), levels.begin() + levels.size() * 3 / 10, levels.end());
  const float dark = levels[levels.size() * 3 / 10];
  const auto mask = mask_of(w, h, [&](int x, int y) { return b.clean_mosaic(x, y) <= dark && b.object_mask(x, y) == 0; });
  const double reference = mosaic_psnr(normalised_mosaic(b.frames[0]), b.clean_mosaic, &mask, 1);
  const double merged = mosaic_psnr(merged_->merged, b.clean_mosaic, &mask, 1);
  const double short_pair = mosaic_psnr(short_only_->merged, b.clean_mosaic, &mask, 1);
  std::printf("darkest 30 %% (below %.4f): reference frame %.2f dB, short frames merged %.2f dB, bracket %.2f dB "
              "(gain %.2f dB)\n", dark, reference, short_pair, merged, merged - reference);
  EXPECT_GE(merged - reference, 8.0);
}

TEST_F(Bracket, HighlightsTheLongFramesClippedComeFromTheShortOnes) {
  const SynthBurst& b = *burst_;
  const int w = b.clean_mosaic.width(), h = b.clean_mosaic.height();
  // Clipped in the 4x frames (and so in the 16x one too).
  const auto mask = mask_of(w, h, [&](int x, int y) {
    return b.clean_mosaic(x, y) * 4 >= kClippedFraction && b.object_mask(x, y) == 0;
  });
  int64_t count = 0, clipped_in_longest = 0;
  testing::for_each_xy(mask, [&](int x, int y) { count += mask(x, y); });
  // What a long reference would lose for good: the scene above its white.
  testing::for_each_xy(b.clean_mosaic,
                       [&](int x, int y) { clipped_in_longest += b.clean_mosaic(x, y) * 16 >= kClippedFraction; });
  std::printf("above white: %.1f %% of the scene for a 4x reference, %.1f %% for the 16x one\n",
              100.0 * count / double(w * h), 100.0 * clipped_in_longest / double(w * h));
  const double merged = mosaic_psnr(merged_->merged, b.clean_mosaic, &mask, 1);
  const double short_average = mosaic_psnr(*short_average_, b.clean_mosaic, &mask, 1);
  const double short_pair = mosaic_psnr(short_only_->merged, b.clean_mosaic, &mask, 1);
  // Against the short frames' full merge (its spatial step included) the
  // bracket is about 0.1 dB behind here: the spatial step's noise level is
  // per tile, and these pixels are a few per tile (stars, bright edges) in
  // tiles the long frames made cleaner elsewhere.
  std::printf("clipped in the long frames (%lld pixels): short frames averaged %.2f dB, merged %.2f dB; "
              "bracket %.2f dB\n", static_cast<long long>(count), short_average, short_pair, merged);
  ASSERT_GE(count, 200);
  EXPECT_GE(merged, short_average);
}

TEST_F(Bracket, NoGhostOfTheMovingObject) {
  const SynthBurst& b = *burst_;
  const auto reference = normalised_mosaic(b.frames[0]);
  for (int region : {1, 2}) {
    const double ref_psnr = mosaic_psnr(reference, b.clean_mosaic, &b.object_mask, region, kBorder);
    const double merged = mosaic_psnr(merged_->merged, b.clean_mosaic, &b.object_mask, region, kBorder);
    std::printf("object mask %d (%s): reference frame %.2f dB, bracket %.2f dB\n", region,
                region == 1 ? "the object" : "where it was in other frames", ref_psnr, merged);
    EXPECT_GE(merged, ref_psnr) << region;
  }
}

// 0 / +2 / +4 EV, hand-held: every frame aligned within a pixel of its true
// motion, none rejected; and left to choose, the pipeline takes the shortest
// frame as the reference.
TEST(BracketEv, ZeroPlusTwoPlusFourAlignsWithinAPixel) {
  const SynthBurst b = testing::make_burst(bracket_options({1, 4, 16}, 302));
  ProcessOptions options;
  const ProcessResult r = process(b.frames, options);
  EXPECT_EQ(r.report.reference, 0);
  for (int k = 1; k < 3; ++k) {
    const FrameMotion& m = r.report.motion[size_t(k)];
    const FrameMotionTruth& t = b.motion[size_t(k)];
    std::printf("+%d EV: median motion (%.2f, %.2f) px, truth (%.2f, %.2f) px; weight %.3f, rejected %d\n", 2 * k,
                m.median_dx_px, m.median_dy_px, t.dx_px, t.dy_px, m.mean_merge_weight, int(m.rejected));
    EXPECT_FALSE(m.rejected) << k;
    EXPECT_LT(std::hypot(m.median_dx_px - t.dx_px, m.median_dy_px - t.dy_px), 1.0) << k;
  }
}

TEST(BracketEv, TheShortestOfTheFirstFramesIsTheReference) {
  SynthOptions o = bracket_options({4, 16, 1, 1}, 303);
  o.reference = 2;
  const SynthBurst b = testing::make_burst(o);
  const ProcessResult r = process(b.frames, ProcessOptions());
  EXPECT_EQ(r.report.reference, 2);
  EXPECT_NEAR(r.report.motion[0].exposure_ratio, 4, 1e-6);
  EXPECT_NEAR(r.report.motion[1].exposure_ratio, 16, 1e-6);
}

// Exposures the merge cannot take: a clear error naming the frame.
TEST(BracketBadInput, RefusedWithTheFramesName) {
  const SynthBurst b = testing::make_burst(bracket_options({1, 4}, 304));
  struct Case {
    const char* what;
    void (*spoil)(RawMetadata*);
    const char* says;
  };
  const Case cases[] = {
      {"exposure 0 beside given ones", [](RawMetadata* m) { m->exposure_s = 0; }, "exposure time 0"},
      {"NaN ISO", [](RawMetadata* m) { m->iso = NAN; }, "ISO nan"},
      {"negative ISO", [](RawMetadata* m) { m->iso = -100; }, "ISO -100"},
      {"ratio beyond 64", [](RawMetadata* m) { m->exposure_s *= 100; }, "at most 64x"},
  };
  for (const Case& c : cases) {
    std::vector<RawFrame> frames = b.frames;
    frames[1].source = "bracket/frame_01.dng";
    c.spoil(&frames[1].meta);
    ProcessResult r;
    const Status s = process_burst(frames, ProcessOptions(), &r);
    std::printf("%s: %s\n", c.what, s.message().c_str());
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << c.what;
    EXPECT_NE(s.message().find("bracket/frame_01.dng"), std::string::npos) << c.what;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.what << ": " << s.message();
  }
}

}  // namespace
}  // namespace nb
