// Reference frame choice by gradient energy (HDR+ sec. 4).
#include "stages/reference_select.h"

#include <algorithm>
#include <vector>

#include "core/bayer_planes.h"
#include "core/parallel_rows.h"
#include "stages/exposure_bracket.h"

namespace nb {

double frame_sharpness(const RawFrame& frame) {
  // The binned frame row by row, never held: each task bins its rows (and
  // the one below its last) as it goes. Per-row sums in parallel, added in
  // row order: the same value on any number of threads.
  const BinnedGrayRows binned(frame);
  const int w = binned.width(), h = binned.height();
  std::vector<double> row_energy(size_t(std::max(0, h - 1))), row_level(row_energy.size());
  constexpr int kRowsPerTask = 32;
  const int tasks = (int(row_energy.size()) + kRowsPerTask - 1) / kRowsPerTask;
  parallel_rows(tasks, 1, [&](int task) {
    const int y0 = task * kRowsPerTask, y1 = std::min(y0 + kRowsPerTask, h - 1);
    std::vector<float> above(static_cast<size_t>(w)), below(static_cast<size_t>(w));
    binned.row(y0, above.data());
    for (int y = y0; y < y1; ++y) {
      binned.row(y + 1, below.data());
      const float* g = above.data();
      const float* g_down = below.data();
      double energy = 0, level = 0;
      for (int x = 0; x + 1 < w; ++x) {
        double gx = g[x + 1] - g[x], gy = g_down[x] - g[x];
        energy += gx * gx + gy * gy;
        level += g[x];
      }
      row_energy[size_t(y)] = energy;
      row_level[size_t(y)] = level;
      std::swap(above, below);
    }
  });
  double energy = 0, level = 0;
  for (size_t y = 0; y < row_energy.size(); ++y) {
    energy += row_energy[y];
    level += row_level[y];
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
