// Lens shading: DNG gain maps and camera2's lens-shading map, applied to
// the merged result (src/stages/lens_shading.h says why there).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/bayer_planes.h"
#include "nightburst/pipeline.h"
#include "stages/lens_shading.h"
#include "test_util.h"

namespace nb {
namespace {

Halide::Runtime::Buffer<float, 2> ones(int width, int height) {
  Halide::Runtime::Buffer<float, 2> b(width, height);
  b.fill(1.0f);
  return b;
}

GainMap full_frame_map(int width, int height, int points_h, int points_v, std::vector<float> gains) {
  GainMap m;
  m.bottom = height;
  m.right = width;
  m.points_v = points_v;
  m.points_h = points_h;
  m.spacing_v = 1.0 / std::max(1, points_v - 1);
  m.spacing_h = 1.0 / std::max(1, points_h - 1);
  m.gains = std::move(gains);
  return m;
}

// The DNG SDK's reading of a map: a pixel's position is its centre as a
// fraction of the frame, (x + 0.5) / width; bilinear between grid points,
// the edge values held outside the grid.
TEST(LensShading, GainMapInterpolatesAtPixelCentresAndHoldsItsEdges) {
  const int w = 16, h = 16;
  GainMap m = full_frame_map(w, h, 2, 2, {1, 2, 3, 5});
  ASSERT_TRUE(validate_gain_map(m, w, h).ok());
  Halide::Runtime::Buffer<float, 2> image = ones(w, h);
  apply_gain_maps({m}, CfaPattern::kRGGB, &image);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double u = (x + 0.5) / w, v = (y + 0.5) / h;
      const double top = 1 + u * (2 - 1), bottom = 3 + u * (5 - 3);
      ASSERT_NEAR(image(x, y), top + v * (bottom - top), 1e-5) << x << "," << y;
    }
  // A grid over the middle half only: outside it, the edge rows and columns hold.
  m.origin_v = m.origin_h = 0.25;
  m.spacing_v = m.spacing_h = 0.5;
  image = ones(w, h);
  apply_gain_maps({m}, CfaPattern::kRGGB, &image);
  EXPECT_NEAR(image(0, 0), 1, 1e-6);
  EXPECT_NEAR(image(w - 1, 0), 2, 1e-6);
  EXPECT_NEAR(image(0, h - 1), 3, 1e-6);
  EXPECT_NEAR(image(w - 1, h - 1), 5, 1e-6);
  EXPECT_NEAR(image(7, 7), m.gain_at(7, 7, 0, w, h), 1e-6);
  // Pitch and phase: a map on every other pixel of odd rows leaves the rest alone.
  m.top = 1;
  m.row_pitch = m.col_pitch = 2;
  image = ones(w, h);
  apply_gain_maps({m}, CfaPattern::kRGGB, &image);
  EXPECT_EQ(image(3, 3), 1.0f);
  EXPECT_EQ(image(3, 4), 1.0f);
  EXPECT_NE(image(4, 3), 1.0f);
}

// camera2's channels are R, G on even rows, G on odd rows, B, whatever the
// CFA: each reaches its own 2x2 position.
TEST(LensShading, Camera2ChannelsReachTheirCfaPositions) {
  const int w = 16, h = 12, columns = 3, rows = 2;
  std::vector<float> map;
  for (int i = 0; i < columns * rows; ++i) map.insert(map.end(), {2, 3, 5, 7});
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    const std::vector<GainMap> maps = gain_maps_from_camera2(map.data(), columns, rows, cfa, w, h);
    ASSERT_EQ(maps.size(), 4u);
    for (const GainMap& m : maps) ASSERT_TRUE(validate_gain_map(m, w, h).ok());
    Halide::Runtime::Buffer<float, 2> image = ones(w, h);
    apply_gain_maps(maps, cfa, &image);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int c = cfa_color(cfa, x, y);
        const float expected = c == 0 ? 2 : c == 2 ? 7 : (y % 2 == 0 ? 3 : 5);
        ASSERT_EQ(image(x, y), expected) << cfa_name(cfa) << " " << x << "," << y;
      }
  }
}

// Mean of one CFA position over a 32 x 32 block at (x0, y0).
double block_mean(const Halide::Runtime::Buffer<float, 2>& mosaic, int x0, int y0, int position) {
  double sum = 0;
  int n = 0;
  for (int y = y0; y < y0 + 32; ++y)
    for (int x = x0; x < x0 + 32; ++x)
      if (cfa_index(x, y) == position) {
        sum += mosaic(x, y);
        ++n;
      }
  return sum / n;
}

// A flat grey wall through a lens that loses 2 stops (green; red 2.6, blue
// 1.7) at the far corner: after shading every corner is within 2 % of the
// centre in every CFA position; before, the far corner is 2 stops down.
TEST(LensShading, FlatFieldCornersMatchTheCentreAfterShading) {
  SynthOptions o = testing::small_options(11);
  o.width = 512;
  o.height = 384;
  o.vignette_stops = 2;
  o.shot_noise = 2e-5;  // bright and clean: the test is about the mean
  o.read_noise = 1e-8;
  int scene_w, scene_h;
  synth_scene_size(o, &scene_w, &scene_h);
  o.content = Halide::Runtime::Buffer<float, 3>(scene_w, scene_h, 3);
  o.content.fill(0.6f);
  const SynthBurst b = testing::make_burst(o);
  const ProcessResult r = testing::process_from_first_frame(b.frames);
  EXPECT_EQ(r.report.lens_shading_maps, 4);
  const Halide::Runtime::Buffer<float, 2> shaded = with_gain_maps(r.merged_meta.gain_maps, r.merged_meta.cfa, r.merged);
  const int cx = o.width / 2 - 16, cy = o.height / 2 - 16, right = o.width - 40, bottom = o.height - 40;
  double worst = 0, darkest_before = 1;
  for (int position = 0; position < 4; ++position) {
    const double centre = block_mean(shaded, cx, cy, position);
    for (auto [x, y] : {std::pair{8, 8}, {right, 8}, {8, bottom}, {right, bottom}}) {
      worst = std::max(worst, std::abs(block_mean(shaded, x, y, position) / centre - 1));
      darkest_before = std::min(darkest_before, block_mean(r.merged, x, y, position) / block_mean(r.merged, cx, cy, position));
    }
  }
  std::printf("flat field: corners within %.2f %% of the centre after shading (before: down to %.2f of it)\n",
              100 * worst, darkest_before);
  EXPECT_LT(worst, 0.02);
  EXPECT_LT(darkest_before, 0.35);
}

// PSNR against the truth of `mosaic` (normalised) with `maps` applied.
double shaded_psnr(const Halide::Runtime::Buffer<float, 2>& mosaic, const std::vector<GainMap>& maps,
                   const SynthBurst& b) {
  return mosaic_psnr(with_gain_maps(maps, b.frames[0].meta.cfa, mosaic), b.clean_mosaic, nullptr, 0, 16);
}

// What merging `frames` gains over the burst's reference frame, both shaded
// (the merge by the maps its frames carry, if any).
double merge_gain_db(const std::vector<RawFrame>& frames, const SynthBurst& b) {
  const ProcessResult r = testing::process_from_first_frame(frames);
  return shaded_psnr(r.merged, r.merged_meta.gain_maps, b) -
         shaded_psnr(normalised_mosaic(b.frames[0]), b.frames[0].meta.gain_maps, b);
}

// The frames shaded before the merge, as the alternative to shading after
// it: samples at levels 8x finer so the gains neither clip nor round; the
// noise profile left as the sensor's (what a merge that does not know the
// map would use).
std::vector<RawFrame> shaded_frames(const SynthBurst& b) {
  std::vector<RawFrame> frames;
  for (const RawFrame& f : b.frames) {
    Halide::Runtime::Buffer<float, 2> v = normalised_mosaic(f);
    apply_gain_maps(f.meta.gain_maps, f.meta.cfa, &v);
    RawFrame g;
    g.source = f.source;
    g.meta = f.meta;
    g.meta.gain_maps.clear();
    g.meta.white_level *= 8;
    for (float& black : g.meta.black_level) black *= 8;
    g.mosaic = quantise_mosaic(v, g.meta);
    frames.push_back(std::move(g));
  }
  return frames;
}

// The measure of the real-sensors issue: with a strong vignette (2 stops,
// colour dependent) the merge gains over the reference frame within 1 dB of
// what it gains without one; and shading after the merge gains more than
// shading the frames first.
TEST(LensShading, VignettedBurstGainsLikeAnUnvignettedOne) {
  for (uint64_t seed : {21}) {
    SynthOptions o = testing::small_options(seed);
    o.width = 512;
    o.height = 384;
    o.white_level = 4095;  // 12-bit, so shaded_frames' 8x finer levels fit in 16 bits
    o.black_level = 256;
    const SynthBurst plain = testing::make_burst(o);
    o.vignette_stops = 2;
    const SynthBurst vignetted = testing::make_burst(o);
    const double plain_gain = merge_gain_db(plain.frames, plain);
    const double after = merge_gain_db(vignetted.frames, vignetted);
    const double before = merge_gain_db(shaded_frames(vignetted), vignetted);
    std::printf("seed %d: merge gain over the reference, no vignette %.2f dB; 2-stop vignette shaded after the "
                "merge %.2f dB, before it %.2f dB\n",
                int(seed), plain_gain, after, before);
    EXPECT_NEAR(after, plain_gain, 1.0);
    EXPECT_GT(after, before);
  }
}

}  // namespace
}  // namespace nb
