// Chroma denoise and sharpening, measured: chroma noise against the clean
// rendering of the same scene, and halos at a hard edge.
#include <gtest/gtest.h>

#include <cmath>

#include "stages/finish_basic.h"
#include "stages/finish_detail.h"
#include "stages/white_balance.h"
#include "test_util.h"

namespace nb {
namespace {

struct YCbCrError {
  double luma_rms = 0, chroma_rms = 0;
};

// RMS difference in display-referred luma and chroma, 8-pixel border left out.
YCbCrError difference(const Halide::Runtime::Buffer<uint16_t, 3>& a, const Halide::Runtime::Buffer<uint16_t, 3>& b) {
  double sl = 0, sc = 0;
  int64_t n = 0;
  for (int y = 8; y < a.height() - 8; ++y)
    for (int x = 8; x < a.width() - 8; ++x) {
      float pa[3], pb[3];
      for (int c = 0; c < 3; ++c) {
        pa[c] = a(x, y, c) / 65535.0f;
        pb[c] = b(x, y, c) / 65535.0f;
      }
      float la = detail::luma(pa), lb = detail::luma(pb);
      sl += (la - lb) * (la - lb);
      sc += std::pow((pa[2] - la) - (pb[2] - lb), 2) + std::pow((pa[0] - la) - (pb[0] - lb), 2);
      ++n;
    }
  return {std::sqrt(sl / n), std::sqrt(sc / (2 * n))};
}

TEST(FinishDetailTest, ChromaDenoiseRemovesColourNoise) {
  SynthOptions o = testing::small_options(71);
  o.frames = 1;
  o.shot_noise = 0.002;  // about what a merge of 8 night frames leaves
  SynthBurst b = testing::make_burst(o);
  const RawMetadata& meta = b.frames[0].meta;
  Halide::Runtime::Buffer<float, 2> noisy(meta.width, meta.height);
  noisy.for_each_element([&](int x, int y) {
    int i = cfa_index(x, y);
    noisy(x, y) = (b.frames[0].mosaic(x, y) - meta.black_level[i]) / (meta.white_level - meta.black_level[i]);
  });
  FinishParams p = finish_params_for(meta, b.illuminant_rgb);
  p.exposure_gain = 2.5f;
  p.sharpen = 0;
  Halide::Runtime::Buffer<uint16_t, 3> clean, off, on;
  p.chroma_denoise = 0;
  ASSERT_TRUE(finish_basic(b.clean_mosaic, p, &clean).ok());
  ASSERT_TRUE(finish_basic(noisy, p, &off).ok());
  p.chroma_denoise = 1;
  ASSERT_TRUE(finish_basic(noisy, p, &on).ok());
  YCbCrError e_off = difference(off, clean), e_on = difference(on, clean);
  std::printf("chroma RMS error %.4f -> %.4f, luma %.4f -> %.4f\n", e_off.chroma_rms, e_on.chroma_rms, e_off.luma_rms,
              e_on.luma_rms);
  EXPECT_LT(e_on.chroma_rms, 0.6 * e_off.chroma_rms);
  EXPECT_LE(e_on.luma_rms, e_off.luma_rms + 1e-4);  // luma not made worse (only clipping touches it)
}

TEST(FinishDetailTest, SharpeningSteepensEdgesWithoutHalos) {
  // A blurred vertical grey edge, 0.1 to 0.4, in a flat mosaic.
  const int w = 64, h = 16;
  Halide::Runtime::Buffer<float, 2> mosaic(w, h);
  mosaic.for_each_element([&](int x, int y) { mosaic(x, y) = 0.1f + 0.3f / (1 + std::exp(-(x - 32.0f) / 1.2f)); });
  FinishParams p;
  p.chroma_denoise = 0;
  Halide::Runtime::Buffer<uint16_t, 3> soft, sharp;
  p.sharpen = 0;
  ASSERT_TRUE(finish_basic(mosaic, p, &soft).ok());
  p.sharpen = 1.5f;
  ASSERT_TRUE(finish_basic(mosaic, p, &sharp).ok());
  const int y = h / 2;
  int max_step_soft = 0, max_step_sharp = 0;
  for (int x = 1; x < w; ++x) {
    max_step_soft = std::max(max_step_soft, int(soft(x, y, 1)) - int(soft(x - 1, y, 1)));
    max_step_sharp = std::max(max_step_sharp, int(sharp(x, y, 1)) - int(sharp(x - 1, y, 1)));
  }
  // Halo: no value outside the range of the soft edge's plateaus.
  int overshoot = 0;
  for (int x = 0; x < w; ++x)
    overshoot = std::max({overshoot, int(sharp(x, y, 1)) - int(soft(w - 1, y, 1)), int(soft(0, y, 1)) - int(sharp(x, y, 1))});
  std::printf("steepest step %d -> %d (16-bit), overshoot %d\n", max_step_soft, max_step_sharp, overshoot);
  EXPECT_GT(max_step_sharp, max_step_soft * 21 / 20);  // measured +10% at amount 1.5: the halo clamp bounds it
  EXPECT_LE(overshoot, 1);
}

}  // namespace
}  // namespace nb
