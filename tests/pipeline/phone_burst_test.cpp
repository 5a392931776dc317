// A phone burst with the real-sensor artefacts at once: 10-bit levels,
// camera2's dynamic black level, lens shading, listed defective pixels, a
// per-channel noise profile, dual-illuminant colour, BaselineExposure and
// DefaultCrop, a moving object. It merges like the same burst without them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/bayer_planes.h"
#include "core/buffer_copy.h"
#include "nightburst/pipeline.h"
#include "stages/defective_pixels.h"
#include "stages/lens_shading.h"
#include "test_util.h"

namespace nb {
namespace {

constexpr int kBorder = 16;

struct PhoneMeasures {
  double gain_db = 0;                    // merged over the reference frame, both repaired and shaded
  double object_reference = 0, object_merged = 0;  // PSNR where the object is in the reference
  double ghost_reference = 0, ghost_merged = 0;    // where it is only in other frames
  int hot_left = 0;  // hot or stuck pixels more than 10 merged sigmas above the truth
};

PhoneMeasures measure(const SynthBurst& b) {
  const ProcessResult r = testing::process_from_first_frame(b.frames);
  const RawMetadata& meta = b.frames[0].meta;
  const Halide::Runtime::Buffer<float, 2> merged = with_gain_maps(meta.gain_maps, meta.cfa, r.merged);
  RawFrame reference = b.frames[0];
  reference.mosaic = owned_copy(reference.mosaic);
  repair_listed_defects(&reference);
  Halide::Runtime::Buffer<float, 2> single = normalised_mosaic(reference);
  apply_gain_maps(meta.gain_maps, meta.cfa, &single);
  // The shading gain of each pixel, to judge the unshaded merge in its own noise.
  Halide::Runtime::Buffer<float, 2> gain(merged.width(), merged.height());
  gain.fill(1.0f);
  apply_gain_maps(meta.gain_maps, meta.cfa, &gain);
  PhoneMeasures m;
  m.gain_db = mosaic_psnr(merged, b.clean_mosaic, nullptr, 0, kBorder) -
              mosaic_psnr(single, b.clean_mosaic, nullptr, 0, kBorder);
  m.object_reference = mosaic_psnr(single, b.clean_mosaic, &b.object_mask, 1, kBorder);
  m.object_merged = mosaic_psnr(merged, b.clean_mosaic, &b.object_mask, 1, kBorder);
  m.ghost_reference = mosaic_psnr(single, b.clean_mosaic, &b.object_mask, 2, kBorder);
  m.ghost_merged = mosaic_psnr(merged, b.clean_mosaic, &b.object_mask, 2, kBorder);
  for (int y = kBorder; y < merged.height() - kBorder; ++y)
    for (int x = kBorder; x < merged.width() - kBorder; ++x) {
      const int defect = b.defect_mask.data() ? b.defect_mask(x, y) : 0;
      if (defect != 1 && defect != 3) continue;
      const double truth = b.clean_mosaic(x, y) / gain(x, y);
      const double sigma = std::sqrt(r.merged_meta.noise.variance(cfa_index(x, y), truth));
      if (r.merged(x, y) - truth > 10 * sigma) ++m.hot_left;
    }
  return m;
}

TEST(PhoneBurst, AllArtefactsAtOnceMergeLikeNone) {
  SynthOptions o = testing::small_options(51);
  o.width = 512;
  o.height = 384;
  o.white_level = 1023;  // a 10-bit phone sensor
  o.black_level = 64;
  o.moving_object = true;
  const PhoneMeasures plain = measure(testing::make_burst(o));
  o.black_level_jitter = 2;
  o.vignette_stops = 1.5;
  o.defective_pixels = 300;
  o.stuck_columns = 8;
  o.list_defects = true;
  o.channel_noise_gain = {1.3, 1.0, 1.6};  // per-channel NoiseProfile
  o.dual_illuminant = true;                // ColorMatrix1/2, ForwardMatrix1/2
  o.baseline_exposure = 0.5;
  o.crop_margin = 8;
  const PhoneMeasures all = measure(testing::make_burst(o));
  std::printf("phone burst: merge gain %.2f dB without artefacts, %.2f dB with all; hot pixels left %d; object "
              "%.2f -> %.2f dB, ghost zone %.2f -> %.2f dB\n",
              plain.gain_db, all.gain_db, all.hot_left, all.object_reference, all.object_merged,
              all.ghost_reference, all.ghost_merged);
  EXPECT_NEAR(all.gain_db, plain.gain_db, 1.0);
  EXPECT_EQ(all.hot_left, 0);
  EXPECT_GE(all.object_merged, all.object_reference - 0.5);
  EXPECT_GE(all.ghost_merged, all.ghost_reference - 0.5);
}

}  // namespace
}  // namespace nb
