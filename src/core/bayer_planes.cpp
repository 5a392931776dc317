// Views of a Bayer mosaic used by several stages.
#include "core/bayer_planes.h"

#include <algorithm>

#include "core/parallel_rows.h"

namespace nb {

BinnedGrayRows::BinnedGrayRows(const RawFrame& frame)
    : frame_(frame), width_(frame.meta.width / 2), height_(frame.meta.height / 2) {
  const RawMetadata& m = frame.meta;
  for (int i = 0; i < 4; ++i) scale_[i] = 0.25f / (m.white_level - m.black_level[i]);
  for (int i = 0; i < 4; ++i) offset_ += m.black_level[i] * scale_[i];
}

void BinnedGrayRows::row(int y, float* out) const {
  const uint16_t* r0 = &frame_.mosaic(0, 2 * y);
  const uint16_t* r1 = &frame_.mosaic(0, 2 * y + 1);
  // Locals: stores through `out` might otherwise alias the members.
  const float s0 = scale_[0], s1 = scale_[1], s2 = scale_[2], s3 = scale_[3], offset = offset_;
  const int w = width_;
  for (int x = 0; x < w; ++x) out[x] = r0[2 * x] * s0 + r0[2 * x + 1] * s1 + r1[2 * x] * s2 + r1[2 * x + 1] * s3 - offset;
}

Halide::Runtime::Buffer<float, 2> binned_gray(const RawFrame& frame) {
  const BinnedGrayRows rows(frame);
  Halide::Runtime::Buffer<float, 2> out(rows.width(), rows.height());
  parallel_rows(rows.height(), 32, [&](int y) { rows.row(y, &out(0, y)); });
  return out;
}

Halide::Runtime::Buffer<float, 2> binned_gray(const RawFrame& frame, double divide_by, float clip_level) {
  const RawMetadata& m = frame.meta;
  int w = m.width / 2, h = m.height / 2;
  float scale[4], black[4];
  for (int i = 0; i < 4; ++i) {
    scale[i] = float(1.0 / ((double(m.white_level) - m.black_level[i]) * divide_by));
    black[i] = m.black_level[i];
  }
  Halide::Runtime::Buffer<float, 2> out(w, h);
  parallel_rows(h, 32, [&](int y) {
    const uint16_t* r0 = &frame.mosaic(0, 2 * y);
    const uint16_t* r1 = &frame.mosaic(0, 2 * y + 1);
    float* o = &out(0, y);
    for (int x = 0; x < w; ++x) {
      o[x] = 0.25f * (std::min((r0[2 * x] - black[0]) * scale[0], clip_level) +
                      std::min((r0[2 * x + 1] - black[1]) * scale[1], clip_level) +
                      std::min((r1[2 * x] - black[2]) * scale[2], clip_level) +
                      std::min((r1[2 * x + 1] - black[3]) * scale[3], clip_level));
    }
  });
  return out;
}

Halide::Runtime::Buffer<float, 2> normalised_mosaic(const RawFrame& frame) {
  const RawMetadata& m = frame.meta;
  Halide::Runtime::Buffer<float, 2> out(m.width, m.height);
  float scale[4];
  for (int i = 0; i < 4; ++i) scale[i] = 1.0f / (m.white_level - m.black_level[i]);
  for (int y = 0; y < m.height; ++y) {
    const uint16_t* in = &frame.mosaic(0, y);
    float* o = &out(0, y);
    for (int x = 0; x < m.width; ++x) {
      int i = cfa_index(x, y);
      o[x] = (in[x] - m.black_level[i]) * scale[i];
    }
  }
  return out;
}

}  // namespace nb
