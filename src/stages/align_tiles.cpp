// HDR+ tile alignment: the plain C++ reference (readable loops, no Halide),
// the calls into the Halide pipelines, and the confidence they share.
#include "stages/align_tiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

#include "core/bayer_planes.h"
#include "core/parallel_rows.h"
#include "nb_align_pyramid.h"
#include "nb_align_search.h"

namespace nb {
namespace {

using Gray = Halide::Runtime::Buffer<uint16_t, 2>;
using align::kLevels;

int clamp_index(int v, int extent) { return std::clamp(v, 0, extent - 1); }
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Binomial [1 4 6 4 1]/16 blur with clamped borders, keeping every second
// pixel; exact integer sums, rounded once at the end.
Gray blur_decimate2(const Gray& in) {
  const uint32_t k[5] = {1, 4, 6, 4, 1};
  int w = in.width(), h = in.height(), ow = w / 2, oh = h / 2;
  Halide::Runtime::Buffer<uint32_t, 2> rows(ow, h);
  Gray out(ow, oh);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      uint32_t s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * in(clamp_index(2 * x + i, w), y);
      rows(x, y) = s;
    }
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      uint32_t s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * rows(x, clamp_index(2 * y + i, h));
      out(x, y) = uint16_t((s + 128) >> 8);
    }
  return out;
}

// Sum over the tile at (x0, y0) of |ref - alt shifted by (dx, dy)| (L1) or its
// square (L2); samples outside either frame repeat its edge.
uint64_t tile_distance(const Gray& ref, const Gray& alt, int x0, int y0, int tile, int dx, int dy,
                       bool l1) {
  uint64_t sum = 0;
  for (int y = y0; y < y0 + tile; ++y)
    for (int x = x0; x < x0 + tile; ++x) {
      int r = ref(clamp_index(x, ref.width()), clamp_index(y, ref.height()));
      int a = alt(clamp_index(x + dx, alt.width()), clamp_index(y + dy, alt.height()));
      uint32_t d = uint32_t(std::abs(r - a));
      sum += l1 ? d : d * d;
    }
  return sum;
}

// Integer displacement of each tile of one pyramid level.
struct LevelField {
  int level = 0, tiles_x = 0, tiles_y = 0;
  std::vector<int> dx, dy;
  int at(int tx, int ty) const { return ty * tiles_x + tx; }
};

// Where the finer tile (tx, ty) of `level` starts its search: the three
// coarse tiles nearest its centre each propose their displacement, scaled up;
// the one that fits this tile best wins (HDR+ sec. 4, the fix at tile
// boundaries). Integer arithmetic, so the Halide search computes the same.
void upsampled_guess(const Gray& ref, const Gray& alt, int level, int tx, int ty,
                     const LevelField& coarse, int* guess_x, int* guess_y) {
  const int tile = align::kTileSize[level], stride = align::tile_stride(level);
  const int factor = align::kFactors[level + 1];
  const int ctile = align::kTileSize[level + 1], cstride = align::tile_stride(level + 1);
  // The finer tile's centre in coarse tile units is num / den.
  const int den = 2 * factor * cstride;
  const int num_x = 2 * tx * stride + tile - factor * ctile,
            num_y = 2 * ty * stride + tile - factor * ctile;
  int nx = std::clamp(floor_div(2 * num_x + den, 2 * den), 0, coarse.tiles_x - 1);
  int ny = std::clamp(floor_div(2 * num_y + den, 2 * den), 0, coarse.tiles_y - 1);
  int sx = std::clamp(num_x > nx * den ? nx + 1 : nx - 1, 0, coarse.tiles_x - 1);
  int sy = std::clamp(num_y > ny * den ? ny + 1 : ny - 1, 0, coarse.tiles_y - 1);
  const int candidates[3][2] = {{nx, ny}, {sx, ny}, {nx, sy}};
  uint64_t best = std::numeric_limits<uint64_t>::max();
  for (const auto& c : candidates) {
    int px = coarse.dx[coarse.at(c[0], c[1])] * factor,
        py = coarse.dy[coarse.at(c[0], c[1])] * factor;
    uint64_t dist =
        tile_distance(ref, alt, tx * stride, ty * stride, tile, px, py, align::uses_l1(level));
    if (dist < best) {  // strict: ties keep the first candidate
      best = dist;
      *guess_x = px;
      *guess_y = py;
    }
  }
}

LevelField search_level(const Gray& ref, const Gray& alt, int level, const LevelField* coarse) {
  LevelField f;
  f.level = level;
  f.tiles_x = align::tile_count(ref.width(), level);
  f.tiles_y = align::tile_count(ref.height(), level);
  f.dx.assign(f.tiles_x * f.tiles_y, 0);
  f.dy.assign(f.tiles_x * f.tiles_y, 0);
  const int tile = align::kTileSize[level], stride = align::tile_stride(level);
  const int radius = align::kSearchRadius[level];
  for (int ty = 0; ty < f.tiles_y; ++ty)
    for (int tx = 0; tx < f.tiles_x; ++tx) {
      int guess_x = 0, guess_y = 0;
      if (coarse) upsampled_guess(ref, alt, level, tx, ty, *coarse, &guess_x, &guess_y);
      uint64_t best = std::numeric_limits<uint64_t>::max();
      int best_x = guess_x, best_y = guess_y;
      for (int sy = -radius; sy <= radius; ++sy)
        for (int sx = -radius; sx <= radius; ++sx) {
          uint64_t dist = tile_distance(ref, alt, tx * stride, ty * stride, tile, guess_x + sx,
                                        guess_y + sy, align::uses_l1(level));
          if (dist < best) {  // strict: ties keep the first in raster order
            best = dist;
            best_x = guess_x + sx;
            best_y = guess_y + sy;
          }
        }
      f.dx[f.at(tx, ty)] = best_x;
      f.dy[f.at(tx, ty)] = best_y;
    }
  return f;
}

// Lucas-Kanade refinement of one tile's translation, inverse compositional:
// the Hessian comes from the reference tile's central-difference gradients.
// Bilinear warping with the edge repeated; each step stays within 1 px of the
// start, so a tile without texture cannot wander off. Sums as the generator
// makes them: down each column in float, the columns in double.
void refine_lucas_kanade(const Gray& ref, const Gray& alt, int x0, int y0, int tile, double* dx,
                         double* dy) {
  auto r = [&](int x, int y) {
    return float(ref(clamp_index(x, ref.width()), clamp_index(y, ref.height())));
  };
  auto a = [&](int x, int y) {
    return float(alt(clamp_index(x, alt.width()), clamp_index(y, alt.height())));
  };
  double h11 = 0, h12 = 0, h22 = 0;
  for (int x = x0; x < x0 + tile; ++x) {
    float c11 = 0, c12 = 0, c22 = 0;
    for (int y = y0; y < y0 + tile; ++y) {
      float gx = 0.5f * (r(x + 1, y) - r(x - 1, y)), gy = 0.5f * (r(x, y + 1) - r(x, y - 1));
      c11 += gx * gx;
      c12 += gx * gy;
      c22 += gy * gy;
    }
    h11 += c11;
    h12 += c12;
    h22 += c22;
  }
  const double det = h11 * h22 - h12 * h12;
  if (!(det > 0)) return;
  const double start_x = *dx, start_y = *dy;
  for (int it = 0; it < align::kLucasKanadeIterations; ++it) {
    int ix = int(std::floor(*dx)), iy = int(std::floor(*dy));
    float fx = float(*dx - ix), fy = float(*dy - iy);
    double b1 = 0, b2 = 0;
    for (int x = x0; x < x0 + tile; ++x) {
      float c1 = 0, c2 = 0;
      for (int y = y0; y < y0 + tile; ++y) {
        float gx = 0.5f * (r(x + 1, y) - r(x - 1, y)), gy = 0.5f * (r(x, y + 1) - r(x, y - 1));
        float top = a(x + ix, y + iy) + fx * (a(x + ix + 1, y + iy) - a(x + ix, y + iy));
        float bottom =
            a(x + ix, y + iy + 1) + fx * (a(x + ix + 1, y + iy + 1) - a(x + ix, y + iy + 1));
        float e = top + fy * (bottom - top) - r(x, y);
        c1 += gx * e;
        c2 += gy * e;
      }
      b1 += c1;
      b2 += c2;
    }
    *dx = std::clamp(*dx - (h22 * b1 - h12 * b2) / det, start_x - 1, start_x + 1);
    *dy = std::clamp(*dy - (h11 * b2 - h12 * b1) / det, start_y - 1, start_y + 1);
  }
}

// Curvature must exceed this many noise spreads before it counts as texture.
constexpr double kCurvatureSigmas = 4.0;

}  // namespace

GrayPyramid build_gray_pyramid_reference(const Halide::Runtime::Buffer<float, 2>& binned_gray) {
  Gray level0(binned_gray.width(), binned_gray.height());
  for (int y = 0; y < level0.height(); ++y)
    for (int x = 0; x < level0.width(); ++x)
      level0(x, y) =
          uint16_t(std::nearbyint(std::clamp(binned_gray(x, y), 0.0f, 1.0f) * align::kGrayScale));
  GrayPyramid p{level0};
  for (int level = 1; level < kLevels; ++level) {
    Gray next = p.back();
    for (int f = align::kFactors[level]; f > 1; f /= 2) next = blur_decimate2(next);
    p.push_back(next);
  }
  return p;
}

Status build_gray_pyramid(const Halide::Runtime::Buffer<float, 2>& binned_gray,
                          GrayPyramid* pyramid) {
  int w = binned_gray.width(), h = binned_gray.height();
  pyramid->clear();
  for (int level = 0; level < kLevels; ++level) {
    for (int f = align::kFactors[level]; f > 1; f /= 2) {
      w /= 2;
      h /= 2;
    }
    pyramid->emplace_back(w, h);
  }
  Halide::Runtime::Buffer<float, 2> input =
      binned_gray;  // shallow copy: the generated API takes non-const
  GrayPyramid& p = *pyramid;
  int err = nb_align_pyramid(input, p[0], p[1], p[2], p[3]);
  if (err != 0)
    return internal_error("align: pyramid pipeline failed with code " + std::to_string(err));
  return Status();
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

TileMatches match_tiles_reference(const GrayPyramid& ref, const GrayPyramid& alt) {
  LevelField field = search_level(ref[kLevels - 1], alt[kLevels - 1], kLevels - 1, nullptr);
  for (int level = kLevels - 2; level >= 0; --level)
    field = search_level(ref[level], alt[level], level, &field);

  const Gray &r0 = ref[0], &a0 = alt[0];
  const int tile = align::kTileSize[0], stride = align::tile_stride(0);
  TileMatches m;
  m.displacement = Halide::Runtime::Buffer<float, 3>(field.tiles_x, field.tiles_y, 2);
  m.curvature = Halide::Runtime::Buffer<float, 2>(field.tiles_x, field.tiles_y);
  for (int ty = 0; ty < field.tiles_y; ++ty)
    for (int tx = 0; tx < field.tiles_x; ++tx) {
      int dx = field.dx[field.at(tx, ty)], dy = field.dy[field.at(tx, ty)];
      double costs[3][3];
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i)
          costs[j + 1][i + 1] =
              double(tile_distance(r0, a0, tx * stride, ty * stride, tile, dx + i, dy + j, false));
      double ox, oy, curvature;
      quadratic_subpixel(costs, &ox, &oy, &curvature);
      double fx = dx + ox, fy = dy + oy;
      refine_lucas_kanade(r0, a0, tx * stride, ty * stride, tile, &fx, &fy);
      m.displacement(tx, ty, 0) = float(fx);
      m.displacement(tx, ty, 1) = float(fy);
      m.curvature(tx, ty) = float(curvature);
    }
  return m;
}

Status match_tiles(const GrayPyramid& ref, const GrayPyramid& alt, TileMatches* m) {
  const int tiles_x = align::tile_count(ref[0].width(), 0),
            tiles_y = align::tile_count(ref[0].height(), 0);
  m->displacement = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 2);
  m->curvature = Halide::Runtime::Buffer<float, 2>(tiles_x, tiles_y);
  GrayPyramid r = ref, a = alt;  // shallow copies: the generated API takes non-const
  int err = nb_align_search(r[0], r[1], r[2], r[3], a[0], a[1], a[2], a[3], m->displacement,
                            m->curvature);
  if (err != 0)
    return internal_error("align: tile search pipeline failed with code " + std::to_string(err));
  return Status();
}

Halide::Runtime::Buffer<double, 2> tile_difference_variance(const GrayPyramid& ref,
                                                            const NoiseProfile& noise) {
  return tile_difference_variance(ref, noise, noise);
}

Halide::Runtime::Buffer<double, 2> tile_difference_variance(const GrayPyramid& ref, const NoiseProfile& noise,
                                                            const NoiseProfile& alternate_noise) {
  const Gray& r0 = ref[0];
  const int tile = align::kTileSize[0], stride = align::tile_stride(0), n = tile * tile;
  Halide::Runtime::Buffer<double, 2> out(align::tile_count(r0.width(), 0),
                                         align::tile_count(r0.height(), 0));
  parallel_rows(out.height(), 4, [&](int ty) {
    double* row = &out(0, ty);  // by pointer: see docs/development.md on threaded loops
    for (int tx = 0; tx < out.width(); ++tx) {
      int x0 = tx * stride, y0 = ty * stride;
      double mean = 0;
      for (int y = y0; y < y0 + tile; ++y)
        for (int x = x0; x < x0 + tile; ++x)
          mean += r0(clamp_index(x, r0.width()), clamp_index(y, r0.height()));
      mean /= n * double(align::kGrayScale);
      // Noise variance of a difference of two binned gray samples (each the
      // mean of four), in the pyramid's 16-bit units.
      double s2 = 0, alternate_s2 = 0;
      for (int i = 0; i < 4; ++i) {
        s2 += noise.variance(i, mean);
        alternate_s2 += alternate_noise.variance(i, mean);
      }
      row[tx] = (s2 + alternate_s2) / 16 * double(align::kGrayScale) * align::kGrayScale;
    }
  });
  return out;
}

AlignmentField alignment_from_matches(const TileMatches& m,
                                      const Halide::Runtime::Buffer<double, 2>& tile_variance,
                                      const TileAlignParams& params) {
  AlignmentField out;
  out.tile_size = align::kTileSize[0];
  out.tile_stride = align::tile_stride(0);
  out.tiles_x = m.displacement.dim(0).extent();
  out.tiles_y = m.displacement.dim(1).extent();
  out.displacement = m.displacement;
  out.confidence = Halide::Runtime::Buffer<float, 2>(out.tiles_x, out.tiles_y);
  const int n = out.tile_size * out.tile_size;
  for (int ty = 0; ty < out.tiles_y; ++ty)
    for (int tx = 0; tx < out.tiles_x; ++tx) {
      const double s2 = tile_variance(tx, ty);
      // Predicted error of the displacement: the SSD's curvature is
      // 2 * sum(gradient^2) over the tile, and with noise variance s2 per
      // difference the least-squares shift has var(d) = 2 s2 / curvature.
      double curvature = m.curvature(tx, ty);
      double uncertainty = curvature > 0 ? std::sqrt(2 * s2 / curvature) : INFINITY;
      // Noise alone gives the 3-point curvature a spread of about sqrt(12 n) s2
      // (chi-square costs); a flat tile, or one along a straight edge (the
      // aperture problem), has no more than that in its weaker direction.
      double noise_curvature = std::sqrt(12.0 * n) * s2;
      double significance =
          std::clamp(curvature / (kCurvatureSigmas * noise_curvature) - 1.0, 0.0, 1.0);
      double precision = std::clamp(1.0 - uncertainty / params.max_uncertainty_px, 0.0, 1.0);
      out.confidence(tx, ty) = float(std::min(significance, precision));
    }
  return out;
}

// A translation and a rotation (the hand's; up to several pixels at a 12 MP
// frame's corners) fitted to the tiles the search placed, from their median
// displacement, reweighted (Cauchy) with a scale of half a plane pixel.
// Not the tiles' own displacements: in dark sky the tile search locks onto
// the defects themselves (the only structure there) and reports no motion;
// the median, the narrow scale and the rigid model (a free affine map bends
// to put the sky at rest) leave such tiles out while they are fewer than
// half.
CameraMotion camera_motion(const AlignmentField& field, int* placed) {
  constexpr float kPlaced = 0.5f;  // confidence of a tile the search placed
  constexpr double kScale = 0.5;   // plane pixels
  struct Tile {
    double x, y, dx, dy, prior;
  };
  std::vector<Tile> tiles;
  std::vector<double> along[2];
  for (int ty = 0; ty < field.tiles_y; ++ty)
    for (int tx = 0; tx < field.tiles_x; ++tx) {
      if (field.confidence(tx, ty) < kPlaced) continue;
      const Tile t{field.tile_centre(tx), field.tile_centre(ty), field.displacement(tx, ty, 0),
                   field.displacement(tx, ty, 1), field.confidence(tx, ty)};
      tiles.push_back(t);
      along[0].push_back(t.dx);
      along[1].push_back(t.dy);
    }
  CameraMotion motion;
  std::array<double, 6>& a = motion.a;
  if (placed) *placed = int(tiles.size());
  if (tiles.empty()) return motion;
  for (int k = 0; k < 2; ++k) {
    std::nth_element(along[k].begin(), along[k].begin() + along[k].size() / 2, along[k].end());
    a[size_t(3 * k)] = along[k][along[k].size() / 2];
  }
  if (tiles.size() < 6) return motion;
  // Centred and scaled coordinates, for a well-conditioned system:
  // dx = tx - w (y - cy) / s, dy = ty + w (x - cx) / s.
  double cx = 0, cy = 0, scale = 1;
  for (const Tile& t : tiles) {
    cx += t.x / tiles.size();
    cy += t.y / tiles.size();
  }
  for (const Tile& t : tiles) scale = std::max({scale, std::abs(t.x - cx), std::abs(t.y - cy)});
  Eigen::Vector3d u(a[0], a[3], 0);  // tx, ty, w
  for (int iteration = 0; iteration < 8; ++iteration) {
    Eigen::Matrix3d normal = Eigen::Matrix3d::Identity() * 1e-9;
    Eigen::Vector3d b = Eigen::Vector3d::Zero();
    for (const Tile& t : tiles) {
      const Eigen::Vector3d row_x(1, 0, -(t.y - cy) / scale), row_y(0, 1, (t.x - cx) / scale);
      const double ex = t.dx - row_x.dot(u), ey = t.dy - row_y.dot(u);
      const double w = t.prior / (1 + (ex * ex + ey * ey) / (kScale * kScale));
      normal += w * (row_x * row_x.transpose() + row_y * row_y.transpose());
      b += w * (t.dx * row_x + t.dy * row_y);
    }
    u = normal.ldlt().solve(b);
  }
  a[1] = 0;
  a[2] = -u[2] / scale;
  a[0] = u[0] + u[2] * cy / scale;
  a[4] = u[2] / scale;
  a[5] = 0;
  a[3] = u[1] - u[2] * cx / scale;
  return motion;
}

void settle_wandering_tiles(const GrayPyramid& reference, const GrayPyramid& alternate,
                            const Halide::Runtime::Buffer<double, 2>& tile_variance, AlignmentField* field) {
  constexpr double kMaxWander = 8;      // plane pixels kept whatever the sums say
  constexpr int kMinPlacedTiles = 16;   // fewer: no camera motion to trust
  constexpr double kSumSigmas = 6;      // the search's minimum is biased low by ~3
  int placed = 0;
  const CameraMotion motion = camera_motion(*field, &placed);
  if (placed < kMinPlacedTiles) return;
  const Gray &r0 = reference[0], &a0 = alternate[0];
  // Sum of squared level-0 differences of tile (x0, y0) at integer
  // displacement (ix, iy), in pyramid units. The differences are taken in
  // steps of 8 levels (the noise is tens to hundreds of levels), so that the
  // column sums fit 32 bits and vectorise.
  constexpr int size = align::kTileSize[0], n = size * size;  // the field's tile_size
  auto tile_ssd = [&](int x0, int y0, int ix, int iy) {
    const bool inside = x0 + size <= r0.width() && y0 + size <= r0.height() && x0 + ix >= 0 && y0 + iy >= 0 &&
                        x0 + ix + size <= a0.width() && y0 + iy + size <= a0.height();
    // Per column, 16 squares of at most 2^26 each: no overflow.
    int32_t column_sums[size] = {};
    for (int y = y0; y < y0 + size; ++y) {
      if (inside) {
        const uint16_t* r = &r0(x0, y);
        const uint16_t* a = &a0(x0 + ix, y + iy);
        for (int i = 0; i < size; ++i) {
          const int32_t d = int32_t(r[i] >> 3) - int32_t(a[i] >> 3);
          column_sums[i] += d * d;
        }
      } else {
        for (int i = 0; i < size; ++i) {
          const int x = x0 + i;
          const int32_t d = int32_t(r0(clamp_index(x, r0.width()), clamp_index(y, r0.height())) >> 3) -
                            int32_t(a0(clamp_index(x + ix, a0.width()), clamp_index(y + iy, a0.height())) >> 3);
          column_sums[i] += d * d;
        }
      }
    }
    int64_t sum = 0;
    for (int32_t c : column_sums) sum += c;
    return 64.0 * double(sum);
  };
  parallel_rows(field->tiles_y, 4, [&](int ty) {
    float* dx_row = &field->displacement(0, ty, 0);  // by pointer: see docs/development.md on threaded loops
    float* dy_row = &field->displacement(0, ty, 1);
    for (int tx = 0; tx < field->tiles_x; ++tx) {
      if (field->confidence(tx, ty) > 0) continue;
      const int x0 = tx * field->tile_stride, y0 = ty * field->tile_stride;
      const double cx = field->tile_centre(tx), cy = field->tile_centre(ty);
      const double dx = motion.dx(cx, cy), dy = motion.dy(cx, cy);
      const double wander_x = dx_row[tx] - dx, wander_y = dy_row[tx] - dy;
      if (wander_x * wander_x + wander_y * wander_y <= kMaxWander * kMaxWander) continue;
      const double own = tile_ssd(x0, y0, int(std::lround(dx_row[tx])), int(std::lround(dy_row[tx])));
      const double camera = tile_ssd(x0, y0, int(std::lround(dx)), int(std::lround(dy)));
      // Each difference's noise variance s2 (pyramid units), so a sum over n
      // has a spread of about sqrt(2 n) s2.
      if (camera - own > kSumSigmas * std::sqrt(2.0 * n) * tile_variance(tx, ty)) continue;
      dx_row[tx] = float(dx);
      dy_row[tx] = float(dy);
    }
  });
}

namespace {

// The frame's pyramid, and if asked its scene thumbnail, from one binned gray
// (in the reference's scale and clamped for a bracket's frame of `exposure`).
Status gray_pyramid_of(const RawFrame& frame, Implementation implementation, GrayPyramid* pyramid,
                       SceneThumbnail* thumbnail = nullptr, const ExposureScale& exposure = ExposureScale(),
                       double divide_by = 1) {
  const Halide::Runtime::Buffer<float, 2> binned =
      exposure.equal() ? binned_gray(frame) : binned_gray(frame, divide_by, exposure.clip_level);
  if (thumbnail) *thumbnail = scene_thumbnail(binned);
  if (implementation == Implementation::kHalide) return build_gray_pyramid(binned, pyramid);
  *pyramid = build_gray_pyramid_reference(binned);
  return Status();
}

}  // namespace

Status FrameAligner::create(const RawFrame& reference, const NoiseProfile& noise,
                            const TileAlignParams& params, Implementation implementation,
                            std::unique_ptr<FrameAligner>* aligner) {
  std::unique_ptr<FrameAligner> a(new FrameAligner());
  a->params_ = params;
  a->implementation_ = implementation;
  NB_RETURN_IF_ERROR(gray_pyramid_of(reference, implementation, &a->reference_, &a->thumbnail_));
  a->tile_variance_ = tile_difference_variance(a->reference_, noise);
  a->noise_ = noise;

  *aligner = std::move(a);
  return Status();
}

Status FrameAligner::clamped_reference(const ExposureScale& exposure, const ClampedReference** out) const {
  auto same = [&](const ClampedReference& c) {
    return c.ratio == exposure.ratio && c.noise.scale == exposure.noise.scale && c.noise.offset == exposure.noise.offset;
  };
  auto it = std::find_if(clamped_.begin(), clamped_.end(), same);
  if (it == clamped_.end()) {
    ClampedReference c;
    c.ratio = exposure.ratio;
    c.noise = exposure.noise;
    // From the pyramid's level 0 (no copy of the reference's samples is
    // kept): the binned gray, clamped. The frame's samples are clamped one by
    // one before binning, so where some of a pixel's four clip and others do
    // not the two differ a little; a tile has few such pixels.
    const Gray& level0 = reference_[0];
    Halide::Runtime::Buffer<float, 2> binned(level0.width(), level0.height());
    const float clip = exposure.clip_level;
    binned.for_each_element(
        [&](int x, int y) { binned(x, y) = std::min(level0(x, y) / align::kGrayScale, clip); });
    c.thumbnail = scene_thumbnail(binned);
    if (implementation_ == Implementation::kHalide) {
      NB_RETURN_IF_ERROR(build_gray_pyramid(binned, &c.pyramid));
    } else {
      c.pyramid = build_gray_pyramid_reference(binned);
    }
    c.tile_variance = tile_difference_variance(c.pyramid, noise_, exposure.noise);
    clamped_.push_back(std::move(c));
    it = clamped_.end() - 1;
  }
  *out = &*it;
  return Status();
}

Status FrameAligner::align(const RawFrame& alternate, AlignmentField* field, SceneMatch* scene,
                           const ExposureScale& exposure) const {
  const GrayPyramid* reference = &reference_;
  const SceneThumbnail* reference_thumbnail = &thumbnail_;
  const Halide::Runtime::Buffer<double, 2>* tile_variance = &tile_variance_;
  if (!exposure.equal()) {
    const ClampedReference* clamped = nullptr;
    NB_RETURN_IF_ERROR(clamped_reference(exposure, &clamped));
    reference = &clamped->pyramid;
    reference_thumbnail = &clamped->thumbnail;
    tile_variance = &clamped->tile_variance;
  }
  GrayPyramid alt;
  SceneThumbnail thumbnail;
  NB_RETURN_IF_ERROR(gray_pyramid_of(alternate, implementation_, &alt, scene ? &thumbnail : nullptr, exposure,
                                     exposure.ratio));
  TileMatches m;
  if (implementation_ == Implementation::kHalide) {
    NB_RETURN_IF_ERROR(match_tiles(*reference, alt, &m));
  } else {
    m = match_tiles_reference(*reference, alt);
  }
  *field = alignment_from_matches(m, *tile_variance, params_);
  settle_wandering_tiles(*reference, alt, *tile_variance, field);
  if (scene) *scene = scene_match(*reference_thumbnail, thumbnail, *field, noise_);
  return Status();
}

AlignmentField FrameAligner::reference_field() const {
  const auto& level0 = reference_[0];
  return AlignmentField::zero(level0.width(), level0.height(),
                              std::max(level0.width(), level0.height()));
}

Status align_burst(const std::vector<RawFrame>& frames, int reference, const NoiseProfile& noise,
                   const TileAlignParams& params, Implementation implementation,
                   std::vector<AlignmentField>* fields) {
  std::unique_ptr<FrameAligner> aligner;
  NB_RETURN_IF_ERROR(
      FrameAligner::create(frames[reference], noise, params, implementation, &aligner));
  fields->assign(frames.size(), AlignmentField());
  for (size_t i = 0; i < frames.size(); ++i) {
    if (int(i) == reference) {
      (*fields)[i] = aligner->reference_field();
    } else {
      NB_RETURN_IF_ERROR(aligner->align(frames[i], &(*fields)[i]));
    }
  }
  return Status();
}

}  // namespace nb
