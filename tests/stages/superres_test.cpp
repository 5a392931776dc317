// Super Res Zoom: the Halide pipelines against the C++ reference, and the
// quality the issue asks for, measured against the synthetic ground truth.
#include "stages/superres.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/bayer_planes.h"
#include "stages/superres_test_util.h"
#include "synth/scene.h"

namespace nb {
namespace {

using namespace nb::testing;

// Amplitude of the frequency `cycles_per_px` (per sensor pixel) along the
// rows of channel 1 of `rgb` (whose pixels are 1/scale sensor pixels), over
// the central quarter: the mean over rows of 2/N |sum v e^(-2 pi i f x)|.
double row_amplitude(const Rgb& rgb, double scale, double cycles_per_px) {
  const int x0 = 3 * rgb.width() / 8, x1 = 5 * rgb.width() / 8;
  double total = 0;
  int rows = 0;
  for (int y = 3 * rgb.height() / 8; y < 5 * rgb.height() / 8; ++y, ++rows) {
    double re = 0, im = 0, mean = 0;
    for (int x = x0; x < x1; ++x) mean += rgb(x, y, 1);
    mean /= (x1 - x0);
    for (int x = x0; x < x1; ++x) {
      const double p = (x + 0.5) / scale - 0.5, v = rgb(x, y, 1) - mean;
      re += v * std::cos(2 * M_PI * cycles_per_px * p);
      im -= v * std::sin(2 * M_PI * cycles_per_px * p);
    }
    total += 2 * std::hypot(re, im) / (x1 - x0);
  }
  return total / rows;
}

double max_abs_difference(const Halide::Runtime::Buffer<float>& a, const Halide::Runtime::Buffer<float>& b) {
  double worst = 0;
  for (int c = 0; c < (a.dimensions() > 2 ? a.dim(2).extent() : 1); ++c)
    for (int y = 0; y < a.height(); ++y)
      for (int x = 0; x < a.width(); ++x) {
        const double va = a.dimensions() > 2 ? a(x, y, c) : a(x, y), vb = b.dimensions() > 2 ? b(x, y, c) : b(x, y);
        worst = std::max(worst, std::abs(va - vb));
      }
  return worst;
}

// The Halide pipelines against the C++ reference, on a burst with a moving
// object (so the robustness spans 0..1) at a scale that is not a whole
// number: the robustness and the merged RGB agree to float rounding (Halide's
// exp is its own polynomial).
TEST(SuperResTest, HalideMatchesReference) {
  SynthOptions o;
  o.width = 136;
  o.height = 104;
  o.frames = 3;
  o.seed = 21;
  o.moving_object = true;
  SynthBurst burst = testing::make_burst(o);
  std::vector<AlignmentField> fields;
  ASSERT_TRUE(align_burst(burst.frames, 0, burst.noise, TileAlignParams(), Implementation::kHalide, &fields).ok());
  SuperResParams params;
  params.scale = 1.5f;
  const AlignmentField field = regularise_field(fields[1], kReliableConfidence, params.max_deviation_px);
  Halide::Runtime::Buffer<float, 2> fast;
  ASSERT_TRUE(superres_robustness(burst.frames[0], burst.frames[1], field, burst.noise, params, &fast).ok());
  const Halide::Runtime::Buffer<float, 2> ref = superres_robustness_reference(
      normalised_mosaic(burst.frames[0]), normalised_mosaic(burst.frames[1]), o.cfa, field, burst.noise, params);
  EXPECT_LE(max_abs_difference(fast, ref), 1e-4);
  float lowest = 1;
  for (int y = 0; y < ref.height(); ++y)
    for (int x = 0; x < ref.width(); ++x) lowest = std::min(lowest, ref(x, y));
  EXPECT_EQ(lowest, 0.0f) << "the moving object is rejected somewhere";

  Rgb rgb[2];
  int i = 0;
  for (Implementation implementation : {Implementation::kHalide, Implementation::kReference})
    rgb[i++] = super_resolve(burst, params, implementation);
  EXPECT_EQ(rgb[0].width(), superres_extent(o.width, 1.5));
  EXPECT_EQ(rgb[0].width(), 204);
  EXPECT_EQ(rgb[0].height(), 156);
  EXPECT_LE(max_abs_difference(rgb[0], rgb[1]), 1e-4);
}

// Tiles that failed or that disagree with the frame's motion take the
// robust affine fit's displacement; the others are kept.
TEST(SuperResTest, RegulariseFieldReplacesOutliersWithTheFrameMotion) {
  AlignmentField field;
  field.tile_size = 16;
  field.tile_stride = 8;
  field.tiles_x = 20;
  field.tiles_y = 15;
  field.displacement = Halide::Runtime::Buffer<float, 3>(20, 15, 2);
  field.confidence = Halide::Runtime::Buffer<float, 2>(20, 15);
  auto motion = [](double u, double v, int axis) {  // a shift and a 0.5 degree rotation
    const double a = 0.5 * M_PI / 180;
    return axis == 0 ? 1.3 + (std::cos(a) - 1) * u - std::sin(a) * v : -0.7 + std::sin(a) * u + (std::cos(a) - 1) * v;
  };
  for (int ty = 0; ty < 15; ++ty)
    for (int tx = 0; tx < 20; ++tx) {
      for (int axis = 0; axis < 2; ++axis) field.displacement(tx, ty, axis) = float(motion(tx * 8 + 7.5, ty * 8 + 7.5, axis));
      field.confidence(tx, ty) = 1;
    }
  field.displacement(3, 4, 0) += 3.0f;  // a mismatch
  field.displacement(10, 10, 1) -= 0.6f;  // a smaller one, still past 0.5 sensor pixels
  field.displacement(12, 2, 0) += 0.1f;   // within the allowed deviation: kept
  field.displacement(7, 7, 0) = 9.0f;     // unreliable
  field.confidence(7, 7) = 0.1f;
  const AlignmentField out = regularise_field(field, kReliableConfidence, 0.5f);
  for (auto [tx, ty] : {std::pair{3, 4}, {10, 10}, {7, 7}})
    for (int axis = 0; axis < 2; ++axis)
      EXPECT_NEAR(out.displacement(tx, ty, axis), motion(tx * 8 + 7.5, ty * 8 + 7.5, axis), 1e-3) << tx << "," << ty;
  EXPECT_EQ(out.displacement(12, 2, 0), field.displacement(12, 2, 0));
  EXPECT_EQ(out.displacement(0, 0, 1), field.displacement(0, 0, 1));
}

// At 1x, merging the Bayer samples into RGB beats the HDR+ merge followed by
// demosaicing, and at 2x it beats bicubic upscaling of that: colour PSNR of
// linear camera RGB against the ground truth. Seeds not used for tuning.
TEST(SuperResTest, BeatsMergeAndDemosaicAt1xAndBicubicAt2x) {
  for (double scale : {1.0, 2.0})
    for (uint64_t seed : {11, 12}) {
      SynthBurst burst = testing::make_burst(detailed_burst(scale, seed));
      SuperResParams params;
      params.scale = float(scale);
      std::vector<float> robustness;
      const Rgb superres = super_resolve(burst, params, Implementation::kHalide, &robustness);
      Rgb baseline = merge_and_demosaic(burst);
      if (scale != 1) baseline = upscale_bicubic(baseline, superres.width(), superres.height());
      const int border = int(16 * scale);
      const double psnr = rgb_psnr(superres, burst.clean_rgb, border);
      const double baseline_psnr = rgb_psnr(baseline, burst.clean_rgb, border);
      std::printf("scale %.0fx seed %d: Super Res Zoom %.2f dB, %s %.2f dB\n", scale, int(seed), psnr,
                  scale == 1 ? "merge + demosaic" : "bicubic of merge + demosaic", baseline_psnr);
      EXPECT_GT(psnr, baseline_psnr + 1.0) << "scale " << scale << " seed " << seed;
      // A static scene: every frame is used almost everywhere.
      for (float r : robustness) EXPECT_GT(r, 0.85f);
    }
}

// A resolution chart beyond the single-frame Nyquist limit (0.5 cycles per
// sensor pixel; the colour planes' is 0.25): a grating of 0.62 or 0.7
// cycles per pixel on a wall of the night scene, at 2x. One frame can only
// show it aliased to 1 - f; the merged and upscaled burst does so, Super Res
// Zoom shows the true frequency, stronger than the alias.
TEST(SuperResTest, ResolvesAGratingBeyondNyquistAt2x) {
  SynthOptions o = detailed_burst(2, 7);
  o.optical_blur_px = 0.25;
  o.scene_oversample = 4;
  o.max_rotation_deg = 0;
  int w, h;
  synth_scene_size(o, &w, &h);
  // The scene rendered once, each grating drawn on a copy of it (rendered
  // per grating at 4x oversampling, the two renders took a quarter of this
  // test's time under qemu).
  const Halide::Runtime::Buffer<float, 3> scene = render_night_scene(w, h, o.seed);
  for (double f : {0.62, 0.7}) {
    o.content = Halide::Runtime::Buffer<float, 3>(w, h, 3);
    std::copy(scene.data(), scene.data() + scene.number_of_elements(), o.content.data());
    for (int y = h / 3; y < 2 * h / 3; ++y)
      for (int x = w / 3; x < 2 * w / 3; ++x) {
        const float v = float(0.5 + 0.3 * std::sin(2 * M_PI * f * (x + 0.5) / o.scene_oversample));
        for (int c = 0; c < 3; ++c) o.content(x, y, c) = v;
      }
    SynthBurst burst = testing::make_burst(o);
    SuperResParams params;
    params.scale = 2;
    const Rgb superres = super_resolve(burst, params, Implementation::kHalide);
    const Rgb baseline = upscale_bicubic(merge_and_demosaic(burst), superres.width(), superres.height());
    const double truth = row_amplitude(burst.clean_rgb, 2, f);
    const double sr_true = row_amplitude(superres, 2, f), sr_alias = row_amplitude(superres, 2, 1 - f);
    const double base_true = row_amplitude(baseline, 2, f), base_alias = row_amplitude(baseline, 2, 1 - f);
    std::printf("%.2f cycles/px: truth %.3f; Super Res Zoom %.3f (alias %.3f); bicubic of merge %.3f (alias %.3f)\n", f,
                truth, sr_true, sr_alias, base_true, base_alias);
    EXPECT_GT(sr_true, 0.4 * truth) << f;
    EXPECT_GT(sr_true, 1.5 * sr_alias) << f;
    EXPECT_GT(sr_true, 3 * base_true) << f;
    EXPECT_GT(base_alias, base_true) << f << ": the baseline aliases (what the chart is for)";
  }
}

// A moving object does not ghost: where it is only in other frames, the
// result equals (to noise) the result of the same burst without the object,
// same motion and same noise. With the robustness switched off the object's
// trail shows there: the measure can see a ghost.
TEST(SuperResTest, MovingObjectDoesNotGhost) {
  for (uint64_t seed : {13, 14}) {
    SynthOptions o = detailed_burst(1, seed);
    o.shot_noise = 1e-3;
    const SynthBurst still = testing::make_burst(o);
    o.moving_object = true;
    const SynthBurst moving = testing::make_burst(o);
    SuperResParams params;
    const Rgb without_object = super_resolve(still, params, Implementation::kHalide);
    const double robust = rgb_psnr(super_resolve(moving, params, Implementation::kHalide), without_object, 16,
                                   &moving.object_mask);
    const double ghosting = rgb_psnr(accumulate_everything(moving, params), without_object, 16, &moving.object_mask);
    std::printf("seed %d, where only other frames saw the object, against the burst without it: %.2f dB, "
                "without robustness %.2f dB\n", int(seed), robust, ghosting);
    EXPECT_GT(robust, 33) << seed;
    EXPECT_LT(ghosting, 30) << seed;
  }
}

}  // namespace
}  // namespace nb
