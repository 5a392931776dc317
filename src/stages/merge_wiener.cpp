// HDR+ frequency-domain merge: the plain C++ reference (readable loops, a
// 16-point FFT, no Halide), the calls into the Halide pipelines, and the
// driver that merges the frames one at a time.
#include "stages/merge_wiener.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "core/bayer_planes.h"
#include "core/catmull_rom.h"
#include "core/fill_dense.h"
#include "core/parallel_rows.h"
#include "nb_merge_planes_f32.h"
#include "nb_merge_planes_u16.h"
#include "nb_merge_spatial.h"
#include "nb_merge_temporal.h"
#include "stages/merge_tiles_params.h"

namespace nb {
namespace {

using Plane = Halide::Runtime::Buffer<float, 2>;
using merge::kStride;
using merge::kTile;
using Complex = std::complex<float>;
using Tile = std::array<std::array<float, kTile>, kTile>;        // [y][x]
using Spectrum = std::array<std::array<Complex, kTile>, kTile>;  // [v][u]

// merge::window() as a float table.
const std::array<float, kTile>& raised_cosine() {
  static const std::array<float, kTile> w = [] {
    std::array<float, kTile> v{};
    for (int i = 0; i < kTile; ++i) v[i] = float(merge::window(i));
    return v;
  }();
  return w;
}

// 16-point radix-2 decimation-in-time FFT of data[0], data[stride], ...; the
// inverse is unnormalised.
void fft16(Complex* data, int stride, bool inverse) {
  static const std::array<Complex, kTile / 2> twiddle = [] {
    std::array<Complex, kTile / 2> t{};
    for (int k = 0; k < kTile / 2; ++k) t[k] = std::polar(1.0f, float(-2 * M_PI * k / kTile));
    return t;
  }();
  static const int bit_reversed[kTile] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
  Complex v[kTile];
  for (int i = 0; i < kTile; ++i) v[i] = data[bit_reversed[i] * stride];
  for (int len = 2; len <= kTile; len *= 2) {
    const int half = len / 2, step = kTile / len;
    for (int start = 0; start < kTile; start += len)
      for (int k = 0; k < half; ++k) {
        Complex w = inverse ? std::conj(twiddle[k * step]) : twiddle[k * step];
        Complex a = v[start + k], b = v[start + k + half] * w;
        v[start + k] = a + b;
        v[start + k + half] = a - b;
      }
  }
  for (int i = 0; i < kTile; ++i) data[i * stride] = v[i];
}

void fft2d(Spectrum* s, bool inverse) {
  for (int v = 0; v < kTile; ++v) fft16(&(*s)[v][0], 1, inverse);
  for (int u = 0; u < kTile; ++u) fft16(&(*s)[0][u], kTile, inverse);
}

Spectrum windowed_spectrum(const Tile& t) {
  const auto& w = raised_cosine();
  Spectrum s;
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x) s[y][x] = Complex(w[y] * w[x] * t[y][x], 0);
  fft2d(&s, false);
  return s;
}

// Inverse DFT (normalised), overlap-added into one CFA plane of `mosaic`.
void overlap_add(Spectrum s, int position, int x0, int y0, Plane* mosaic) {
  fft2d(&s, true);
  const int plane_w = mosaic->width() / 2, plane_h = mosaic->height() / 2;
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x) {
      int px = x0 + x, py = y0 + y;
      if (px < 0 || py < 0 || px >= plane_w || py >= plane_h) continue;
      (*mosaic)(2 * px + (position & 1), 2 * py + (position >> 1)) +=
          s[y][x].real() / (kTile * kTile);
    }
}

// The sum of a tile's value(x, y), run down its columns, then across: 16
// independent additions a row instead of one chain of 256 (4 cycles each),
// the same figure to within double rounding.
template <typename Value>
double tile_sum(const Value& value) {
  std::array<double, kTile> column{};
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x) column[x] += value(x, y);
  double sum = 0;
  for (double c : column) sum += c;
  return sum;
}

// The tile at (x0, y0) of a plane read by `at(x, y)`, and its mean.
template <typename At>
Tile read_tile(const At& at, int x0, int y0, double* mean) {
  Tile t;
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x) t[y][x] = at(x0 + x, y0 + y);
  *mean = tile_sum([&](int x, int y) { return double(t[y][x]); }) / (kTile * kTile);
  return t;
}

// One CFA plane of a normalised mosaic, read with the edge repeated.
class PlaneView {
 public:
  PlaneView(const Plane& mosaic, int position)
      : mosaic_(mosaic),
        ox_(position & 1),
        oy_(position >> 1),
        w_(mosaic.width() / 2),
        h_(mosaic.height() / 2) {}
  float at(int x, int y) const {
    return mosaic_(2 * std::clamp(x, 0, w_ - 1) + ox_, 2 * std::clamp(y, 0, h_ - 1) + oy_);
  }
  // Catmull-Rom at a fractional position.
  float cubic(double x, double y) const {
    int ix = int(std::floor(x)), iy = int(std::floor(y));
    float wx[4], wy[4];
    catmull_rom_weights(float(x - ix), wx);
    catmull_rom_weights(float(y - iy), wy);
    float sum = 0;
    for (int j = 0; j < 4; ++j) {
      float row = 0;
      for (int i = 0; i < 4; ++i) row += wx[i] * at(ix - 1 + i, iy - 1 + j);
      sum += wy[j] * row;
    }
    return sum;
  }
  Tile tile(int x0, int y0, double* mean) const {
    return read_tile([this](int x, int y) { return at(x, y); }, x0, y0, mean);
  }

 private:
  const Plane& mosaic_;
  int ox_, oy_, w_, h_;
};

// Mean square of the 3x3-mean of the difference over the tile's interior,
// in units of its expected value for noise alone (2 sigma^2 / 9).
double filtered_difference_ratio(const Tile& difference, double sigma2) {
  double sum = 0;
  for (int y = 1; y < kTile - 1; ++y)
    for (int x = 1; x < kTile - 1; ++x) {
      double m = 0;
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) m += difference[y + j][x + i];
      m /= 9;
      sum += m * m;
    }
  return sum / ((kTile - 2) * (kTile - 2)) / (2 * sigma2 / 9);
}

double tile_variance(const NoiseProfile& noise, int position, double mean) {
  return std::max(noise.variance(position, mean), double(merge::kMinVariance));
}

}  // namespace

int merge_tiles_across(int plane_extent) { return (plane_extent + kStride - 1) / kStride + 1; }

TemporalCorrection temporal_correction_reference(const Plane& ref_mosaic, const Plane& alt_mosaic,
                                                 const AlignmentField& field,
                                                 const NoiseProfile& noise,
                                                 const WienerMergeParams& params,
                                                 const TilePairing* pairing) {
  const int tiles_x = merge_tiles_across(ref_mosaic.width() / 2),
            tiles_y = merge_tiles_across(ref_mosaic.height() / 2);
  const double energy = merge::window_energy();
  TemporalCorrection out;
  out.correction = Plane(ref_mosaic.width(), ref_mosaic.height());
  fill_dense(out.correction, 0.0f);
  out.weight = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 4);
  for (int position = 0; position < 4; ++position) {
    PlaneView ref(ref_mosaic, position), alt(alt_mosaic, position);
    for (int ty = 0; ty < tiles_y; ++ty)
      for (int tx = 0; tx < tiles_x; ++tx) {
        const int x0 = tx * kStride - kStride, y0 = ty * kStride - kStride;
        double mean;
        const Tile r = ref.tile(x0, y0, &mean);
        const double sigma2 =
            pairing ? double(pairing->variance(tx, ty, position)) : tile_variance(noise, position, mean);
        const float share = pairing ? pairing->share(tx, ty, position) : 1.0f;
        int atx, aty;
        field.nearest_tile(x0 + kTile / 2, y0 + kTile / 2, &atx, &aty);
        const double dx = field.displacement(atx, aty, 0), dy = field.displacement(atx, aty, 1);
        Tile d;
        for (int y = 0; y < kTile; ++y)
          for (int x = 0; x < kTile; ++x) {
            const float a = alt.cubic(x0 + x + dx, y0 + y + dy);
            // A clipped sample of a bracket's longer frame took part: nothing to give.
            d[y][x] = std::abs(a) > merge::kClippedThreshold ? 0.0f : r[y][x] - a;
          }
        const double ratio = filtered_difference_ratio(d, sigma2);
        const float weight = float(std::clamp(
            (params.robustness_high - ratio) / (params.robustness_high - params.robustness_low),
            0.0, 1.0));
        out.weight(tx, ty, position) = weight;
        if (weight * share == 0) continue;  // the reference's content: no correction
        Spectrum s = windowed_spectrum(d);
        const float noise_dft = float(params.temporal_factor * sigma2 * energy);
        for (auto& row : s)
          for (Complex& c : row) {
            // The Wiener shrink A = |D|^2 / (|D|^2 + c sigma^2): where the
            // frames differ by more than noise explains, keep the reference.
            const float d2 = std::norm(c);
            c *= weight * share * (1 - d2 / (d2 + noise_dft));
          }
        overlap_add(s, position, x0, y0, &out.correction);
      }
  }
  return out;
}

Plane spatial_denoise_reference(const Plane& merged,
                                const Halide::Runtime::Buffer<float, 3>& effective_frames,
                                const NoiseProfile& noise, const WienerMergeParams& params) {
  const int tiles_x = effective_frames.dim(0).extent(), tiles_y = effective_frames.dim(1).extent();
  const double energy = merge::window_energy();
  Plane out(merged.width(), merged.height());
  // A last odd row or column belongs to no CFA plane: it stays as merged.
  out.for_each_element([&](int x, int y) {
    out(x, y) = (x < merged.width() / 2 * 2 && y < merged.height() / 2 * 2) ? 0.0f : merged(x, y);
  });
  for (int position = 0; position < 4; ++position) {
    PlaneView plane(merged, position);
    for (int ty = 0; ty < tiles_y; ++ty)
      for (int tx = 0; tx < tiles_x; ++tx) {
        const int x0 = tx * kStride - kStride, y0 = ty * kStride - kStride;
        double mean;
        Spectrum s = windowed_spectrum(plane.tile(x0, y0, &mean));
        // Noise left after merging: one frame's, divided by the frames averaged.
        const float residual = float(params.spatial_factor * tile_variance(noise, position, mean) *
                                     energy / effective_frames(tx, ty, position));
        // The DC term, the tile's windowed mean, is kept: shrunk, it would
        // pull a dark tile's level toward black, and the more so the lower
        // its signal to noise (about 10% of the weakest channel at a burst's
        // signal to noise of 1, tinting the merge toward the strong ones).
        const Complex dc = s[0][0];
        for (auto& row : s)
          for (Complex& c : row) {
            const float t2 = std::norm(c);
            c *= t2 / (t2 + residual);
          }
        s[0][0] = dc;
        overlap_add(s, position, x0, y0, &out);
      }
  }
  return out;
}

namespace {

// Plane pixels of repeated edge around the planes handed to the generators:
// tiles reach 8 + 16 beyond the plane; the rest is slack.
constexpr int kPlaneMargin = 32;

using Planes = Halide::Runtime::Buffer<float, 3>;

// The width of a planes buffer for a mosaic `width` wide with `margin` plane
// pixels on every side, and on the right as far again as the generators'
// whole runs of tiles reach (tiles_reach_right()).
int padded_plane_width(int width, int margin) { return width / 2 + 2 * margin + merge::tiles_reach_right(width / 2); }

// A planes buffer for a mosaic of width x height with `margin` plane pixels
// on every side, more on the right (padded_plane_width(); coordinates start
// at -margin).
Planes planes_with_margin(int width, int height, int margin) {
  Planes planes(padded_plane_width(width, margin), height / 2 + 2 * margin, 4);
  planes.set_min(-margin, -margin, 0);
  return planes;
}

// The rows of `planes` above and below its first `plane_height` rows set to
// the nearest of those rows (their margins included), as the planes
// generator repeats the edge.
void repeat_edge_rows(int plane_height, Planes* planes) {
  const int first = planes->dim(1).min(), last = planes->dim(1).max();
  const int left = planes->dim(0).min(), width = planes->dim(0).extent();
  parallel_rows(planes->dim(2).extent(), 1, [&](int p) {
    const float* top = &(*planes)(left, 0, p);
    const float* bottom = &(*planes)(left, plane_height - 1, p);
    for (int y = first; y < 0; ++y) std::copy(top, top + width, &(*planes)(left, y, p));
    for (int y = plane_height; y <= last; ++y) std::copy(bottom, bottom + width, &(*planes)(left, y, p));
  });
}

Halide::Runtime::Buffer<float, 1> four_values(const std::array<float, 4>& v) {
  Halide::Runtime::Buffer<float, 1> b(4);
  for (int i = 0; i < 4; ++i) b(i) = v[i];
  return b;
}

void noise_buffers(const NoiseProfile& noise, Halide::Runtime::Buffer<float, 1>* scale,
                   Halide::Runtime::Buffer<float, 1>* offset) {
  *scale = four_values(
      {float(noise.scale[0]), float(noise.scale[1]), float(noise.scale[2]), float(noise.scale[3])});
  *offset = four_values({float(noise.offset[0]), float(noise.offset[1]), float(noise.offset[2]),
                         float(noise.offset[3])});
}

// The integer part of the largest displacement plus one: how far beyond the
// reference's tiles the alternate's reach.
int max_shift_of(const AlignmentField& field) {
  float largest = 0;
  const float* d = field.displacement.data();
  for (size_t n = 0; n < field.displacement.number_of_elements(); ++n)
    largest = std::max(largest, std::abs(d[n]));
  return int(std::ceil(largest)) + 1;
}

// Sums over the 8x8 blocks of the reference's planes (tx, ty, p), of the
// samples and of their squares: merge tile (tx, ty) covers blocks tx - 1 and
// tx across, ty - 1 and ty down (block b holds plane pixels 8 b to 8 b + 7),
// so each sample is read once, not by the four tiles that hold it. Per
// block row, the eight rows are summed column by column (independent
// additions, which vectorise), then each block's eight columns.
struct BlockSums {
  Halide::Runtime::Buffer<double, 3> sum, sum_of_squares;  // blocks -1 .. tiles - 1
};

// Tile (tx, ty, p)'s total of a block figure: its four blocks'.
double over_tile(const Halide::Runtime::Buffer<double, 3>& blocks, int tx, int ty, int p) {
  return blocks(tx - 1, ty - 1, p) + blocks(tx, ty - 1, p) + blocks(tx - 1, ty, p) + blocks(tx, ty, p);
}

BlockSums reference_block_sums(const Planes& planes, int width, int height) {
  static_assert(kTile == 2 * kStride, "a tile is 2x2 blocks");
  const int tiles_x = merge_tiles_across(width / 2), tiles_y = merge_tiles_across(height / 2);
  BlockSums b;
  b.sum = Halide::Runtime::Buffer<double, 3>(tiles_x + 1, tiles_y + 1, 4);
  b.sum.set_min(-1, -1, 0);
  b.sum_of_squares = Halide::Runtime::Buffer<double, 3>(tiles_x + 1, tiles_y + 1, 4);
  b.sum_of_squares.set_min(-1, -1, 0);
  const int columns = kStride * (tiles_x + 1);
  parallel_rows(4 * (tiles_y + 1), 8, [&](int plane_row) {
    const int p = plane_row / (tiles_y + 1), by = plane_row % (tiles_y + 1) - 1;
    std::vector<double> column(size_t(columns), 0.0), column_squares(size_t(columns), 0.0);
    for (int y = 0; y < kStride; ++y) {
      const float* row = &planes(-kStride, by * kStride + y, p);
      for (int x = 0; x < columns; ++x) {
        const double v = row[x];
        column[size_t(x)] += v;
        column_squares[size_t(x)] += v * v;
      }
    }
    double* sum_row = &b.sum(-1, by, p);  // by pointer, as in mark_clipped_samples()
    double* squares_row = &b.sum_of_squares(-1, by, p);
    for (int bx = 0; bx <= tiles_x; ++bx) {
      double sum = 0, squares = 0;
      for (int x = kStride * bx; x < kStride * (bx + 1); ++x) {
        sum += column[size_t(x)];
        squares += column_squares[size_t(x)];
      }
      sum_row[bx] = sum;
      squares_row[bx] = squares;
    }
  });
  return b;
}

// Per merge tile (tx, ty, p) of the reference's planes: its mean level.
Halide::Runtime::Buffer<float, 3> tile_means_of(const BlockSums& blocks) {
  const int tiles_x = blocks.sum.dim(0).extent() - 1, tiles_y = blocks.sum.dim(1).extent() - 1;
  Halide::Runtime::Buffer<float, 3> means(tiles_x, tiles_y, 4);
  means.for_each_element(
      [&](int tx, int ty, int p) { means(tx, ty, p) = float(over_tile(blocks.sum, tx, ty, p) / (kTile * kTile)); });
  return means;
}

Halide::Runtime::Buffer<float, 3> reference_tile_means(const Planes& reference_planes, int width, int height) {
  return tile_means_of(reference_block_sums(reference_planes, width, height));
}

// A tile is structured when its variance exceeds the noise variance this many times.
constexpr double kStructuredVarianceRatio = 4.0;

// 1 for the reference's merge tiles with structure beyond noise, else 0.
Halide::Runtime::Buffer<uint8_t, 3> structured_tiles(const BlockSums& blocks, const NoiseProfile& noise) {
  const int tiles_x = blocks.sum.dim(0).extent() - 1, tiles_y = blocks.sum.dim(1).extent() - 1;
  Halide::Runtime::Buffer<uint8_t, 3> out(tiles_x, tiles_y, 4);
  out.for_each_element([&](int tx, int ty, int p) {
    const double n = kTile * kTile, mean = over_tile(blocks.sum, tx, ty, p) / n;
    const double variance = over_tile(blocks.sum_of_squares, tx, ty, p) / n - mean * mean;
    out(tx, ty, p) = variance > kStructuredVarianceRatio * tile_variance(noise, p, mean);
  });
  return out;
}

// The noise variance of `noise` at a tile's mean level, floored at kMinVariance.
float variance_at(const NoiseProfile& noise, int p, float mean) {
  return std::max(float(noise.scale[p]) * std::max(mean, 0.0f) + float(noise.offset[p]), merge::kMinVariance);
}

// The generator's sigma^2 for an equal-exposure burst: the reference's noise
// variance at each tile's mean level. The same for every frame, so made once.
Halide::Runtime::Buffer<float, 3> reference_tile_variance(const Halide::Runtime::Buffer<float, 3>& means,
                                                          const NoiseProfile& noise) {
  Halide::Runtime::Buffer<float, 3> variance(means.dim(0).extent(), means.dim(1).extent(), 4);
  variance.for_each_element([&](int tx, int ty, int p) { variance(tx, ty, p) = variance_at(noise, p, means(tx, ty, p)); });
  return variance;
}

// Pixels of a block of the clipped map (mark_clipped_samples()).
constexpr int kClipBlock = 8;

// Replaces the alternate's samples at or above `clip_level` (in the
// reference's scale) by kClippedSample, throughout the buffer `at(x, y, p)`
// reads for x in [x_min, x_min + width), y likewise; returns per block of
// kClipBlock x kClipBlock plane pixels (of the plane, 0 to plane_width) of
// each CFA plane whether any sample there was clipped.
template <typename At>
Halide::Runtime::Buffer<uint8_t, 3> mark_clipped_samples(int x_min, int y_min, int width, int height, int plane_width,
                                                         int plane_height, float clip_level, const At& at) {
  const int blocks_x = (plane_width + kClipBlock - 1) / kClipBlock, blocks_y = (plane_height + kClipBlock - 1) / kClipBlock;
  Halide::Runtime::Buffer<uint8_t, 3> clipped(blocks_x, blocks_y, 4);
  fill_dense(clipped, uint8_t(0));
  // Written by pointer: a Buffer's non-const operator() marks it dirty on
  // every call, a write both threads would make to one cache line.
  uint8_t* const blocks = clipped.data();
  parallel_rows(4 * height, 16, [&](int plane_row) {
    const int p = plane_row / height, y = y_min + plane_row % height;
    float* row = &at(x_min, y, p) - x_min;
    bool any = false;  // most rows have none: a pass that vectorises first
    for (int x = x_min; x < x_min + width; ++x) any |= row[x] >= clip_level;
    if (!any) return;
    for (int x = x_min; x < x_min + width; ++x) {
      float& v = row[x];
      if (v < clip_level) continue;
      v = merge::kClippedSample;
      // Distinct blocks of one plane row: no two threads write one.
      if (x >= 0 && y >= 0 && x < plane_width && y < plane_height)
        blocks[x / kClipBlock + blocks_x * (y / kClipBlock + blocks_y * p)] = 1;
    }
  });
  return clipped;
}

// The integer shift and Catmull-Rom weights merge tile (tx, ty) resamples
// the alternate with (the generator's: its nearest alignment tile).
struct TileShift {
  int ix = 0, iy = 0;
  float wx[4], wy[4];
};
TileShift tile_shift(const AlignmentField& field, int tx, int ty, int max_shift) {
  int atx, aty;
  field.nearest_tile(tx * kStride - kStride + kTile / 2, ty * kStride - kStride + kTile / 2, &atx, &aty);
  const float dx = field.displacement(atx, aty, 0), dy = field.displacement(atx, aty, 1);
  TileShift s;
  s.ix = std::clamp(int(std::floor(dx)), -max_shift, max_shift);
  s.iy = std::clamp(int(std::floor(dy)), -max_shift, max_shift);
  catmull_rom_weights(dx - std::floor(dx), s.wx);
  catmull_rom_weights(dy - std::floor(dy), s.wy);
  return s;
}

// Per merge tile (tiles_x x tiles_y x 4): whether it reads a clipped sample
// (by the clipped blocks): its reach, Catmull-Rom's 1 before and 2 after.
Halide::Runtime::Buffer<uint8_t, 3> tiles_reading_clipped(const Halide::Runtime::Buffer<uint8_t, 3>& clipped,
                                                          const AlignmentField& field, int max_shift, int tiles_x,
                                                          int tiles_y, int plane_width, int plane_height) {
  Halide::Runtime::Buffer<uint8_t, 3> out(tiles_x, tiles_y, 4);
  for (int ty = 0; ty < tiles_y; ++ty)
    for (int tx = 0; tx < tiles_x; ++tx) {
      const TileShift s = tile_shift(field, tx, ty, max_shift);
      const int x0 = tx * kStride - kStride + s.ix, y0 = ty * kStride - kStride + s.iy;
      const int bx0 = std::clamp(x0 - 1, 0, plane_width - 1) / kClipBlock,
                bx1 = std::clamp(x0 + kTile + 1, 0, plane_width - 1) / kClipBlock;
      const int by0 = std::clamp(y0 - 1, 0, plane_height - 1) / kClipBlock,
                by1 = std::clamp(y0 + kTile + 1, 0, plane_height - 1) / kClipBlock;
      for (int p = 0; p < 4; ++p) {
        bool reads = false;
        for (int by = by0; by <= by1 && !reads; ++by)
          for (int bx = bx0; bx <= bx1 && !reads; ++bx) reads = clipped(bx, by, p) != 0;
        out(tx, ty, p) = reads;
      }
    }
  return out;
}

// Per merge tile: the reference's and the alternate's noise variances at the
// reference tile's mean level (`means`), as TilePairing holds them.
TilePairing pairing_from(const Halide::Runtime::Buffer<float, 3>& means, const NoiseProfile& noise,
                         const ExposureScale& exposure) {
  TilePairing out;
  out.variance = Halide::Runtime::Buffer<float, 3>(means.dim(0).extent(), means.dim(1).extent(), 4);
  out.share = Halide::Runtime::Buffer<float, 3>(means.dim(0).extent(), means.dim(1).extent(), 4);
  means.for_each_element([&](int tx, int ty, int p) {
    const float reference_variance = variance_at(noise, p, means(tx, ty, p)),
                alternate_variance = variance_at(exposure.noise, p, means(tx, ty, p));
    out.variance(tx, ty, p) = 0.5f * (reference_variance + alternate_variance);
    out.share(tx, ty, p) = reference_variance / alternate_variance;
  });
  return out;
}

// Window-weighted per pixel of mosaic row y (in the planes): the sum over
// the tiles covering its plane pixel of window(i) window(j) per_tile(tx, ty,
// p), as the overlap-add weighs the tiles' values there; out[0, 2 plane_width).
void overlap_added_row(const Halide::Runtime::Buffer<float, 3>& per_tile, int y, int plane_width, float* out) {
  const auto& w = raised_cosine();
  const int plane_y = y / 2, ty = plane_y / kStride, j = plane_y % kStride;
  const float wy0 = w[j + kStride], wy1 = w[j];
  const int p = 2 * (y % 2);
  const float* above[2] = {&per_tile(0, ty, p), &per_tile(0, ty, p + 1)};
  const float* below[2] = {&per_tile(0, ty + 1, p), &per_tile(0, ty + 1, p + 1)};
  // A block of kStride plane pixels at a time: tile tx covers them at its
  // columns i + kStride, tile tx + 1 at its columns i.
  for (int x0 = 0; x0 < plane_width; x0 += kStride) {
    const int tx = x0 / kStride;
    std::array<float, 2 * kStride> block;
    for (int column = 0; column < 2; ++column) {
      const float a0 = above[column][tx], a1 = above[column][tx + 1];
      const float b0 = below[column][tx], b1 = below[column][tx + 1];
      for (int i = 0; i < kStride; ++i)
        block[2 * i + column] = wy0 * (w[i + kStride] * a0 + w[i] * a1) + wy1 * (w[i + kStride] * b0 + w[i] * b1);
    }
    std::copy_n(block.begin(), 2 * std::min(kStride, plane_width - x0), out + 2 * x0);
  }
}

// A row's worth of scratch per thread (overlap_added_row()'s output).
float* row_scratch(int width) {
  thread_local std::vector<float> row;
  if (int(row.size()) < width) row.resize(width);
  return row.data();
}

// Per pixel (mosaic geometry), the shares the overlap-added shares count
// there that a bracket's frames did not give (their samples were clipped):
// kept per band of kStride plane rows (2 kStride mosaic rows), and only
// for the bands that have any, as most of a frame has none.
class MissingShares {
 public:
  MissingShares(int width, int height) : width_(width), bands_((height / 2 + kStride - 1) / kStride) {}
  // Row y's shares, or nullptr where its band has none.
  const float* row(int y) const {
    const std::vector<float>& band = bands_[y / (2 * kStride)];
    return band.empty() ? nullptr : &band[size_t(y % (2 * kStride)) * width_];
  }
  // Row y's shares to add to (its band made on first use; one thread per band).
  float* row_to_add(int y) {
    std::vector<float>& band = bands_[y / (2 * kStride)];
    if (band.empty()) band.assign(size_t(2 * kStride) * width_, 0.0f);
    return &band[size_t(y % (2 * kStride)) * width_];
  }

 private:
  int width_;
  std::vector<std::vector<float>> bands_;
};

// A bracket's alternate, after its correction was added to `after` (the
// sum before it being `before`, or on the reference path `reference`, the
// frame's own correction): what its clipped samples did not give. In each
// tile that reads one, at each pixel whose resampled value took one in, the
// tile misses its window times its given share (`given`: share x
// robustness weight): per pixel that sum is added to `missing_shares` (what
// the overlap-added shares count and the correction does not have), and
// the frame's correction there keeps only the part of the tiles that had
// the pixel: the frequency-domain shrink spreads a tile's correction a
// little beyond its valid pixels, and a clipped pixel must take none of it.
// `at(x, y, p)` reads the marked planes. `clipped_fraction` (per tile): the
// fraction of its pixels that took a clipped sample in.
// Worked in bands of kStride plane rows, each covered by two rows of tiles
// and written by one thread: no frame-sized scratch.
template <typename At>
void account_clipped_samples(const Halide::Runtime::Buffer<uint8_t, 3>& reads_clipped,
                             const Halide::Runtime::Buffer<float, 3>& given, const AlignmentField& field,
                             int max_shift, int plane_width, int plane_height, const At& at, const Plane& before,
                             const Plane* reference, Plane* after, MissingShares* missing_shares,
                             Halide::Runtime::Buffer<float, 3>* clipped_fraction) {
  // float(window(i) * window(j)), the 2-D window as the tiles weigh pixels.
  static const auto window_2d = [] {
    std::array<std::array<float, kTile>, kTile> w{};
    for (int j = 0; j < kTile; ++j)
      for (int i = 0; i < kTile; ++i) w[j][i] = float(merge::window(i) * merge::window(j));
    return w;
  }();
  const int tiles_x = given.dim(0).extent(), tiles_y = given.dim(1).extent();
  const int mosaic_width = 2 * plane_width;
  // Clipped pixels per tile: its rows 0-7 (band ty - 1) and 8-15 (band ty)
  // counted apart, so that each band writes only its own counts.
  Halide::Runtime::Buffer<int, 4> clipped_pixels(tiles_x, tiles_y, 4, 2);
  fill_dense(clipped_pixels, 0);
  int* const clipped_pixels_of = clipped_pixels.data();  // dense; by pointer, as below
  const int bands = (plane_height + kStride - 1) / kStride;
  parallel_rows(bands, 1, [&](int band) {
    // The band's missing shares, mosaic geometry (2 kStride rows).
    thread_local std::vector<float> band_missing;
    band_missing.assign(size_t(2 * kStride) * mosaic_width, 0.0f);
    bool any = false;
    // The resampled values as the generator sums them (across each source
    // row, then down), each row once per tile rather than per pixel.
    std::array<std::array<float, kTile>, kStride + 3> row_sums;
    // Tile row `band` covers the band with its rows 8-15, tile row band + 1
    // with its rows 0-7; the even tile row's shares are added first.
    for (int k = 0; k < 2; ++k) {
      const int lower = band % 2 == 0 ? k : 1 - k, ty = band + lower;
      if (ty >= tiles_y) continue;
      const int y0 = ty * kStride - kStride, j_first = lower ? 0 : kStride;
      const int j_begin = std::max(j_first, -y0), j_end = std::min(j_first + kStride, plane_height - y0);
      for (int tx = 0; tx < tiles_x; ++tx) {
        if (!reads_clipped(tx, ty, 0) && !reads_clipped(tx, ty, 1) && !reads_clipped(tx, ty, 2) &&
            !reads_clipped(tx, ty, 3))
          continue;
        const TileShift s = tile_shift(field, tx, ty, max_shift);
        const int x0 = tx * kStride - kStride;
        const int i_begin = std::max(0, -x0), i_end = std::min(kTile, plane_width - x0);
        for (int p = 0; p < 4; ++p) {
          if (!reads_clipped(tx, ty, p)) continue;
          const float share = given(tx, ty, p);
          // Whole tile rows (the planes' margins hold the columns beyond
          // the plane): fixed-length loops that vectorise.
          for (int r = j_begin; r < j_end + 3; ++r) {
            const float* source = &at(x0 + s.ix - 1, y0 + s.iy - 1 + r, p);
            for (int i = 0; i < kTile; ++i) {
              float row = 0;
              for (int n = 0; n < 4; ++n) row += s.wx[n] * source[i + n];
              row_sums[r - j_begin][i] = row;
            }
          }
          int clipped = 0;
          for (int j = j_begin; j < j_end; ++j) {
            float* out = &band_missing[size_t(2 * (y0 + j - band * kStride) + (p >> 1)) * mosaic_width + (p & 1)];
            std::array<float, kTile> values;
            for (int i = 0; i < kTile; ++i) {
              float value = 0;
              for (int m = 0; m < 4; ++m) value += s.wy[m] * row_sums[j - j_begin + m][i];
              values[i] = value;
            }
            for (int i = i_begin; i < i_end; ++i) {
              if (std::abs(values[i]) <= merge::kClippedThreshold) continue;
              out[2 * (x0 + i)] += window_2d[j][i] * share;
              ++clipped;
            }
          }
          clipped_pixels_of[tx + tiles_x * (ty + tiles_y * (p + 4 * lower))] = clipped;
          any |= clipped > 0;
        }
      }
    }
    if (!any) return;
    const int y_begin = 2 * band * kStride, y_end = std::min(y_begin + 2 * kStride, 2 * plane_height);
    for (int y = y_begin; y < y_end; ++y) {
      const float* missing = &band_missing[size_t(y - y_begin) * mosaic_width];
      if (std::all_of(missing, missing + mosaic_width, [](float m) { return m == 0; })) continue;
      float* total = row_scratch(mosaic_width);
      overlap_added_row(given, y, plane_width, total);
      // Rows by pointer: a Buffer's non-const operator() marks it dirty on
      // every call, a write both threads would make to one cache line.
      float* missing_row = missing_shares->row_to_add(y);
      float* after_row = after->data() + size_t(y) * after->dim(1).stride();
      const float* own_row = reference ? reference->data() + size_t(y) * reference->dim(1).stride() : nullptr;
      const float* before_row = reference ? nullptr : before.data() + size_t(y) * before.dim(1).stride();
      for (int x = 0; x < mosaic_width; ++x) {
        if (missing[x] == 0) continue;
        missing_row[x] += missing[x];
        const float kept = std::max(0.0f, 1 - missing[x] / total[x]);
        if (own_row) {
          after_row[x] += (kept - 1) * own_row[x];
        } else {
          after_row[x] = before_row[x] + kept * (after_row[x] - before_row[x]);
        }
      }
    }
  });
  clipped_fraction->for_each_element([&](int tx, int ty, int p) {
    (*clipped_fraction)(tx, ty, p) =
        float(clipped_pixels(tx, ty, p, 0) + clipped_pixels(tx, ty, p, 1)) / (kTile * kTile);
  });
}

// One alternate frame's correction and robustness weights, through
// nb_merge_temporal: `correction_after` = `correction_before` + sign * this
// frame's correction (sign -1 takes back one added before). The two may be
// one buffer (each pixel of the sum is read, then written). `weight` is the
// tile grid's size; every tile of it is written (checked: a schedule that
// skipped a tile would leave a stale weight behind).
Status run_temporal(const Planes& reference_planes, const Halide::Runtime::Buffer<float, 3>& tile_variance,
                    const Halide::Runtime::Buffer<float, 3>& tile_share, const Planes& alternate_planes, int width,
                    int height, int max_shift, const AlignmentField& field, const WienerMergeParams& params,
                    float sign, const Plane& correction_before, Plane* correction_after,
                    Halide::Runtime::Buffer<float, 3>* weight) {
  // Shallow copies: the generated API takes non-const buffers.
  Planes ref = reference_planes, alt = alternate_planes;
  Halide::Runtime::Buffer<float, 3> variance = tile_variance, share = tile_share;
  Plane before = correction_before;
  Halide::Runtime::Buffer<float, 3> displacement = field.displacement;
  fill_dense(*weight, std::numeric_limits<float>::quiet_NaN());
  int err = nb_merge_temporal(ref, alt, max_shift, displacement, variance, width / 2, height / 2, share,
                              params.robustness_low, params.robustness_high, params.temporal_factor,
                              weight->raw_buffer(), sign, before, *correction_after);
  if (err != 0)
    return internal_error("merge: temporal pipeline failed with code " + std::to_string(err));
  const Halide::Runtime::Buffer<float, 3>& recorded = *weight;
  bool complete = true;
  recorded.for_each_element([&](int tx, int ty, int p) { complete &= !std::isnan(recorded(tx, ty, p)); });
  if (!complete) return internal_error("merge: the temporal pipeline left tile weights unwritten");
  return Status();
}

}  // namespace

Status fill_cfa_planes(const RawFrame& frame, Halide::Runtime::Buffer<float, 3>* planes, double divide_by) {
  const RawMetadata& m = frame.meta;
  std::array<float, 4> scale;
  for (int i = 0; i < 4; ++i)
    scale[i] = divide_by == 1 ? 1.0f / (m.white_level - m.black_level[i])
                              : float(1.0 / ((double(m.white_level) - m.black_level[i]) * divide_by));
  Halide::Runtime::Buffer<float, 1> black = four_values(m.black_level),
                                    scale_buffer = four_values(scale);
  Halide::Runtime::Buffer<uint16_t, 2> mosaic = frame.mosaic;
  int err = nb_merge_planes_u16(mosaic, black, scale_buffer, *planes);
  if (err != 0)
    return internal_error("merge: planes pipeline failed with code " + std::to_string(err));
  return Status();
}

Status fill_cfa_planes(const Plane& normalised, Halide::Runtime::Buffer<float, 3>* planes) {
  Halide::Runtime::Buffer<float, 1> black = four_values({0, 0, 0, 0}),
                                    scale = four_values({1, 1, 1, 1});
  Plane mosaic = normalised;
  int err = nb_merge_planes_f32(mosaic, black, scale, *planes);
  if (err != 0)
    return internal_error("merge: planes pipeline failed with code " + std::to_string(err));
  return Status();
}

void mark_clipped(Plane* alternate, float clip_level) {
  for (float& v : *alternate)
    if (v >= clip_level) v = merge::kClippedSample;
}

TilePairing tile_pairing(const Plane& reference, const NoiseProfile& noise, const ExposureScale& exposure) {
  const int width = reference.width(), height = reference.height();
  Planes ref = planes_with_margin(width, height, kPlaneMargin);
  fill_cfa_planes(reference, &ref);
  return pairing_from(reference_tile_means(ref, width, height), noise, exposure);
}

Status temporal_correction(const Plane& reference, const Plane& alternate,
                           const AlignmentField& field, const NoiseProfile& noise,
                           const WienerMergeParams& params, TemporalCorrection* out,
                           const TilePairing* pairing) {
  const int width = reference.width(), height = reference.height(), max_shift = max_shift_of(field);
  Planes ref = planes_with_margin(width, height, kPlaneMargin);
  Planes alt = planes_with_margin(width, height, kPlaneMargin + max_shift);
  NB_RETURN_IF_ERROR(fill_cfa_planes(reference, &ref));
  NB_RETURN_IF_ERROR(fill_cfa_planes(alternate, &alt));
  out->correction = Plane(width, height);
  fill_dense(out->correction, 0.0f);
  out->weight = Halide::Runtime::Buffer<float, 3>(merge_tiles_across(width / 2),
                                                  merge_tiles_across(height / 2), 4);
  Halide::Runtime::Buffer<float, 3> variance, share;
  if (pairing) {
    variance = pairing->variance;
    share = pairing->share;
  } else {
    variance = reference_tile_variance(reference_tile_means(ref, width, height), noise);
    share = Halide::Runtime::Buffer<float, 3>(variance.dim(0).extent(), variance.dim(1).extent(), 4);
    share.fill(1.0f);
  }
  return run_temporal(ref, variance, share, alt, width, height, max_shift, field, params, 1.0f, out->correction,
                      &out->correction, &out->weight);
}

namespace {

// The spatial step given the merged mosaic's planes (margin kPlaneMargin).
// `out` may be `merged` itself: each output pixel reads only its own
// mosaic pixel (outside the planes) besides the planes.
Status run_spatial(const Planes& merged_planes, const Plane& merged,
                   const Halide::Runtime::Buffer<float, 3>& effective_frames, const NoiseProfile& noise,
                   const WienerMergeParams& params, Plane* out) {
  Halide::Runtime::Buffer<float, 1> scale, offset;
  noise_buffers(noise, &scale, &offset);
  // Shallow copies: the generated API takes non-const buffers.
  Planes planes = merged_planes;
  Plane mosaic = merged;
  Halide::Runtime::Buffer<float, 3> effective = effective_frames;
  int err = nb_merge_spatial(planes, mosaic, effective, scale, offset, params.spatial_factor, *out);
  if (err != 0)
    return internal_error("merge: spatial pipeline failed with code " + std::to_string(err));
  return Status();
}

}  // namespace

Status spatial_denoise(const Plane& merged,
                       const Halide::Runtime::Buffer<float, 3>& effective_frames,
                       const NoiseProfile& noise, const WienerMergeParams& params, Plane* out) {
  Planes planes = planes_with_margin(merged.width(), merged.height(), kPlaneMargin);
  NB_RETURN_IF_ERROR(fill_cfa_planes(merged, &planes));
  *out = Plane(merged.width(), merged.height());
  return run_spatial(planes, merged, effective_frames, noise, params, out);
}

struct WienerMerger::State {
  NoiseProfile noise;
  WienerMergeParams params;
  bool halide = true;
  Plane ref;  // normalised; the reference implementation's only
  int width = 0, height = 0, frames = 1;
  // The Halide path's buffers live for the whole burst: fresh frame-sized
  // buffers per frame cost more in page faults than the merge's arithmetic.
  // The running sum of corrections: a frame's correction is added in place
  // (and taken back out if its weights reject it). A bracket's frame's goes
  // to the other buffer (made at the first one), as its clipped samples are
  // accounted for against the sum before it.
  Planes ref_planes, alt_storage;
  Halide::Runtime::Buffer<float, 3> tile_means;     // reference_tile_means() of ref_planes
  Halide::Runtime::Buffer<float, 3> tile_variance;  // reference_tile_variance() of ref_planes
  Halide::Runtime::Buffer<float, 3> full_share;     // 1 everywhere: an equal exposure's share
  Plane correction_sums[2];
  int current = 0;
  Halide::Runtime::Buffer<float, 3> effective, weight;
  // Per tile, 1 + the sum of the merged alternates' shares: what the sum of
  // corrections is divided by. Used when a frame of another exposure was
  // merged (`bracket`); else every share is 1 and the divisor is `frames`.
  Halide::Runtime::Buffer<float, 3> shares;
  // Per pixel (mosaic geometry): the shares the overlap-added `shares` count
  // there that a bracket's frame did not give (its sample was clipped).
  std::unique_ptr<MissingShares> missing_shares;
  Halide::Runtime::Buffer<float, 3> clipped_effective, clipped_fraction;
  bool bracket = false;
  Halide::Runtime::Buffer<uint8_t, 3> structured;
  int64_t structured_count = 0;
};

WienerMerger::WienerMerger(std::unique_ptr<State> state) : state_(std::move(state)) {}
WienerMerger::~WienerMerger() = default;

Status WienerMerger::create(const RawFrame& reference, const NoiseProfile& noise,
                            const WienerMergeParams& params, Implementation implementation,
                            std::unique_ptr<WienerMerger>* merger) {
  auto st = std::make_unique<State>();
  st->noise = noise;
  st->params = params;
  st->halide = implementation == Implementation::kHalide;
  const int width = st->width = reference.mosaic.width(), height = st->height = reference.mosaic.height();
  if (st->halide) {
    // The reference's planes hold its normalised samples (the edge repeated
    // beyond the plane, as PlaneView reads it): no mosaic copy is kept.
    st->ref_planes = planes_with_margin(width, height, kPlaneMargin);
    NB_RETURN_IF_ERROR(fill_cfa_planes(reference, &st->ref_planes));
    const BlockSums blocks = reference_block_sums(st->ref_planes, width, height);
    st->tile_means = tile_means_of(blocks);
    st->tile_variance = reference_tile_variance(st->tile_means, noise);
    st->structured = structured_tiles(blocks, noise);
  } else {
    st->ref = normalised_mosaic(reference);
    Planes planes = planes_with_margin(width, height, kPlaneMargin);
    NB_RETURN_IF_ERROR(fill_cfa_planes(st->ref, &planes));
    const BlockSums blocks = reference_block_sums(planes, width, height);
    st->tile_means = tile_means_of(blocks);
    st->structured = structured_tiles(blocks, noise);
  }
  st->correction_sums[0] = Plane(width, height);
  fill_dense_in_parallel(st->correction_sums[0], 0.0f);
  const int tiles_x = merge_tiles_across(width / 2), tiles_y = merge_tiles_across(height / 2);
  st->effective = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 4);
  st->weight = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 4);
  fill_dense(st->effective, 1.0f);  // the reference itself
  st->shares = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 4);
  fill_dense(st->shares, 1.0f);
  st->full_share = Halide::Runtime::Buffer<float, 3>(tiles_x, tiles_y, 4);
  fill_dense(st->full_share, 1.0f);
  const Halide::Runtime::Buffer<uint8_t, 3>& structured = st->structured;
  structured.for_each_element(
      [&](int tx, int ty, int p) { st->structured_count += structured(tx, ty, p); });
  merger->reset(new WienerMerger(std::move(st)));
  return Status();
}

const Halide::Runtime::Buffer<float, 3>& WienerMerger::last_tile_weights() const { return state_->weight; }

Status WienerMerger::add(const RawFrame& alternate, const AlignmentField& field, float* mean_weight,
                         bool* rejected, const ExposureScale& exposure) {
  State& st = *state_;
  const int width = st.width, height = st.height;
  if (alternate.mosaic.width() != width || alternate.mosaic.height() != height)
    return invalid_argument("merge: " + alternate.source + " is not the reference's size");
  ++st.frames;
  const bool bracket = !exposure.equal();
  const int max_shift = max_shift_of(field), margin = kPlaneMargin + max_shift;
  // The alternate's planes: the Halide path's input, and for a bracket where
  // its clipped samples are marked (the reference path's too).
  Planes alt;
  if (st.halide) {
    // Grown in steps of 32, not to the pixel: frames' largest shifts differ
    // by a pixel or two, and each reallocation is ~70 MB of fresh pages.
    if (!st.alt_storage.data() || st.alt_storage.dim(0).min() > -margin)
      st.alt_storage = planes_with_margin(width, height, (margin + 31) / 32 * 32);
    alt = st.alt_storage.cropped(0, -margin, padded_plane_width(width, margin))
              .cropped(1, -margin, height / 2 + 2 * margin);
    NB_RETURN_IF_ERROR(fill_cfa_planes(alternate, &alt, exposure.ratio));
  }
  Plane alternate_mosaic;  // the reference path's input
  if (!st.halide) {
    alternate_mosaic = normalised_mosaic(alternate);
    if (bracket) {
      for (float& v : alternate_mosaic) v = float(v / exposure.ratio);
      mark_clipped(&alternate_mosaic, exposure.clip_level);
      alt = planes_with_margin(width, height, margin);
      NB_RETURN_IF_ERROR(fill_cfa_planes(alternate_mosaic, &alt));
    }
  }
  // A bracket's alternate: its clipped samples marked, the tiles that read
  // them, and its per-tile noise and share.
  Halide::Runtime::Buffer<float, 3> variance = st.tile_variance, share = st.full_share;
  Halide::Runtime::Buffer<uint8_t, 3> reads_clipped;
  TilePairing pairing;
  float* const base = bracket ? &alt(0, 0, 0) : nullptr;
  const ptrdiff_t row_stride = bracket ? alt.dim(1).stride() : 0, plane_stride = bracket ? alt.dim(2).stride() : 0;
  auto alt_at = [&](int x, int y, int p) -> float& { return base[x + y * row_stride + p * plane_stride]; };
  if (bracket) {
    const auto clipped = mark_clipped_samples(alt.dim(0).min(), alt.dim(1).min(), alt.dim(0).extent(),
                                              alt.dim(1).extent(), width / 2, height / 2, exposure.clip_level, alt_at);
    reads_clipped = tiles_reading_clipped(clipped, field, max_shift, st.weight.dim(0).extent(),
                                          st.weight.dim(1).extent(), width / 2, height / 2);
    pairing = pairing_from(st.tile_means, st.noise, exposure);
    variance = pairing.variance;
    share = pairing.share;
  }
  Plane reference_correction;
  // The Halide path adds the correction to the sum in the pass that finds
  // the weights (the weights were a pass of their own, a second resampling
  // of the alternate), and takes it back if they reject the frame. A
  // bracket's frame's goes to the other buffer, made at the first, as its
  // clipped samples are accounted for against the sum before it: there,
  // taking it back is keeping the sum before.
  Plane* sum_before = &st.correction_sums[st.current];
  Plane* sum_after = sum_before;
  if (st.halide) {
    if (bracket) {
      Plane& other = st.correction_sums[1 - st.current];
      if (!other.data()) other = Plane(width, height);
      sum_after = &other;
    }
    NB_RETURN_IF_ERROR(run_temporal(st.ref_planes, variance, share, alt, width, height, max_shift, field, st.params,
                                    1.0f, *sum_before, sum_after, &st.weight));
  } else {
    TemporalCorrection c = temporal_correction_reference(st.ref, alternate_mosaic, field, st.noise, st.params,
                                                         bracket ? &pairing : nullptr);
    st.weight = c.weight;
    reference_correction = c.correction;
  }
  // The frame's mean weight over structured tiles (over all when the
  // reference is flat throughout), leaving out the tiles a bracket's longer
  // frame reads clipped samples in: they tell less of its motion.
  const Halide::Runtime::Buffer<float, 3>& weight = st.weight;
  auto counts = [&](int tx, int ty, int p) { return !bracket || !reads_clipped(tx, ty, p); };
  double weight_sum = 0;
  int64_t structured_count = 0, counted_tiles = 0;
  weight.for_each_element([&](int tx, int ty, int p) {
    if (!counts(tx, ty, p)) return;
    ++counted_tiles;
    structured_count += st.structured(tx, ty, p);
  });
  weight.for_each_element([&](int tx, int ty, int p) {
    if (counts(tx, ty, p) && (structured_count == 0 || st.structured(tx, ty, p))) weight_sum += weight(tx, ty, p);
  });
  const int64_t counted = structured_count ? structured_count : counted_tiles;
  *mean_weight = counted ? float(weight_sum / counted) : 0.0f;
  // A bracket's long frame may leave few tiles unclipped (a moving object's
  // among them): rejecting it whole takes more evidence than a few tiles.
  *rejected = counted >= (bracket ? kRejectionEvidenceTiles : 1) && *mean_weight < kRejectedBelowWeight;
  if (*rejected) {
    // It contributes the reference's content everywhere. The same pass
    // again gives the same weights and correction, now taken back.
    if (st.halide && !bracket)
      NB_RETURN_IF_ERROR(run_temporal(st.ref_planes, variance, share, alt, width, height, max_shift, field,
                                      st.params, -1.0f, *sum_after, sum_after, &st.weight));
    return Status();
  }
  if (st.halide) {
    if (bracket) st.current = 1 - st.current;
  } else {
    float* sum = st.correction_sums[st.current].data();
    const float* c = reference_correction.data();
    for (size_t n = 0; n < size_t(width) * height; ++n) sum[n] += c[n];
  }
  // A bracket's frame gives its share times its robustness weight: where it
  // moved it drops out of the mean (an equal exposure's stands in for itself
  // with the reference's content, as HDR+ merges, and counts 1 either way).
  Halide::Runtime::Buffer<float, 3> clipped_fraction, given;
  if (bracket) {
    if (!st.missing_shares) st.missing_shares = std::make_unique<MissingShares>(width, height);
    given = Halide::Runtime::Buffer<float, 3>(share.dim(0).extent(), share.dim(1).extent(), 4);
    given.for_each_element([&](int tx, int ty, int p) { given(tx, ty, p) = share(tx, ty, p) * weight(tx, ty, p); });
    clipped_fraction = Halide::Runtime::Buffer<float, 3>(share.dim(0).extent(), share.dim(1).extent(), 4);
    // (The sum with this frame's correction is correction_sums[current]
    // now; on the Halide path the sum before it is the other buffer.)
    account_clipped_samples(reads_clipped, given, field, max_shift, width / 2, height / 2, alt_at,
                            st.correction_sums[1 - st.current], st.halide ? nullptr : &reference_correction,
                            &st.correction_sums[st.current], st.missing_shares.get(), &clipped_fraction);
    st.bracket = true;
  }
  // A bracket's frames count by their share: the effective number of
  // reference frames whose noise the merge averaged. Where one was clipped
  // in part of a tile, that part averaged fewer (`clipped_effective`, over
  // the tile's largest clipped fraction).
  if (bracket && !st.clipped_effective.data()) {
    st.clipped_effective = st.effective.copy();
    st.clipped_fraction = Halide::Runtime::Buffer<float, 3>(st.effective.dim(0).extent(), st.effective.dim(1).extent(), 4);
    fill_dense(st.clipped_fraction, 0.0f);
  }
  st.effective.for_each_element([&](int tx, int ty, int p) {
    const float averaged = weight(tx, ty, p) * share(tx, ty, p);
    st.effective(tx, ty, p) += averaged;
    st.shares(tx, ty, p) += bracket ? given(tx, ty, p) : share(tx, ty, p);
    if (!st.clipped_effective.data()) return;
    const float clipped = bracket ? clipped_fraction(tx, ty, p) : 0.0f;
    if (clipped == 0) st.clipped_effective(tx, ty, p) += averaged;
    st.clipped_fraction(tx, ty, p) = std::max(st.clipped_fraction(tx, ty, p), clipped);
  });
  return Status();
}

Status WienerMerger::finish(Plane* merged, double* effective_frames) {
  State& st = *state_;
  if (st.width == 0) return invalid_argument("merge: the merger has already finished");
  if (st.clipped_effective.data()) {
    // A tile part of which a bracket's frame was clipped in: its noise is the
    // mean of the clipped part's and the rest's, as the spatial step sees it.
    st.effective.for_each_element([&](int tx, int ty, int p) {
      const float f = st.clipped_fraction(tx, ty, p);
      if (f > 0)
        st.effective(tx, ty, p) =
            1 / (f / st.clipped_effective(tx, ty, p) + (1 - f) / st.effective(tx, ty, p));
    });
  }
  double effective_total = 0;
  st.effective.for_each_element(
      [&](int tx, int ty, int p) { effective_total += st.effective(tx, ty, p); });
  *effective_frames = effective_total / st.effective.number_of_elements();
  // Merged tile = mean over frames of (R - w (1 - A) D): the reference minus
  // the mean correction; in a bracket, the sum of corrections over the
  // overlap-added 1 + sum of shares (TilePairing).
  const float frames = float(st.frames);
  if (!st.halide) {
    Plane temporal(st.width, st.height);
    const float* r = st.ref.data();
    const float* sum = st.correction_sums[st.current].data();
    float* t = temporal.data();
    std::vector<float> shares(st.width);
    for (int y = 0; y < st.height; ++y) {
      const bool row_in_planes = st.bracket && y < st.height / 2 * 2;
      const float* missing = row_in_planes ? st.missing_shares->row(y) : nullptr;
      if (row_in_planes) overlap_added_row(st.shares, y, st.width / 2, shares.data());
      for (int x = 0; x < st.width; ++x) {
        const size_t n = size_t(y) * st.width + x;
        const bool in_planes = row_in_planes && x < st.width / 2 * 2;
        const float divisor = in_planes ? shares[x] - (missing ? missing[x] : 0.0f) : frames;
        t[n] = r[n] - sum[n] / divisor;
      }
    }
    *merged = spatial_denoise_reference(temporal, st.effective, st.noise, st.params);
    return Status();
  }
  // The Halide path works in the burst's buffers, allocating nothing: the
  // temporal result is written over the reference's planes (each sample
  // reads only its own), their margins are then repeated from it, and the
  // spatial step writes over the sum. Frames are whole 2x2 CFA tiles
  // (validate_metadata()), so every sample lies in a plane and the spatial
  // step reads nothing of its mosaic input but the planes; the result is
  // not written back to the mosaic. 12 MP, 2 threads, 24 runs: this pass
  // and the margins take 3.5 ms (median), where writing the mosaic and
  // then building its planes anew (nb_merge_planes_f32) took 7.7 ms.
  Plane temporal = st.correction_sums[st.current];
  st.correction_sums[1 - st.current] = Plane();
  st.alt_storage = Planes();
  const int plane_width = st.width / 2;
  Planes& planes = st.ref_planes;
  parallel_rows(st.height / 2 * 2, 64, [&](int y) {
    float* even = &planes(0, y / 2, 2 * (y % 2));  // the reference at x = 0, 2, 4, ...
    float* odd = &planes(0, y / 2, 2 * (y % 2) + 1);
    const float* sum = &temporal(0, y);
    if (st.bracket) {
      float* shares = row_scratch(plane_width * 2);
      overlap_added_row(st.shares, y, plane_width, shares);
      if (const float* missing = st.missing_shares->row(y)) {
        for (int x = 0; x < plane_width; ++x) {
          even[x] = even[x] - sum[2 * x] / (shares[2 * x] - missing[2 * x]);
          odd[x] = odd[x] - sum[2 * x + 1] / (shares[2 * x + 1] - missing[2 * x + 1]);
        }
      } else {
        for (int x = 0; x < plane_width; ++x) {
          even[x] = even[x] - sum[2 * x] / shares[2 * x];
          odd[x] = odd[x] - sum[2 * x + 1] / shares[2 * x + 1];
        }
      }
    } else {
      for (int x = 0; x < plane_width; ++x) {
        even[x] = even[x] - sum[2 * x] / frames;
        odd[x] = odd[x] - sum[2 * x + 1] / frames;
      }
    }
    for (float* row : {even, odd}) {
      std::fill(row + planes.dim(0).min(), row, row[0]);
      std::fill(row + plane_width, row + planes.dim(0).max() + 1, row[plane_width - 1]);
    }
  });
  repeat_edge_rows(st.height / 2, &planes);
  NB_RETURN_IF_ERROR(run_spatial(st.ref_planes, temporal, st.effective, st.noise, st.params, &temporal));
  *merged = temporal;
  st = State();  // the merger is spent
  return Status();
}

Status merge_wiener(const std::vector<RawFrame>& frames, int reference,
                    const std::vector<AlignmentField>& fields, const NoiseProfile& noise,
                    const WienerMergeParams& params, Implementation implementation, Plane* merged,
                    MergeStats* stats) {
  if (reference < 0 || reference >= int(frames.size()) || fields.size() != frames.size())
    return invalid_argument("merge: reference index or alignment count does not match the burst");
  std::unique_ptr<WienerMerger> merger;
  NB_RETURN_IF_ERROR(
      WienerMerger::create(frames[reference], noise, params, implementation, &merger));
  stats->mean_weight.assign(frames.size(), 1.0f);
  stats->rejected.assign(frames.size(), false);
  for (size_t k = 0; k < frames.size(); ++k) {
    if (int(k) == reference) continue;
    bool rejected = false;
    NB_RETURN_IF_ERROR(merger->add(frames[k], fields[k], &stats->mean_weight[k], &rejected));
    stats->rejected[k] = rejected;
  }
  return merger->finish(merged, &stats->effective_frames);
}

}  // namespace nb

// nb_merge_temporal's side output: each tile's robustness weight, written to
// `sink` (a halide_buffer_t of the tile grid) as the pass computes it, and
// returned for the pass's own use. The pass computes its runs whole, so
// tiles past the grid are skipped; and a row of tiles on the edge of a
// strip is computed by both strips' threads, with the same values, so the
// store is atomic.
extern "C" float nb_merge_record_weight(void* sink, int tx, int ty, int p, float weight) {
  const auto* grid = static_cast<const halide_buffer_t*>(sink);
  const int x = tx - grid->dim[0].min, y = ty - grid->dim[1].min, c = p - grid->dim[2].min;
  if (x >= 0 && x < grid->dim[0].extent && y >= 0 && y < grid->dim[1].extent && c >= 0 && c < grid->dim[2].extent) {
    float* at = reinterpret_cast<float*>(grid->host) + ptrdiff_t(x) * grid->dim[0].stride +
                ptrdiff_t(y) * grid->dim[1].stride + ptrdiff_t(c) * grid->dim[2].stride;
    __atomic_store(at, &weight, __ATOMIC_RELAXED);
  }
  return weight;
}
