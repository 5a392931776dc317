// Robust temporal average of aligned frames, weighted by difference against the noise level.
#include "stages/merge_average.h"

#include <algorithm>
#include <cmath>

#include "core/bayer_planes.h"
#include "core/catmull_rom.h"

namespace nb {
namespace {

using Plane = Halide::Runtime::Buffer<float, 2>;

// Mean over the 3x3 same-colour neighbourhood (steps of 2), clamped at borders.
Plane same_color_box3(const Plane& in) {
  int w = in.width(), h = in.height();
  Plane tmp(w, h), out(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int xl = x - 2 >= 0 ? x - 2 : x, xr = x + 2 < w ? x + 2 : x;
      tmp(x, y) = (in(xl, y) + in(x, y) + in(xr, y)) * (1.0f / 3);
    }
  for (int y = 0; y < h; ++y) {
    int yu = y - 2 >= 0 ? y - 2 : y, yd = y + 2 < h ? y + 2 : y;
    for (int x = 0; x < w; ++x) out(x, y) = (tmp(x, yu) + tmp(x, y) + tmp(x, yd)) * (1.0f / 3);
  }
  return out;
}

// Catmull-Rom interpolation of `plane` (one CFA position: samples at
// 2*i + ox, 2*j + oy of `mosaic`) at fractional plane position (px, py).
// NaN when the 4x4 support leaves the frame.
float sample_plane_cubic(const Plane& mosaic, int ox, int oy, double px, double py) {
  int ix = int(std::floor(px)), iy = int(std::floor(py));
  int pw = mosaic.width() / 2, ph = mosaic.height() / 2;
  if (ix - 1 < 0 || iy - 1 < 0 || ix + 2 >= pw || iy + 2 >= ph) return NAN;
  float tx = float(px - ix), ty = float(py - iy);
  float wx[4], wy[4];
  catmull_rom_weights(tx, wx);
  catmull_rom_weights(ty, wy);
  float sum = 0;
  for (int j = 0; j < 4; ++j) {
    const float* row = &mosaic(0, 2 * (iy - 1 + j) + oy);
    float r = 0;
    for (int i = 0; i < 4; ++i) r += wx[i] * row[2 * (ix - 1 + i) + ox];
    sum += wy[j] * r;
  }
  return sum;
}

// A frame that contributes less than this on average (a different scene, a
// failed alignment) is reported as rejected.
constexpr float kRejectedBelowWeight = 0.1f;

}  // namespace

Status merge_robust_average(const std::vector<RawFrame>& frames, int reference,
                            const std::vector<AlignmentField>& fields, const NoiseProfile& noise,
                            const RobustAverageParams& params, Plane* merged,
                            RobustAverageStats* stats) {
  if (reference < 0 || reference >= int(frames.size()) || fields.size() != frames.size())
    return invalid_argument("merge: reference index or alignment count does not match the burst");
  const RawFrame& ref_frame = frames[reference];
  int w = ref_frame.meta.width, h = ref_frame.meta.height;
  Plane ref = normalised_mosaic(ref_frame);
  Plane ref_smooth = same_color_box3(ref);
  Plane acc(w, h), weight_sum(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      acc(x, y) = ref(x, y);
      weight_sum(x, y) = 1.0f;
    }
  stats->mean_weight.assign(frames.size(), 0.0f);
  stats->rejected.assign(frames.size(), false);
  stats->mean_weight[reference] = 1.0f;

  Plane diff(w, h);
  Plane alt_shifted(w, h);
  for (size_t k = 0; k < frames.size(); ++k) {
    if (int(k) == reference) continue;
    const AlignmentField& f = fields[k];
    Plane alt = normalised_mosaic(frames[k]);
    // Resample each CFA plane at the sub-pixel displaced position, so the
    // CFA phase is kept and sub-pixel motion does not blur edges.
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        int tx, ty;
        f.nearest_tile(x / 2, y / 2, &tx, &ty);
        // Low confidence marks flat tiles (any displacement fits them), so it
        // does not exclude a tile; the per-pixel weights below catch real failures.
        float a = sample_plane_cubic(alt, x & 1, y & 1, x / 2 + f.displacement(tx, ty, 0),
                                     y / 2 + f.displacement(tx, ty, 1));
        alt_shifted(x, y) = a;
        diff(x, y) = std::isnan(a) ? 0.0f : a - ref(x, y);
      }
    }
    Plane diff_smooth = same_color_box3(diff);
    double weight_total = 0;
    float k2 = params.rejection_sigmas * params.rejection_sigmas;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        float a = alt_shifted(x, y);
        if (std::isnan(a)) continue;
        // Variance of a 9-sample mean of the difference of two noisy frames.
        float var = float(noise.variance(cfa_index(x, y), ref_smooth(x, y))) * (2.0f / 9.0f);
        float z2 = diff_smooth(x, y) * diff_smooth(x, y) / std::max(var, 1e-12f);
        float wgt = std::max(0.0f, 1.0f - z2 / k2);
        acc(x, y) += wgt * a;
        weight_sum(x, y) += wgt;
        weight_total += wgt;
      }
    }
    stats->mean_weight[k] = float(weight_total / (double(w) * h));
    stats->rejected[k] = stats->mean_weight[k] < kRejectedBelowWeight;
  }
  *merged = Plane(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) (*merged)(x, y) = acc(x, y) / weight_sum(x, y);
  return Status();
}

}  // namespace nb
