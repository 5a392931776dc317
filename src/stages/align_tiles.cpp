// HDR+ tile alignment, plain C++ reference (readable loops, no Halide).
#include "stages/align_tiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nb {
namespace {

using Plane = Halide::Runtime::Buffer<float, 2>;

// Binomial [1 4 6 4 1]/16 blur with clamped borders, then keep every second pixel.
Plane blur_decimate2(const Plane& in) {
  const float k[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
  int w = in.width(), h = in.height(), ow = w / 2, oh = h / 2;
  Plane rows(ow, h), out(ow, oh);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      float s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * in(std::clamp(2 * x + i, 0, w - 1), y);
      rows(x, y) = s;
    }
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      float s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * rows(x, std::clamp(2 * y + i, 0, h - 1));
      out(x, y) = s;
    }
  return out;
}

int tile_count(int extent, int tile, int stride) { return std::max(1, (extent - tile) / stride + 1); }

// Sum over the tile at (x0, y0) of |ref - alt shifted by (dx, dy)|^p, p = 1 or 2;
// alternate samples outside the frame repeat its edge.
double tile_distance(const Plane& ref, const Plane& alt, int x0, int y0, int tile, int dx, int dy, bool l1) {
  double sum = 0;
  for (int y = y0; y < y0 + tile; ++y) {
    int ry = std::clamp(y, 0, ref.height() - 1);
    int ay = std::clamp(y + dy, 0, alt.height() - 1);
    for (int x = x0; x < x0 + tile; ++x) {
      double d = ref(std::clamp(x, 0, ref.width() - 1), ry) - alt(std::clamp(x + dx, 0, alt.width() - 1), ay);
      sum += l1 ? std::abs(d) : d * d;
    }
  }
  return sum;
}

struct LevelField {
  int tiles_x = 0, tiles_y = 0, tile = 0, stride = 0;
  std::vector<int> dx, dy;
  int at(int tx, int ty) const { return ty * tiles_x + tx; }
};

// Curvature must exceed this many noise spreads before it counts as texture.
constexpr double kCurvatureSigmas = 4.0;

}  // namespace

GrayPyramid build_gray_pyramid(const Plane& binned_gray) {
  GrayPyramid p{binned_gray};
  for (int level = 1; level < kTileAlignLevels; ++level) {
    Plane next = p.back();
    for (int f = kTileAlignFactors[level]; f > 1; f /= 2) next = blur_decimate2(next);
    p.push_back(next);
  }
  return p;
}

void quadratic_subpixel(const double c[3][3], double* ox, double* oy, double* min_curvature) {
  // Least-squares fit of f(x, y) = a x^2 + b y^2 + e xy + d x + g y + k on the
  // 3x3 grid x, y in {-1, 0, 1}. On this symmetric grid the normal equations
  // decouple into the closed forms below.
  double sum = 0, sx2 = 0, sy2 = 0, sxy = 0, sx = 0, sy = 0;
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i) {
      double v = c[j + 1][i + 1];
      sum += v;
      sx2 += v * i * i;
      sy2 += v * j * j;
      sxy += v * i * j;
      sx += v * i;
      sy += v * j;
    }
  double a = sx2 / 2 - sum / 3;  // from sum(x^2 f) = 6a + 4b + 6k and the others
  double b = sy2 / 2 - sum / 3;
  double e = sxy / 4;
  double d = sx / 6;
  double g = sy / 6;
  // Hessian [[2a, e], [e, 2b]].
  double h11 = 2 * a, h22 = 2 * b, h12 = e;
  double det = h11 * h22 - h12 * h12;
  double trace_half = (h11 + h22) / 2;
  double disc = std::sqrt(std::max(0.0, trace_half * trace_half - det));
  *min_curvature = trace_half - disc;
  if (det <= 0 || h11 <= 0) {
    *ox = *oy = 0;
    return;
  }
  // Minimum where the gradient [2a x + e y + d, e x + 2b y + g] vanishes.
  *ox = std::clamp((-d * h22 + g * h12) / det, -1.0, 1.0);
  *oy = std::clamp((-g * h11 + d * h12) / det, -1.0, 1.0);
}

AlignmentField align_tiles_reference(const GrayPyramid& ref, const GrayPyramid& alt, const NoiseProfile& noise,
                                     const TileAlignParams& params) {
  LevelField coarse;
  for (int level = kTileAlignLevels - 1; level >= 0; --level) {
    const Plane &r = ref[level], &a = alt[level];
    LevelField f;
    f.tile = params.tile_size[level];
    f.stride = f.tile / 2;
    f.tiles_x = tile_count(r.width(), f.tile, f.stride);
    f.tiles_y = tile_count(r.height(), f.tile, f.stride);
    f.dx.assign(f.tiles_x * f.tiles_y, 0);
    f.dy.assign(f.tiles_x * f.tiles_y, 0);
    const bool l1 = level == 0;
    const int radius = params.search_radius[level];
    for (int ty = 0; ty < f.tiles_y; ++ty)
      for (int tx = 0; tx < f.tiles_x; ++tx) {
        int x0 = tx * f.stride, y0 = ty * f.stride;
        int guess_x = 0, guess_y = 0;
        if (level < kTileAlignLevels - 1) {
          // Upsample: the three coarse tiles nearest this tile's centre each
          // propose a displacement; keep the one that fits this tile best
          // (HDR+ sec. 4, the fix for tile boundaries).
          int factor = kTileAlignFactors[level + 1];
          double cx = (x0 + f.tile / 2.0) / factor, cy = (y0 + f.tile / 2.0) / factor;
          double fx = (cx - coarse.tile / 2.0) / coarse.stride, fy = (cy - coarse.tile / 2.0) / coarse.stride;
          int nx = std::clamp(int(std::lround(fx)), 0, coarse.tiles_x - 1);
          int ny = std::clamp(int(std::lround(fy)), 0, coarse.tiles_y - 1);
          int sx = std::clamp(fx > nx ? nx + 1 : nx - 1, 0, coarse.tiles_x - 1);
          int sy = std::clamp(fy > ny ? ny + 1 : ny - 1, 0, coarse.tiles_y - 1);
          const int candidates[3][2] = {{nx, ny}, {sx, ny}, {nx, sy}};
          double best = std::numeric_limits<double>::infinity();
          for (const auto& cand : candidates) {
            int px = coarse.dx[coarse.at(cand[0], cand[1])] * factor;
            int py = coarse.dy[coarse.at(cand[0], cand[1])] * factor;
            double dist = tile_distance(r, a, x0, y0, f.tile, px, py, l1);
            if (dist < best) {
              best = dist;
              guess_x = px;
              guess_y = py;
            }
          }
        }
        double best = std::numeric_limits<double>::infinity();
        int best_x = guess_x, best_y = guess_y;
        for (int sy = -radius; sy <= radius; ++sy)
          for (int sx = -radius; sx <= radius; ++sx) {
            double dist = tile_distance(r, a, x0, y0, f.tile, guess_x + sx, guess_y + sy, l1);
            if (dist < best) {  // strict: ties keep the first in raster order
              best = dist;
              best_x = guess_x + sx;
              best_y = guess_y + sy;
            }
          }
        f.dx[f.at(tx, ty)] = best_x;
        f.dy[f.at(tx, ty)] = best_y;
      }
    coarse = std::move(f);
  }

  // Level 0: sub-pixel refinement and confidence per tile.
  const Plane &r0 = ref[0], &a0 = alt[0];
  AlignmentField out;
  out.tile_size = coarse.tile;
  out.tile_stride = coarse.stride;
  out.tiles_x = coarse.tiles_x;
  out.tiles_y = coarse.tiles_y;
  out.displacement = Halide::Runtime::Buffer<float, 3>(out.tiles_x, out.tiles_y, 2);
  out.confidence = Halide::Runtime::Buffer<float, 2>(out.tiles_x, out.tiles_y);
  const int n = out.tile_size * out.tile_size;
  for (int ty = 0; ty < out.tiles_y; ++ty)
    for (int tx = 0; tx < out.tiles_x; ++tx) {
      int x0 = tx * out.tile_stride, y0 = ty * out.tile_stride;
      int dx = coarse.dx[coarse.at(tx, ty)], dy = coarse.dy[coarse.at(tx, ty)];
      double costs[3][3];
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) costs[j + 1][i + 1] = tile_distance(r0, a0, x0, y0, out.tile_size, dx + i, dy + j, false);
      double ox, oy, curvature;
      quadratic_subpixel(costs, &ox, &oy, &curvature);
      out.displacement(tx, ty, 0) = float(dx + ox);
      out.displacement(tx, ty, 1) = float(dy + oy);
      // Predicted error of the displacement: the SSD's curvature is
      // 2 * sum(gradient^2) over the tile, and with noise variance s2 per
      // difference the least-squares shift has var(d) = 2 s2 / curvature.
      double mean = 0;
      for (int y = y0; y < y0 + out.tile_size; ++y)
        for (int x = x0; x < x0 + out.tile_size; ++x)
          mean += r0(std::min(x, r0.width() - 1), std::min(y, r0.height() - 1));
      mean /= n;
      // Binned gray averages four samples; the difference of two frames doubles the variance.
      double s2 = 0;
      for (int i = 0; i < 4; ++i) s2 += noise.variance(i, mean);
      s2 = 2 * s2 / 16;
      double uncertainty = curvature > 0 ? std::sqrt(2 * s2 / curvature) : INFINITY;
      // Noise alone gives the 3-point curvature a spread of about sqrt(12 n) s2
      // (chi-square costs); a flat tile, or one along a straight edge (the
      // aperture problem), has no more than that in its weaker direction.
      double noise_curvature = std::sqrt(12.0 * n) * s2;
      double significance = std::clamp(curvature / (kCurvatureSigmas * noise_curvature) - 1.0, 0.0, 1.0);
      double precision = std::clamp(1.0 - uncertainty / params.max_uncertainty_px, 0.0, 1.0);
      out.confidence(tx, ty) = float(std::min(significance, precision));
    }
  return out;
}

}  // namespace nb
