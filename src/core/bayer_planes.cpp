// Views of a Bayer mosaic used by several stages.
#include "core/bayer_planes.h"

#include <algorithm>

#include "core/parallel_rows.h"

namespace nb {

Halide::Runtime::Buffer<float, 2> binned_gray(const RawFrame& frame) {
  const RawMetadata& m = frame.meta;
  int w = m.width / 2, h = m.height / 2;
  float scale[4];
  for (int i = 0; i < 4; ++i) scale[i] = 0.25f / (m.white_level - m.black_level[i]);
  float offset = 0;
  for (int i = 0; i < 4; ++i) offset += m.black_level[i] * scale[i];
  Halide::Runtime::Buffer<float, 2> out(w, h);
  parallel_rows(h, 32, [&](int y) {
    const uint16_t* r0 = &frame.mosaic(0, 2 * y);
    const uint16_t* r1 = &frame.mosaic(0, 2 * y + 1);
    float* o = &out(0, y);
    for (int x = 0; x < w; ++x) {
      o[x] = r0[2 * x] * scale[0] + r0[2 * x + 1] * scale[1] + r1[2 * x] * scale[2] +
             r1[2 * x + 1] * scale[3] - offset;
    }
  });
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
