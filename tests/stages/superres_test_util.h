// Helpers of the Super Res Zoom tests: the stage run on a synthetic burst,
// the HDR+ baselines, colour PSNR against the ground truth.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "core/catmull_rom.h"
#include "nightburst/pipeline.h"
#include "stages/align_tiles.h"
#include "stages/demosaic.h"
#include "stages/merge_wiener.h"
#include "stages/superres.h"
#include "test_util.h"

namespace nb::testing {

using Rgb = Halide::Runtime::Buffer<float, 3>;

// PSNR (peak 1) of linear camera RGB against the truth, `border` pixels
// (of the truth's grid) left out on each side; with a mask, only where it is 2
// (where the moving object is in other frames but not in the reference).
inline double rgb_psnr(const Rgb& test, const Rgb& truth, int border,
                const Halide::Runtime::Buffer<uint8_t, 2>* mask = nullptr) {
  double se = 0;
  int64_t n = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = border; y < truth.height() - border; ++y)
      for (int x = border; x < truth.width() - border; ++x) {
        double d = std::clamp(double(test(x, y, c)), 0.0, 1.0) - truth(x, y, c);
        if (mask && (*mask)(x, y) != 2) continue;
        se += d * d;
        ++n;
      }
  return 10 * std::log10(double(n) / se);
}

// The burst through tile alignment and Super Res Zoom.
inline Rgb super_resolve(const SynthBurst& burst, const SuperResParams& params, Implementation implementation,
                  std::vector<float>* robustness = nullptr) {
  std::vector<AlignmentField> fields;
  EXPECT_TRUE(align_burst(burst.frames, burst.reference, burst.noise, TileAlignParams(), Implementation::kHalide,
                          &fields).ok());
  std::unique_ptr<SuperResMerger> merger;
  EXPECT_TRUE(SuperResMerger::create(burst.frames[burst.reference], burst.noise, params, implementation, &merger).ok());
  for (size_t i = 0; i < burst.frames.size(); ++i) {
    if (int(i) == burst.reference) continue;
    float mean = 0;
    EXPECT_TRUE(merger->add(burst.frames[i], fields[i], &mean).ok());
    if (robustness) robustness->push_back(mean);
  }
  Rgb rgb;
  double effective = 0;
  EXPECT_TRUE(merger->finish(&rgb, &effective).ok());
  return rgb;
}

// Super Res Zoom with the robustness left out: every frame's samples
// accumulated with weight 1 (what ghosts look like).
inline Rgb accumulate_everything(const SynthBurst& burst, const SuperResParams& params) {
  std::vector<AlignmentField> fields;
  EXPECT_TRUE(align_burst(burst.frames, burst.reference, burst.noise, TileAlignParams(), Implementation::kHalide,
                          &fields).ok());
  const RawMetadata& meta = burst.frames[0].meta;
  Halide::Runtime::Buffer<float, 3> sums = superres_sums(meta, params.scale);
  Halide::Runtime::Buffer<float, 2> ones(meta.width / 2, meta.height / 2);
  testing::fill_dense(ones, 1.0f);
  for (size_t i = 0; i < burst.frames.size(); ++i) {
    const AlignmentField field = regularise_field(fields[i], kReliableConfidence, params.max_deviation_px);
    EXPECT_TRUE(superres_accumulate(burst.frames[i], field, ones, burst.noise, params, &sums).ok());
  }
  return superres_rgb(sums);
}

// The HDR+ merge of the burst (normalised mosaic).
inline Halide::Runtime::Buffer<float, 2> hdrplus_merge(const SynthBurst& burst) {
  std::vector<AlignmentField> fields;
  EXPECT_TRUE(align_burst(burst.frames, burst.reference, burst.noise, TileAlignParams(), Implementation::kHalide,
                          &fields).ok());
  Halide::Runtime::Buffer<float, 2> merged;
  MergeStats stats;
  EXPECT_TRUE(merge_wiener(burst.frames, burst.reference, fields, burst.noise, WienerMergeParams(),
                           Implementation::kHalide, &merged, &stats).ok());
  return merged;
}

// The HDR+ pipeline's RGB: the merge, then Malvar-He-Cutler demosaicing.
inline Rgb merge_and_demosaic(const SynthBurst& burst) {
  return demosaic_reference(hdrplus_merge(burst), burst.frames[0].meta.cfa);
}

// Bicubic (Catmull-Rom) resampling of `rgb` to width x height, pixel centres aligned.
inline Rgb upscale_bicubic(const Rgb& rgb, int width, int height) {
  Rgb out(width, height, 3);
  const float sx = float(rgb.width()) / width, sy = float(rgb.height()) / height;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        float fx = (x + 0.5f) * sx - 0.5f, fy = (y + 0.5f) * sy - 0.5f;
        int x0 = int(std::floor(fx)), y0 = int(std::floor(fy));
        float wx[4], wy[4];
        catmull_rom_weights(fx - x0, wx);
        catmull_rom_weights(fy - y0, wy);
        float sum = 0;
        for (int j = 0; j < 4; ++j)
          for (int i = 0; i < 4; ++i)
            sum += wx[i] * wy[j] *
                   rgb(std::clamp(x0 - 1 + i, 0, rgb.width() - 1), std::clamp(y0 - 1 + j, 0, rgb.height() - 1), c);
        out(x, y, c) = sum;
      }
  return out;
}

// High-detail content: the night scene drawn at twice the sensor's
// resolution (sharp windows, bars, a Siemens star, a colour chart) with
// little optical blur, hand-held motion, low noise.
inline SynthOptions detailed_burst(double truth_scale, uint64_t seed) {
  SynthOptions o = small_options(seed);  // 384 wide, 8 frames
  o.height = 288;
  o.scene_oversample = 2;
  o.truth_scale = truth_scale;
  o.scene_mean = 0.15;
  o.shot_noise = 2e-4;
  o.read_noise = 1e-6;
  o.optical_blur_px = 0.5;
  return o;
}

}  // namespace nb::testing
