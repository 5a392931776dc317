// Reference frame choice by gradient energy (HDR+ sec. 4).
#include "stages/reference_select.h"

#include <algorithm>

#include "core/bayer_planes.h"
#include "stages/exposure_bracket.h"

namespace nb {

double frame_sharpness(const RawFrame& frame) {
  Halide::Runtime::Buffer<float, 2> g = binned_gray(frame);
  double energy = 0, level = 0;
  int w = g.width(), h = g.height();
  for (int y = 0; y + 1 < h; ++y) {
    for (int x = 0; x + 1 < w; ++x) {
      double gx = g(x + 1, y) - g(x, y), gy = g(x, y + 1) - g(x, y);
      energy += gx * gx + gy * gy;
      level += g(x, y);
    }
  }
  double mean = std::max(level / (double(w - 1) * (h - 1)), 1e-6);
  return energy / (double(w - 1) * (h - 1)) / (mean * mean);
}

int select_reference(const std::vector<RawFrame>& frames, int candidates) {
  int n = std::min<int>(candidates, int(frames.size()));
  // In a bracket, only the shortest exposures: the merged result is in the
  // reference's scale and keeps what the reference did not clip.
  int shortest = 0;
  for (int i = 1; i < n; ++i)
    if (exposure_product(frames[i].meta) < exposure_product(frames[shortest].meta)) shortest = i;
  int best = 0;
  double best_sharpness = -1;
  for (int i = 0; i < n; ++i) {
    if (exposure_ratio(frames[shortest].meta, frames[i].meta) != 1) continue;
    double s = frame_sharpness(frames[i]);
    if (s > best_sharpness) {
      best_sharpness = s;
      best = i;
    }
  }
  return best;
}

}  // namespace nb
