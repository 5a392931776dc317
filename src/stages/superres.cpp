// Super Res Zoom: the plain C++ reference, the calls into the Halide
// pipelines, and the driver that merges frames one at a time.
#include "stages/superres.h"

#include <algorithm>
#include <Eigen/Dense>
#include <cmath>

#include "core/bayer_planes.h"
#include "core/buffer_copy.h"
#include "core/fill_dense.h"
#include "nb_superres_accumulate.h"
#include "nb_superres_robustness.h"
#include "nightburst/superres_grid.h"
#include "stages/align_tiles_params.h"
#include "stages/superres_params.h"

namespace nb {
namespace {

using Plane = Halide::Runtime::Buffer<float, 2>;
using superres::kGatherRadius;
using superres::kMaxExponent;
using superres::kRobustnessMinRadius;

// The noise model as one curve for all CFA positions (the mean of the four).
void mean_noise(const NoiseProfile& noise, float* scale, float* offset) {
  double s = 0, o = 0;
  for (int i = 0; i < 4; ++i) {
    s += noise.scale[i];
    o += noise.offset[i];
  }
  *scale = float(s / 4);
  *offset = float(o / 4);
}

int clamp_index(int v, int extent) { return std::clamp(v, 0, extent - 1); }

// Reads a mosaic with edge-clamped coordinates.
float sample(const Plane& m, int x, int y) { return m(clamp_index(x, m.width()), clamp_index(y, m.height())); }

// Camera RGB of plane pixel (px, py) (edge-clamped): red, the mean of the
// two greens, blue.
void plane_rgb(const Plane& m, int red_x, int red_y, int px, int py, float rgb[3]) {
  px = clamp_index(px, m.width() / 2);
  py = clamp_index(py, m.height() / 2);
  const int x = 2 * px, y = 2 * py;
  rgb[0] = m(x + red_x, y + red_y);
  rgb[1] = (m(x + 1 - red_x, y + red_y) + m(x + red_x, y + 1 - red_y)) * 0.5f;
  rgb[2] = m(x + 1 - red_x, y + 1 - red_y);
}

// Largest change of the field over each tile's 3x3 tile neighbourhood, in
// sensor pixels (the larger of the two axes).
Halide::Runtime::Buffer<float, 2> flow_irregularity(const AlignmentField& field) {
  Halide::Runtime::Buffer<float, 2> out(field.tiles_x, field.tiles_y);
  for (int ty = 0; ty < field.tiles_y; ++ty)
    for (int tx = 0; tx < field.tiles_x; ++tx) {
      float spread = 0;
      for (int axis = 0; axis < 2; ++axis) {
        float lo = field.displacement(tx, ty, axis), hi = lo;
        for (int j = -1; j <= 1; ++j)
          for (int i = -1; i <= 1; ++i) {
            float d = field.displacement(clamp_index(tx + i, field.tiles_x), clamp_index(ty + j, field.tiles_y), axis);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
          }
        spread = std::max(spread, 2 * (hi - lo));
      }
      out(tx, ty) = spread;
    }
  return out;
}

}  // namespace

AlignmentField regularise_field(const AlignmentField& field, float min_confidence, float max_deviation_px) {
  AlignmentField out = field;  // shares the confidence, which stays as it was
  out.displacement = copy_dense(field.displacement);
  const int tw = field.tiles_x, th = field.tiles_y;
  const float centre = float(field.tile_size) * 0.5f - 0.5f;
  // A tile's centre, in thousands of plane pixels (keeps the normal equations well scaled).
  auto tile_centre = [&](int tx, int ty) {
    return Eigen::Vector3d((tx * field.tile_stride + centre) / 1000.0, (ty * field.tile_stride + centre) / 1000.0, 1);
  };
  // Affine model d = A (u, v, 1) fitted to the reliable tiles by iteratively
  // reweighted least squares (Tukey's biweight at twice the allowed
  // deviation): moving objects and mismatched tiles fall out of the fit.
  const double tukey = std::max(1e-3, double(max_deviation_px));  // plane pixels: 2 x (sensor px / 2)
  Eigen::Matrix<double, 3, 2> model = Eigen::Matrix<double, 3, 2>::Zero();
  for (int iteration = 0; iteration < 8; ++iteration) {
    Eigen::Matrix3d normal = Eigen::Matrix3d::Zero();
    Eigen::Matrix<double, 3, 2> rhs = Eigen::Matrix<double, 3, 2>::Zero();
    for (int ty = 0; ty < th; ++ty)
      for (int tx = 0; tx < tw; ++tx) {
        if (field.confidence(tx, ty) < min_confidence) continue;
        const Eigen::Vector3d at = tile_centre(tx, ty);
        const Eigen::Vector2d measured(field.displacement(tx, ty, 0), field.displacement(tx, ty, 1));
        double weight = 1;
        if (iteration > 0) {
          const double r = (measured - model.transpose() * at).norm() / tukey;
          weight = r < 1 ? (1 - r * r) * (1 - r * r) : 0;
        }
        normal += weight * at * at.transpose();
        rhs += weight * at * measured.transpose();
      }
    if (std::abs(normal.determinant()) < 1e-18) return out;  // too few reliable tiles: keep the field
    model = normal.ldlt().solve(rhs);
  }
  const double max_deviation = max_deviation_px / 2.0;  // plane pixels
  for (int ty = 0; ty < th; ++ty)
    for (int tx = 0; tx < tw; ++tx) {
      const Eigen::Vector2d predicted = model.transpose() * tile_centre(tx, ty);
      const Eigen::Vector2d measured(field.displacement(tx, ty, 0), field.displacement(tx, ty, 1));
      if (field.confidence(tx, ty) >= min_confidence && (measured - predicted).norm() <= max_deviation) continue;
      out.displacement(tx, ty, 0) = float(predicted(0));
      out.displacement(tx, ty, 1) = float(predicted(1));
    }
  return out;
}

int superres_extent(int sensor_extent, double scale) {
  return 2 * std::max(1, int(std::lround(sensor_extent * scale / 2)));
}

void interpolate_displacement(const AlignmentField& field, float u, float v, float* dx, float* dy) {
  const float centre = float(field.tile_size) * 0.5f - 0.5f, inv_stride = 1.0f / float(field.tile_stride);
  auto axis = [&](float p, int tiles, int* a, int* b, float* t) {
    float g = std::clamp((p - centre) * inv_stride, 0.0f, float(tiles - 1));
    *a = int(g);
    *b = std::min(*a + 1, tiles - 1);
    *t = g - float(*a);
  };
  int x0, x1, y0, y1;
  float tx, ty;
  axis(u, field.tiles_x, &x0, &x1, &tx);
  axis(v, field.tiles_y, &y0, &y1, &ty);
  const auto& d = field.displacement;
  float out[2];
  for (int k = 0; k < 2; ++k) {
    float top = d(x0, y0, k) + tx * (d(x1, y0, k) - d(x0, y0, k));
    float bottom = d(x0, y1, k) + tx * (d(x1, y1, k) - d(x0, y1, k));
    out[k] = top + ty * (bottom - top);
  }
  *dx = out[0];
  *dy = out[1];
}

Halide::Runtime::Buffer<float, 3> superres_kernels_reference(const Plane& normalised, const NoiseProfile& noise,
                                                             const SuperResParams& p) {
  const int pw = normalised.width() / 2, ph = normalised.height() / 2;
  float noise_scale, noise_offset;
  mean_noise(noise, &noise_scale, &noise_offset);
  Plane gray(pw, ph);
  for (int y = 0; y < ph; ++y)
    for (int x = 0; x < pw; ++x)
      gray(x, y) = (((normalised(2 * x, 2 * y) + normalised(2 * x + 1, 2 * y)) + normalised(2 * x, 2 * y + 1)) +
                    normalised(2 * x + 1, 2 * y + 1)) * 0.25f;
  auto g = [&](int x, int y) { return gray(clamp_index(x, pw), clamp_index(y, ph)); };
  Halide::Runtime::Buffer<float, 3> out(pw, ph, 3);
  for (int y = 0; y < ph; ++y)
    for (int x = 0; x < pw; ++x) {
      float a = 0, b = 0, c = 0;
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) {
          float gx = (g(x + i + 1, y + j) - g(x + i - 1, y + j)) * 0.5f;
          float gy = (g(x + i, y + j + 1) - g(x + i, y + j - 1)) * 0.5f;
          a += gx * gx;
          b += gx * gy;
          c += gy * gy;
        }
      const float root = std::sqrt((a - c) * (a - c) * 0.25f + b * b);
      const float l1 = (a + c) * 0.5f + root;
      // Gradient strength against noise: a 3x3 sum of squared central
      // differences of the binned gray has about 9 sigma_gray^2 from noise.
      const float sigma_gray2 = std::max(noise_scale * std::max(gray(x, y), 0.0f) + noise_offset, 1e-12f) * 0.25f;
      const float snr = std::sqrt(l1 / (9.0f * sigma_gray2));
      const float denoise = std::clamp((p.snr_high - snr) / (p.snr_high - p.snr_low), 0.0f, 1.0f);
      const float anisotropy = std::sqrt(2.0f * root / (a + c + 1e-20f));  // 0 isotropic .. 1 an edge
      const float along = p.k_detail * (1.0f + p.k_stretch * anisotropy);
      const float across = p.k_detail / (1.0f + p.k_shrink * anisotropy);
      const float flat = p.k_detail * p.k_denoise;
      const float s1 = (1.0f - denoise) * across + denoise * flat;  // along the gradient
      const float s2 = (1.0f - denoise) * along + denoise * flat;   // along the edge
      // The gradient direction: the eigenvector of l1 from whichever form is
      // better conditioned.
      float v1x = l1 - c, v1y = b, v2x = b, v2y = l1 - a;
      float n1 = v1x * v1x + v1y * v1y, n2 = v2x * v2x + v2y * v2y;
      float ex = n1 >= n2 ? v1x : v2x, ey = n1 >= n2 ? v1y : v2y, n = std::max(n1, n2);
      if (n > 1e-30f) {
        const float inv = 1.0f / std::sqrt(n);
        ex *= inv;
        ey *= inv;
      } else {
        ex = 1.0f;
        ey = 0.0f;
      }
      const float i1 = 1.0f / (s1 * s1), i2 = 1.0f / (s2 * s2);
      out(x, y, 0) = ex * ex * i1 + ey * ey * i2;
      out(x, y, 1) = ex * ey * (i1 - i2);
      out(x, y, 2) = ey * ey * i1 + ex * ex * i2;
    }
  return out;
}

Plane superres_robustness_reference(const Plane& reference, const Plane& alternate, CfaPattern cfa,
                                    const AlignmentField& field, const NoiseProfile& noise, const SuperResParams& p) {
  const int pw = reference.width() / 2, ph = reference.height() / 2;
  int red_x, red_y;
  cfa_red_position(cfa, &red_x, &red_y);
  float noise_scale, noise_offset;
  mean_noise(noise, &noise_scale, &noise_offset);
  const Halide::Runtime::Buffer<float, 2> irregularity = flow_irregularity(field);
  // The alternate's colour at plane pixel (x, y) moved by the field, bilinear.
  auto aligned = [&](int x, int y, float rgb[3]) {
    float dx, dy;
    interpolate_displacement(field, float(x), float(y), &dx, &dy);
    const float fx = float(x) + dx, fy = float(y) + dy;
    const int x0 = int(std::floor(fx)), y0 = int(std::floor(fy));
    const float tx = fx - float(x0), ty = fy - float(y0);
    float c00[3], c10[3], c01[3], c11[3];
    plane_rgb(alternate, red_x, red_y, x0, y0, c00);
    plane_rgb(alternate, red_x, red_y, x0 + 1, y0, c10);
    plane_rgb(alternate, red_x, red_y, x0, y0 + 1, c01);
    plane_rgb(alternate, red_x, red_y, x0 + 1, y0 + 1, c11);
    for (int c = 0; c < 3; ++c) {
      const float top = c00[c] + tx * (c10[c] - c00[c]), bottom = c01[c] + tx * (c11[c] - c01[c]);
      rgb[c] = top + ty * (bottom - top);
    }
  };
  Plane raw(pw, ph);
  for (int y = 0; y < ph; ++y)
    for (int x = 0; x < pw; ++x) {
      float sum[3] = {0, 0, 0}, sum2[3] = {0, 0, 0}, alt_sum[3] = {0, 0, 0}, alt_sum2[3] = {0, 0, 0};
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) {
          float r[3], a[3];
          plane_rgb(reference, red_x, red_y, x + i, y + j, r);
          aligned(x + i, y + j, a);
          for (int c = 0; c < 3; ++c) {
            sum[c] += r[c];
            sum2[c] += r[c] * r[c];
            alt_sum[c] += a[c];
            alt_sum2[c] += a[c] * a[c];
          }
        }
      float exponent = 0;
      for (int c = 0; c < 3; ++c) {
        const float mean = sum[c] * (1.0f / 9), alt_mean = alt_sum[c] * (1.0f / 9);
        // The larger local variance of the two frames: detail aliased
        // differently in each (a point light on a red site in one, a blue
        // one in the other) differs by about as much as it varies locally.
        const float local_var = std::max(sum2[c] * (1.0f / 9) - mean * mean,
                                         alt_sum2[c] * (1.0f / 9) - alt_mean * alt_mean);
        // A plane sample's noise: one sample for red and blue, the mean of two for green.
        const float noise_var = (noise_scale * std::max(mean, 0.0f) + noise_offset) * (c == 1 ? 0.5f : 1.0f);
        const float d = mean - alt_mean;
        exponent += d * d / std::max(std::max(local_var, noise_var), 1e-12f);
      }
      int tx, ty;
      field.nearest_tile(x, y, &tx, &ty);
      const float s = irregularity(tx, ty) > p.flow_irregular_px ? p.s_irregular : p.s_regular;
      raw(x, y) = std::clamp(s * std::exp(-exponent) - p.t, 0.0f, 1.0f);
    }
  Plane out(pw, ph);
  for (int y = 0; y < ph; ++y)
    for (int x = 0; x < pw; ++x) {
      float lo = 1.0f;
      for (int j = -kRobustnessMinRadius; j <= kRobustnessMinRadius; ++j)
        for (int i = -kRobustnessMinRadius; i <= kRobustnessMinRadius; ++i)
          lo = std::min(lo, raw(clamp_index(x + i, pw), clamp_index(y + j, ph)));
      out(x, y) = lo;
    }
  return out;
}

void superres_accumulate_reference(const Plane& normalised, CfaPattern cfa, const AlignmentField& field,
                                   const Plane& robustness, const NoiseProfile& noise, const SuperResParams& p,
                                   Halide::Runtime::Buffer<float, 3>* sums) {
  const int w = normalised.width(), h = normalised.height();
  const Halide::Runtime::Buffer<float, 3> kernels = superres_kernels_reference(normalised, noise, p);
  const float step_x = float(w) / float(sums->width()), step_y = float(h) / float(sums->height());
  for (int oy = 0; oy < sums->height(); ++oy)
    for (int ox = 0; ox < sums->width(); ++ox) {
      // The output pixel's centre in reference sensor pixels, and where it lands in the frame.
      const float px = (float(ox) + 0.5f) * step_x - 0.5f, py = (float(oy) + 0.5f) * step_y - 0.5f;
      float dx, dy;
      interpolate_displacement(field, (px - 0.5f) * 0.5f, (py - 0.5f) * 0.5f, &dx, &dy);
      const float qx = px + 2.0f * dx, qy = py + 2.0f * dy;
      const int ix = int(std::floor(qx + 0.5f)), iy = int(std::floor(qy + 0.5f));
      const int kx = clamp_index(ix, w) / 2, ky = clamp_index(iy, h) / 2;
      const float ka = kernels(kx, ky, 0), kb = kernels(kx, ky, 1), kc = kernels(kx, ky, 2);
      float value[3] = {0, 0, 0}, weight[3] = {0, 0, 0};
      for (int j = -kGatherRadius; j <= kGatherRadius; ++j)
        for (int i = -kGatherRadius; i <= kGatherRadius; ++i) {
          const int sx = ix + i, sy = iy + j;
          const float ddx = float(sx) - qx, ddy = float(sy) - qy;
          const float q = ka * ddx * ddx + 2.0f * kb * ddx * ddy + kc * ddy * ddy;
          const bool inside = sx >= 0 && sx < w && sy >= 0 && sy < h;
          const float wgt = inside ? std::exp(-0.5f * std::min(q, kMaxExponent)) : 0.0f;
          const int c = cfa_color(cfa, clamp_index(sx, w), clamp_index(sy, h));
          value[c] += wgt * sample(normalised, sx, sy);
          weight[c] += wgt;
        }
      const float r = robustness(clamp_index(int(std::floor((px + 0.5f) * 0.5f)), robustness.width()),
                                 clamp_index(int(std::floor((py + 0.5f) * 0.5f)), robustness.height()));
      for (int c = 0; c < 3; ++c) {
        (*sums)(ox, oy, c) += r * value[c];
        (*sums)(ox, oy, 3 + c) += r * weight[c];
      }
    }
}

namespace {

// What both generators take about the frames: the CFA phase, the
// per-CFA-position normalisation (v - black) * inv_range, the noise curve.
struct GeneratorFrameInputs {
  GeneratorFrameInputs(const RawMetadata& meta, const NoiseProfile& noise) : black(4), inv_range(4) {
    cfa_red_position(meta.cfa, &red_x, &red_y);
    for (int i = 0; i < 4; ++i) {
      black(i) = meta.black_level[i];
      inv_range(i) = 1.0f / (meta.white_level - meta.black_level[i]);
    }
    mean_noise(noise, &noise_scale, &noise_offset);
  }
  int red_x = 0, red_y = 0;
  Halide::Runtime::Buffer<float, 1> black, inv_range;
  float noise_scale = 0, noise_offset = 0;
};

}  // namespace

Status superres_robustness(const RawFrame& reference, const RawFrame& alternate, const AlignmentField& field,
                           const NoiseProfile& noise, const SuperResParams& p, Plane* robustness) {
  GeneratorFrameInputs in(reference.meta, noise);
  *robustness = Plane(reference.meta.width / 2, reference.meta.height / 2);
  // Shallow copies: the generated API takes non-const buffers.
  Halide::Runtime::Buffer<uint16_t, 2> ref = reference.mosaic, alt = alternate.mosaic;
  Halide::Runtime::Buffer<float, 3> displacement = field.displacement;
  int err = nb_superres_robustness(ref, alt, in.black, in.inv_range, in.red_x, in.red_y, displacement,
                                   field.tile_size, field.tile_stride, in.noise_scale, in.noise_offset, p.t,
                                   p.s_irregular, p.s_regular, p.flow_irregular_px, *robustness);
  if (err != 0) return internal_error("superres: robustness pipeline failed with code " + std::to_string(err));
  return Status();
}

Status superres_accumulate(const RawFrame& frame, const AlignmentField& field, const Plane& robustness,
                           const NoiseProfile& noise, const SuperResParams& p, Halide::Runtime::Buffer<float, 3>* sums) {
  GeneratorFrameInputs in(frame.meta, noise);
  Halide::Runtime::Buffer<uint16_t, 2> mosaic = frame.mosaic;
  Halide::Runtime::Buffer<float, 3> displacement = field.displacement;
  Plane rob = robustness;
  const float step_x = float(frame.meta.width) / float(sums->width());
  const float step_y = float(frame.meta.height) / float(sums->height());
  // The sums are updated in place: the pipeline reads each point of its
  // input `sums` only to write the same point of its output.
  int err = nb_superres_accumulate(mosaic, in.black, in.inv_range, in.red_x, in.red_y, displacement,
                                   field.tile_size, field.tile_stride, rob, in.noise_scale, in.noise_offset,
                                   p.k_detail, p.k_denoise, p.k_stretch, p.k_shrink, p.snr_low, p.snr_high, step_x,
                                   step_y, *sums, *sums);
  if (err != 0) return internal_error("superres: accumulation pipeline failed with code " + std::to_string(err));
  return Status();
}

Halide::Runtime::Buffer<float, 3> superres_sums(const RawMetadata& meta, float scale) {
  Halide::Runtime::Buffer<float, 3> sums(superres_extent(meta.width, scale), superres_extent(meta.height, scale),
                                         superres::kSumChannels);
  fill_dense(sums, 0.0f);
  return sums;
}

Halide::Runtime::Buffer<float, 3> superres_rgb(const Halide::Runtime::Buffer<float, 3>& sums) {
  const int w = sums.width(), h = sums.height();
  Halide::Runtime::Buffer<float, 3> rgb(w, h, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y) {
      const float* value = &sums(0, y, c);
      const float* weight = &sums(0, y, 3 + c);
      float* out = &rgb(0, y, c);
      for (int x = 0; x < w; ++x) out[x] = value[x] / weight[x];
    }
  return rgb;
}

Plane mosaic_from_rgb(const Halide::Runtime::Buffer<float, 3>& rgb, CfaPattern cfa) {
  Plane out(rgb.width(), rgb.height());
  for (int y = 0; y < rgb.height(); ++y)
    for (int x = 0; x < rgb.width(); ++x) out(x, y) = rgb(x, y, cfa_color(cfa, x, y));
  return out;
}

struct SuperResMerger::State {
  SuperResParams params;
  Implementation implementation = Implementation::kHalide;
  NoiseProfile noise;
  RawFrame reference;  // owns or shares the reference's mosaic
  Plane reference_normalised;  // the reference implementation only
  Halide::Runtime::Buffer<float, 3> sums;
  double robustness_sum = 0;

  // `normalised` is the frame's normalised mosaic, which only the reference
  // implementation reads.
  Status accumulate(const RawFrame& frame, const Plane& normalised, const AlignmentField& field,
                    const Plane& robustness) {
    if (implementation == Implementation::kHalide)
      return superres_accumulate(frame, field, robustness, noise, params, &sums);
    superres_accumulate_reference(normalised, frame.meta.cfa, field, robustness, noise, params, &sums);
    return Status();
  }
};

SuperResMerger::SuperResMerger(std::unique_ptr<State> state) : state_(std::move(state)) {}
SuperResMerger::~SuperResMerger() = default;

Status SuperResMerger::create(const RawFrame& reference, const NoiseProfile& noise, const SuperResParams& params,
                              Implementation implementation, std::unique_ptr<SuperResMerger>* merger) {
  if (!(params.scale >= 1.0f && params.scale <= 3.0f))
    return invalid_argument("superres: scale " + std::to_string(params.scale) + " is outside 1..3");
  auto st = std::make_unique<State>();
  st->params = params;
  st->implementation = implementation;
  st->noise = noise;
  st->reference = reference;
  if (!st->reference.mosaic.owns_host_memory()) st->reference.mosaic = owned_copy(st->reference.mosaic);
  if (implementation == Implementation::kReference) st->reference_normalised = normalised_mosaic(reference);
  st->sums = superres_sums(reference.meta, params.scale);
  // The reference is the identity: zero displacement, full robustness.
  const AlignmentField identity = AlignmentField::zero(reference.meta.width / 2, reference.meta.height / 2,
                                                       align::kTileSize[0]);
  Plane ones(reference.meta.width / 2, reference.meta.height / 2);
  fill_dense(ones, 1.0f);
  NB_RETURN_IF_ERROR(st->accumulate(st->reference, st->reference_normalised, identity, ones));
  merger->reset(new SuperResMerger(std::move(st)));
  return Status();
}

Status SuperResMerger::add(const RawFrame& frame, const AlignmentField& measured, float* mean_robustness) {
  State& st = *state_;
  const AlignmentField field = regularise_field(measured, kReliableConfidence, st.params.max_deviation_px);
  Plane robustness, normalised;
  if (st.implementation == Implementation::kHalide) {
    NB_RETURN_IF_ERROR(superres_robustness(st.reference, frame, field, st.noise, st.params, &robustness));
  } else {
    normalised = normalised_mosaic(frame);
    robustness = superres_robustness_reference(st.reference_normalised, normalised, frame.meta.cfa, field, st.noise,
                                               st.params);
  }
  double sum = 0;
  for (int y = 0; y < robustness.height(); ++y)
    for (int x = 0; x < robustness.width(); ++x) sum += robustness(x, y);
  *mean_robustness = float(sum / (double(robustness.width()) * robustness.height()));
  st.robustness_sum += *mean_robustness;
  return st.accumulate(frame, normalised, field, robustness);
}

Status SuperResMerger::finish(Halide::Runtime::Buffer<float, 3>* rgb, double* effective_frames) {
  State& st = *state_;
  *rgb = superres_rgb(st.sums);
  *effective_frames = 1.0 + st.robustness_sum;
  st.sums = Halide::Runtime::Buffer<float, 3>();
  return Status();
}

}  // namespace nb
