#include "stages/scene_match.h"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "core/parallel_rows.h"

namespace nb {
namespace {

// The band-pass: a level's samples minus their (2 kBoxRadius + 1)^2 box mean.
constexpr int kBoxRadius = 3;
constexpr int kBox = 2 * kBoxRadius + 1;
// The thumbnail's largest size; its block grows in powers of two to stay within it.
constexpr int64_t kMaxThumbnailSamples = 65536;
// Fewer samples than this (tiny frames): undecided.
constexpr int kMinSamples = 200;
// The coarsest thumbnail level is at least this many samples across.
constexpr int kMinLevelWidth = 24;
// Residual scale of the robust affine fit (plane pixels): tiles that move
// with an object rather than the camera fall off beyond it.
constexpr double kFitScalePx = 2.0;
constexpr int kFitIterations = 6;
// The fit uses at most about this many tiles.
constexpr double kMaxFitTiles = 4096;
// Bilinear fractions are quantised to this many steps for the noise gains.
constexpr int kFractionSteps = 16;

// Weighted least squares of displacement = affine(x, y), reweighted so that
// tiles far from the fit (a moving object) lose their say (Cauchy weights).
void fit_affine(const AlignmentField& field, double affine[6]) {
  // A large field (12 MP: 47 000 tiles) is sampled on a coarser grid of tiles.
  const int step = std::max(1, int(std::ceil(std::sqrt(double(field.tiles_x) * field.tiles_y / kMaxFitTiles))));
  const int across = (field.tiles_x + step - 1) / step, down = (field.tiles_y + step - 1) / step, n = across * down;
  std::vector<double> x(n), y(n), dx(n), dy(n), prior(n);
  double confidence_sum = 0;
  for (int ty = 0; ty < field.tiles_y; ty += step)
    for (int tx = 0; tx < field.tiles_x; tx += step) {
      const int i = ty / step * across + tx / step;
      x[i] = tx * field.tile_stride + field.tile_size / 2;
      y[i] = ty * field.tile_stride + field.tile_size / 2;
      dx[i] = field.displacement(tx, ty, 0);
      dy[i] = field.displacement(tx, ty, 1);
      prior[i] = field.confidence(tx, ty);
      confidence_sum += prior[i];
    }
  // A dark burst may have no confident tile: then every tile counts alike.
  if (confidence_sum < 3) std::fill(prior.begin(), prior.end(), 1.0);
  // Coordinates centred and scaled for a well-conditioned system.
  double cx = 0, cy = 0, scale = 1;
  for (int i = 0; i < n; ++i) {
    cx += x[i] / n;
    cy += y[i] / n;
  }
  for (int i = 0; i < n; ++i) scale = std::max({scale, std::abs(x[i] - cx), std::abs(y[i] - cy)});
  std::vector<double> weight = prior;
  Eigen::Vector3d px = Eigen::Vector3d::Zero(), py = Eigen::Vector3d::Zero();
  for (int iteration = 0; iteration < kFitIterations; ++iteration) {
    Eigen::Matrix3d normal = Eigen::Matrix3d::Identity() * 1e-9;
    Eigen::Vector3d bx = Eigen::Vector3d::Zero(), by = Eigen::Vector3d::Zero();
    for (int i = 0; i < n; ++i) {
      const Eigen::Vector3d v(1, (x[i] - cx) / scale, (y[i] - cy) / scale);
      normal += weight[i] * v * v.transpose();
      bx += weight[i] * dx[i] * v;
      by += weight[i] * dy[i] * v;
    }
    const auto solver = normal.ldlt();
    px = solver.solve(bx);
    py = solver.solve(by);
    for (int i = 0; i < n; ++i) {
      const Eigen::Vector3d v(1, (x[i] - cx) / scale, (y[i] - cy) / scale);
      const double ex = dx[i] - px.dot(v), ey = dy[i] - py.dot(v);
      weight[i] = prior[i] / (1 + (ex * ex + ey * ey) / (kFitScalePx * kFitScalePx));
    }
  }
  // Back to plane coordinates: d = p0 + p1 (x - cx) / s + p2 (y - cy) / s.
  affine[1] = px[1] / scale;
  affine[2] = px[2] / scale;
  affine[0] = px[0] - affine[1] * cx - affine[2] * cy;
  affine[4] = py[1] / scale;
  affine[5] = py[2] / scale;
  affine[3] = py[0] - affine[4] * cx - affine[5] * cy;
}

// Noise gains of the band-pass for white noise of unit variance in the
// thumbnail: a band-passed sample is the sample minus its box mean; for a
// sample interpolated at a fraction f between two samples, the weights are
// mixed likewise. Separable, so the 2-D gain at fractions (fx, fy) is
// A(fx) A(fy) - 2 C(fx) C(fy) + B(fx) B(fy) with A = sum a^2, C = sum a c,
// B = sum c^2 of the 1-D weights a (sample) and c (its box mean).
struct BandPassGain {
  std::array<double, kFractionSteps + 1> a{}, b{}, c{};
  BandPassGain() {
    constexpr int kMid = kBox + 1, kSize = 2 * kMid + 2;
    for (int f = 0; f <= kFractionSteps; ++f) {
      const double t = double(f) / kFractionSteps;
      double weight[kSize] = {}, mean[kSize] = {};
      weight[kMid] = 1 - t;
      weight[kMid + 1] = t;
      for (int n = 0; n < kSize; ++n)
        for (int j = -kBoxRadius; j <= kBoxRadius; ++j)
          if (n - j >= 0 && n - j < kSize) mean[n] += weight[n - j] / kBox;
      for (int n = 0; n < kSize; ++n) {
        a[f] += weight[n] * weight[n];
        c[f] += weight[n] * mean[n];
        b[f] += mean[n] * mean[n];
      }
    }
  }
  double at(double fx, double fy) const {
    const int i = int(std::lround(fx * kFractionSteps)), j = int(std::lround(fy * kFractionSteps));
    return a[i] * a[j] - 2 * c[i] * c[j] + b[i] * b[j];
  }
};

// Box sums over kBox x kBox windows from a summed-area table.
class BoxSums {
 public:
  BoxSums(const std::vector<double>& values, int width, int height)
      : width_(width), table_(size_t(width + 1) * (height + 1), 0.0) {
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        at(x + 1, y + 1) = values[size_t(y) * width + x] + at(x, y + 1) + at(x + 1, y) - at(x, y);
  }
  // The window centred at (x, y), which must lie inside the image.
  double around(int x, int y) const {
    const int x0 = x - kBoxRadius, y0 = y - kBoxRadius, x1 = x + kBoxRadius + 1, y1 = y + kBoxRadius + 1;
    return get(x1, y1) - get(x0, y1) - get(x1, y0) + get(x0, y0);
  }

 private:
  double& at(int x, int y) { return table_[size_t(y) * (width_ + 1) + x]; }
  double get(int x, int y) const { return table_[size_t(y) * (width_ + 1) + x]; }
  int width_;
  std::vector<double> table_;
};

}  // namespace

SceneThumbnail scene_thumbnail(const Halide::Runtime::Buffer<float, 2>& binned_gray) {
  SceneThumbnail t;
  int plane_block = 1;  // binned samples (2 sensor pixels) across a block
  while (int64_t(binned_gray.width() / plane_block) * (binned_gray.height() / plane_block) > kMaxThumbnailSamples)
    plane_block *= 2;
  t.block = 2 * plane_block;
  const int w = binned_gray.width() / plane_block, h = binned_gray.height() / plane_block;
  Halide::Runtime::Buffer<float, 2> gray(w, h);
  const float scale = 1.0f / float(plane_block * plane_block);
  parallel_rows(h, 8, [&](int v) {
    // Sums down the block's rows first (they vectorise), then across.
    const int row_length = w * plane_block;
    std::vector<float> sums(size_t(row_length), 0.0f);
    for (int y = v * plane_block; y < (v + 1) * plane_block; ++y) {
      const float* row = &binned_gray(0, y);
      for (int x = 0; x < row_length; ++x) sums[size_t(x)] += row[x];
    }
    float* out = &gray(0, v);
    for (int u = 0; u < w; ++u) {
      float sum = 0;
      for (int x = u * plane_block; x < (u + 1) * plane_block; ++x) sum += sums[size_t(x)];
      out[u] = sum * scale;
    }
  });
  t.levels.push_back(gray);
  while (t.levels.back().width() / 2 >= kMinLevelWidth && t.levels.back().height() / 2 >= kMinLevelWidth) {
    const auto& fine = t.levels.back();
    Halide::Runtime::Buffer<float, 2> coarse(fine.width() / 2, fine.height() / 2);
    for (int y = 0; y < coarse.height(); ++y)
      for (int x = 0; x < coarse.width(); ++x)
        coarse(x, y) =
            0.25f * (fine(2 * x, 2 * y) + fine(2 * x + 1, 2 * y) + fine(2 * x, 2 * y + 1) + fine(2 * x + 1, 2 * y + 1));
    t.levels.push_back(coarse);
  }
  return t;
}

namespace {

// The test at one thumbnail level, `block` sensor pixels a sample.
SceneMatch match_at(const Halide::Runtime::Buffer<float, 2>& ref, const Halide::Runtime::Buffer<float, 2>& alt,
                    int block, const double affine[6], const NoiseProfile& noise) {
  SceneMatch out;
  out.block = block;
  std::copy(affine, affine + 6, out.affine);
  const int w = ref.width(), h = ref.height();
  static const BandPassGain gain;
  // A thumbnail sample is the mean of block^2 samples, a quarter of them at
  // each CFA position: its noise variance at level t.
  double noise_scale = 0, noise_offset = 0;
  for (int i = 0; i < 4; ++i) {
    noise_scale += noise.scale[i] / (4.0 * block * block);
    noise_offset += noise.offset[i] / (4.0 * block * block);
  }

  // The alternate warped onto the reference's grid by the global motion
  // (bilinear); where it falls outside the frame, invalid.
  const size_t n = size_t(w) * h;
  std::vector<double> r(n), a(n, 0.0), valid(n, 0.0), alt_gain(n, 0.0);
  const double* A = affine;
  const double plane_per_sample = block / 2.0;  // plane pixels per thumbnail sample
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t i = size_t(y) * w + x;
      r[i] = ref(x, y);
      // The sample's centre in plane pixels, and where the motion takes it.
      const double X = (x + 0.5) * plane_per_sample - 0.5, Y = (y + 0.5) * plane_per_sample - 0.5;
      const double ax = x + (A[0] + A[1] * X + A[2] * Y) / plane_per_sample,
                   ay = y + (A[3] + A[4] * X + A[5] * Y) / plane_per_sample;
      if (!(ax >= 0 && ay >= 0 && ax <= w - 1 && ay <= h - 1)) continue;
      const int ix = std::min(int(ax), w - 2), iy = std::min(int(ay), h - 2);
      const double fx = ax - ix, fy = ay - iy;
      const double top = alt(ix, iy) + fx * (alt(ix + 1, iy) - alt(ix, iy));
      const double bottom = alt(ix, iy + 1) + fx * (alt(ix + 1, iy + 1) - alt(ix, iy + 1));
      a[i] = top + fy * (bottom - top);
      valid[i] = 1;
      alt_gain[i] = gain.at(fx, fy);
    }
  const BoxSums ref_box(r, w, h), alt_box(a, w, h), valid_box(valid, w, h);
  // The reference's structure over its whole interior, and the two frames'
  // sums where the warped alternate covers a whole window.
  double reference_energy = 0, reference_noise = 0;
  double srr = 0, saa = 0, sra = 0, noise_r = 0, noise_a = 0;
  int interior = 0, count = 0;
  const double ref_gain = gain.at(0, 0);
  for (int y = kBoxRadius; y < h - kBoxRadius; ++y)
    for (int x = kBoxRadius; x < w - kBoxRadius; ++x) {
      const size_t i = size_t(y) * w + x;
      const double rb = r[i] - ref_box.around(x, y) / (kBox * kBox);
      const double variance = noise_scale * std::max(r[i], 0.0) + noise_offset;
      reference_energy += rb * rb;
      reference_noise += variance * ref_gain;
      ++interior;
      if (valid_box.around(x, y) < kBox * kBox) continue;
      const double ab = a[i] - alt_box.around(x, y) / (kBox * kBox);
      srr += rb * rb;
      saa += ab * ab;
      sra += rb * ab;
      noise_r += variance * ref_gain;
      noise_a += variance * alt_gain[i];
      ++count;
    }
  if (interior < kMinSamples || !(reference_noise > 0)) return out;
  out.structure = (reference_energy - reference_noise) / reference_noise;
  if (out.structure < kMinSceneStructure) return out;
  out.decided = true;
  // A camera motion that leaves less than this share of the reference
  // covered is no hand-held burst's (the alignment reaches 338 pixels): the
  // frame shows too little of the scene to merge.
  if (count < std::max(kMinSamples, interior / 4)) {
    out.correlation = 0;
    return out;
  }
  const double signal_r = std::max(srr - noise_r, 0.05 * noise_r), signal_a = std::max(saa - noise_a, 0.05 * noise_a);
  out.correlation = std::clamp(sra / std::sqrt(signal_r * signal_a), -1.0, 1.0);
  return out;
}

}  // namespace

SceneMatch scene_match(const SceneThumbnail& reference, const SceneThumbnail& alternate, const AlignmentField& field,
                       const NoiseProfile& noise) {
  double affine[6];
  fit_affine(field, affine);
  SceneMatch out;
  std::copy(affine, affine + 6, out.affine);
  if (alternate.block != reference.block || alternate.levels.size() != reference.levels.size()) return out;
  for (size_t level = 0; level < reference.levels.size(); ++level) {
    const auto& ref = reference.levels[level];
    if (ref.width() < 2 * kBox || ref.height() < 2 * kBox) break;
    out = match_at(ref, alternate.levels[level], reference.block << level, affine, noise);
    if (out.decided) break;
  }
  return out;
}

}  // namespace nb
