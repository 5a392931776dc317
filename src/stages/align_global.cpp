// Global-translation alignment, coarse to fine on a box pyramid of the binned grayscale.
#include "stages/align_global.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/bayer_planes.h"

namespace nb {
namespace {

using Plane = Halide::Runtime::Buffer<float, 2>;

Plane downsample2(const Plane& in) {
  Plane out(in.width() / 2, in.height() / 2);
  for (int y = 0; y < out.height(); ++y)
    for (int x = 0; x < out.width(); ++x)
      out(x, y) = 0.25f * (in(2 * x, 2 * y) + in(2 * x + 1, 2 * y) + in(2 * x, 2 * y + 1) +
                           in(2 * x + 1, 2 * y + 1));
  return out;
}

std::vector<Plane> pyramid(Plane base, int min_side) {
  std::vector<Plane> levels{std::move(base)};
  while (std::min(levels.back().width(), levels.back().height()) / 2 >= min_side)
    levels.push_back(downsample2(levels.back()));
  return levels;
}

// Mean absolute difference between ref(x, y) and alt(x + dx, y + dy) over the
// overlap, skipping a margin so every shift compares the same central area.
double mean_abs_difference(const Plane& ref, const Plane& alt, int dx, int dy, int margin) {
  int x0 = margin, y0 = margin, x1 = ref.width() - margin, y1 = ref.height() - margin;
  if (x1 <= x0 || y1 <= y0) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (int y = y0; y < y1; ++y) {
    int ay = std::clamp(y + dy, 0, alt.height() - 1);
    for (int x = x0; x < x1; ++x) {
      int ax = std::clamp(x + dx, 0, alt.width() - 1);
      sum += std::abs(ref(x, y) - alt(ax, ay));
    }
  }
  return sum / (double(x1 - x0) * (y1 - y0));
}

double mean_squared_difference(const Plane& ref, const Plane& alt, int dx, int dy, int margin) {
  int x0 = margin, y0 = margin, x1 = ref.width() - margin, y1 = ref.height() - margin;
  if (x1 <= x0 || y1 <= y0) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (int y = y0; y < y1; ++y) {
    int ay = std::clamp(y + dy, 0, alt.height() - 1);
    for (int x = x0; x < x1; ++x) {
      double d = ref(x, y) - alt(std::clamp(x + dx, 0, alt.width() - 1), ay);
      sum += d * d;
    }
  }
  return sum / (double(x1 - x0) * (y1 - y0));
}

}  // namespace

AlignmentField align_global(const Plane& reference_gray, const RawFrame& frame,
                            const GlobalAlignParams& params) {
  std::vector<Plane> ref = pyramid(reference_gray, params.min_level_side);
  std::vector<Plane> alt = pyramid(binned_gray(frame), params.min_level_side);
  int dx = 0, dy = 0;
  double best = 0, unshifted = 0;
  for (int level = int(ref.size()) - 1; level >= 0; --level) {
    int radius = level == int(ref.size()) - 1 ? params.coarse_radius : 1;
    int margin = radius + (1 << 1);
    if (level != int(ref.size()) - 1) {
      dx *= 2;
      dy *= 2;
    }
    int cx = dx, cy = dy;
    best = std::numeric_limits<double>::infinity();
    for (int sy = -radius; sy <= radius; ++sy) {
      for (int sx = -radius; sx <= radius; ++sx) {
        double d = mean_abs_difference(ref[level], alt[level], cx + sx, cy + sy,
                                       margin + std::max(std::abs(cx), std::abs(cy)));
        if (d < best) {
          best = d;
          dx = cx + sx;
          dy = cy + sy;
        }
      }
    }
    if (level == 0) unshifted = mean_abs_difference(ref[0], alt[0], 0, 0, margin + std::max(std::abs(dx), std::abs(dy)));
  }
  // Sub-pixel: a parabola through the L2 costs of the neighbours on each axis.
  int margin = 3 + std::max(std::abs(dx), std::abs(dy));
  auto cost = [&](int sx, int sy) { return mean_squared_difference(ref[0], alt[0], dx + sx, dy + sy, margin); };
  double c0 = cost(0, 0);
  auto vertex = [](double minus, double centre, double plus) {
    double curvature = minus - 2 * centre + plus;
    return curvature > 0 ? std::clamp(0.5 * (minus - plus) / curvature, -0.5, 0.5) : 0.0;
  };
  double sub_x = vertex(cost(-1, 0), c0, cost(1, 0));
  double sub_y = vertex(cost(0, -1), c0, cost(0, 1));
  int pw = reference_gray.width(), ph = reference_gray.height();
  AlignmentField field = AlignmentField::zero(pw, ph, std::max(pw, ph));
  field.displacement(0, 0, 0) = float(dx + sub_x);
  field.displacement(0, 0, 1) = float(dy + sub_y);
  // A shift that barely beats no shift in a textureless frame is a guess.
  field.confidence(0, 0) = (dx == 0 && dy == 0) || best < 0.98 * unshifted ? 1.0f : 0.0f;
  return field;
}

}  // namespace nb
