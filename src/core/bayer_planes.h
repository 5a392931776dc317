// Views of a Bayer mosaic used by several stages: the 2x2-binned grayscale
// (HDR+ aligns on it) and per-position planes of normalised values.
#pragma once

#include <HalideBuffer.h>

#include "nightburst/raw_frame.h"

namespace nb {

// 2x2-binned grayscale: mean of the four normalised samples of each CFA tile,
// size (width/2, height/2). One plane pixel = 2 sensor pixels.
Halide::Runtime::Buffer<float, 2> binned_gray(const RawFrame& frame);

// The same with each normalised sample divided by `divide_by` and then
// clamped at `clip_level` before the mean: a bracket's frames in the
// reference's scale, clipped alike (exposure_bracket.h).
Halide::Runtime::Buffer<float, 2> binned_gray(const RawFrame& frame, double divide_by, float clip_level);

// One row of binned_gray(frame), computed as it is: row y of width / 2
// values into `out`, for a caller that reads the binned frame once, row by
// row, and need not hold it.
class BinnedGrayRows {
 public:
  explicit BinnedGrayRows(const RawFrame& frame);
  int width() const { return width_; }
  int height() const { return height_; }
  void row(int y, float* out) const;

 private:
  const RawFrame& frame_;
  int width_, height_;
  float scale_[4], offset_ = 0;
};

// The whole mosaic normalised to [0, 1] per CFA position (black subtracted,
// divided by white - black); values may be slightly negative from noise.
Halide::Runtime::Buffer<float, 2> normalised_mosaic(const RawFrame& frame);

}  // namespace nb
