// Synthetic burst by unprocessing (Brooks et al. 2019): scene -> linear camera
// RGB under an illuminant -> per-frame warp -> Bayer mosaic -> shot/read noise.
#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "core/catmull_rom.h"
#include "core/color.h"
#include "nightburst/superres_grid.h"
#include "nightburst/synth.h"
#include "synth/scene.h"

namespace nb {
namespace {

// The synthetic camera: camera RGB from linear sRGB before white balance,
// under D65. Row sums are the camera's response to D65 white (red and blue
// weaker than green, as in real sensors).
Eigen::Matrix3d synthetic_camera_from_srgb() {
  Eigen::Matrix3d m;
  m << 0.38, 0.14, 0.03,
       0.12, 0.70, 0.18,
       0.02, 0.18, 0.52;
  return m;
}

// Standard light A's white (CIE xy 0.44757, 0.40745), Y = 1.
Eigen::Vector3d light_a_xyz() { return Eigen::Vector3d(0.44757 / 0.40745, 1.0, (1 - 0.44757 - 0.40745) / 0.40745); }

// The synthetic camera's calibrations: under D65, ColorMatrix =
// camera_from_srgb * srgb_from_xyz; with `dual`, a second under light A in
// which the camera's channels mix differently (rows of the mixing sum to
// one, so neutrals stay neutral), and ForwardMatrices for both, made as the
// DNG specification defines them from the colour matrix and the light.
std::vector<ColorCalibration> synthetic_calibrations(bool dual) {
  const Eigen::Matrix3d srgb_from_xyz = xyz_from_linear_srgb().inverse();
  auto calibration = [&](int illuminant, const Eigen::Matrix3d& camera_from_xyz, const Eigen::Vector3d& white) {
    ColorCalibration c;
    c.illuminant = illuminant;
    const Eigen::Vector3d neutral = camera_from_xyz * white;
    const Eigen::Matrix3d forward =
        bradford_adaptation(white, d50_xyz()) * camera_from_xyz.inverse() * neutral.asDiagonal();
    for (int r = 0; r < 3; ++r)
      for (int col = 0; col < 3; ++col) {
        c.color_matrix[size_t(r * 3 + col)] = camera_from_xyz(r, col);
        if (dual) c.forward_matrix[size_t(r * 3 + col)] = forward(r, col);
      }
    return c;
  };
  const Eigen::Matrix3d daylight = synthetic_camera_from_srgb() * srgb_from_xyz;
  if (!dual) return {calibration(21, daylight, d65_xyz())};
  Eigen::Matrix3d mixing_under_a;
  mixing_under_a << 1.10, -0.06, -0.04,
                   -0.05, 1.08, -0.03,
                   -0.03, -0.12, 1.15;
  const Eigen::Matrix3d tungsten = synthetic_camera_from_srgb() * mixing_under_a * srgb_from_xyz;
  return {calibration(17, tungsten, light_a_xyz()), calibration(21, daylight, d65_xyz())};
}

float sample_cubic(const Halide::Runtime::Buffer<float, 3>& img, float x, float y, int c) {
  int x0 = int(std::floor(x)), y0 = int(std::floor(y));
  float wx[4], wy[4];
  catmull_rom_weights(x - x0, wx);
  catmull_rom_weights(y - y0, wy);
  float sum = 0;
  for (int j = 0; j < 4; ++j) {
    int yy = std::clamp(y0 - 1 + j, 0, img.height() - 1);
    float row = 0;
    for (int i = 0; i < 4; ++i) row += wx[i] * img(std::clamp(x0 - 1 + i, 0, img.width() - 1), yy, c);
    sum += wy[j] * row;
  }
  return sum;
}

// out[i] = sum_j kernel[j] * line[clamp(i + j - radius, 0, n - 1)] for i < n.
void convolve_clamped(const std::vector<float>& kernel, const std::vector<float>& line, int n,
                      std::vector<float>* out) {
  int radius = int(kernel.size()) / 2;
  for (int x = 0; x < n; ++x) {
    float acc = 0;
    for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * line[std::clamp(x + i, 0, n - 1)];
    (*out)[x] = acc;
  }
}

// Separable Gaussian blur of every channel, in place (clamped borders).
void gaussian_blur(Halide::Runtime::Buffer<float, 3>* img, double sigma) {
  if (sigma <= 0) return;
  int radius = int(std::ceil(3 * sigma));
  std::vector<float> k(2 * radius + 1);
  float sum = 0;
  for (int i = -radius; i <= radius; ++i) sum += k[i + radius] = float(std::exp(-0.5 * i * i / (sigma * sigma)));
  for (float& v : k) v /= sum;
  int w = img->width(), h = img->height();
  std::vector<float> line(std::max(w, h)), blurred(std::max(w, h));
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) line[x] = (*img)(x, y, c);
      convolve_clamped(k, line, w, &blurred);
      for (int x = 0; x < w; ++x) (*img)(x, y, c) = blurred[x];
    }
    for (int x = 0; x < w; ++x) {
      for (int y = 0; y < h; ++y) line[y] = (*img)(x, y, c);
      convolve_clamped(k, line, h, &blurred);
      for (int y = 0; y < h; ++y) (*img)(x, y, c) = blurred[y];
    }
  }
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <typename F>
void parallel_rows(int rows, F&& body) {
  int n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t)
    pool.emplace_back([&, t] {
      for (int y = t; y < rows; y += n) body(y);
    });
  for (auto& th : pool) th.join();
}

}  // namespace

void synth_scene_size(const SynthOptions& o, int* width, int* height) {
  const double half_diagonal = 0.5 * std::hypot(o.width, o.height);
  const int margin =
      int(std::ceil(5 * o.motion_sigma_px + std::sin(o.max_rotation_deg * M_PI / 180) * half_diagonal)) + 8;
  *width = (o.width + 2 * margin) * std::max(1, o.scene_oversample);
  *height = (o.height + 2 * margin) * std::max(1, o.scene_oversample);
}

namespace {

// camera2's lens-shading map for SynthOptions::vignette_stops: 17x13 points
// (a Pixel's size), gains 2^(stops_c * r^2) for r the distance from the
// optical centre relative to the farthest corner's.
std::vector<GainMap> lens_shading_maps(double stops, CfaPattern cfa, int width, int height) {
  constexpr int kColumns = 17, kRows = 13;
  const double cx = 0.53 * width, cy = 0.47 * height;
  const double far2 = std::max(cx * cx, (width - cx) * (width - cx)) + std::max(cy * cy, (height - cy) * (height - cy));
  const double channel_stops[4] = {1.3 * stops, stops, stops, 0.85 * stops};  // R, G_even, G_odd, B
  std::vector<float> map(size_t(kColumns) * kRows * 4);
  for (int j = 0; j < kRows; ++j)
    for (int i = 0; i < kColumns; ++i) {
      // The grid spans the frame edge to edge (gain_maps_from_camera2).
      const double x = double(i) / (kColumns - 1) * width - 0.5, y = double(j) / (kRows - 1) * height - 0.5;
      const double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / far2;
      for (int ch = 0; ch < 4; ++ch) map[(size_t(j) * kColumns + i) * 4 + ch] = float(std::exp2(channel_stops[ch] * r2));
    }
  return gain_maps_from_camera2(map.data(), kColumns, kRows, cfa, width, height);
}

}  // namespace

Status make_synthetic_burst(const SynthOptions& o, SynthBurst* burst) {
  if (o.width < 16 || o.height < 16 || o.width % 2 || o.height % 2 || int64_t(o.width) * o.height > kMaxFramePixels)
    return invalid_argument("synth: size must be even, at least 16x16 and at most 256 MP");
  if (o.frames < 1 || o.frames > 64) return invalid_argument("synth: frames must be 1..64");
  if (!o.exposures.empty() && int(o.exposures.size()) != o.frames)
    return invalid_argument("synth: " + std::to_string(o.exposures.size()) + " exposures for " +
                            std::to_string(o.frames) + " frames");
  for (double e : o.exposures)
    if (!(e > 0 && e <= 1024)) return invalid_argument("synth: each exposure must be in (0, 1024]");
  if (o.reference < 0 || o.reference >= o.frames) return invalid_argument("synth: reference out of range");
  if (o.white_level <= o.black_level || o.white_level > 65535 || o.black_level < 0)
    return invalid_argument("synth: need 0 <= black < white <= 65535");
  if (o.black_level_jitter < 0 || o.black_level + o.black_level_jitter >= o.white_level)
    return invalid_argument("synth: the black level's jitter must be >= 0 and keep it below white");
  for (double g : o.channel_noise_gain)
    if (!(g > 0 && g <= 16)) return invalid_argument("synth: each channel's noise gain must be in (0, 16]");
  if (!(o.vignette_stops >= 0 && o.vignette_stops <= 4))
    return invalid_argument("synth: the vignette must be 0 to 4 stops");
  if (!(o.scene_mean > 0 && o.scene_mean <= 1)) return invalid_argument("synth: scene mean must be in (0, 1]");
  if (o.scene_oversample < 1 || o.scene_oversample > 4) return invalid_argument("synth: scene oversampling must be 1..4");
  if (!(o.truth_scale == 0 || (o.truth_scale >= 1 && o.truth_scale <= 4)))
    return invalid_argument("synth: truth scale must be 0 or 1..4");

  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  double shot = o.shot_noise;
  if (shot < 0) shot = std::exp(std::log(1e-4) + uniform(rng) * (std::log(0.012) - std::log(1e-4)));
  double read = o.read_noise;
  if (read < 0) read = std::exp(2.18 * std::log(shot) + 1.20 + 0.26 * normal(rng));

  const int W = o.width, H = o.height;
  const double range = o.white_level - o.black_level;
  int scene_width = 0, scene_height = 0;
  synth_scene_size(o, &scene_width, &scene_height);
  const int oversample = o.scene_oversample;
  const int margin = (scene_width / oversample - W) / 2;
  // Scene (camera image) coordinates of sensor position (x, y) of the reference.
  auto scene_coord = [&](double v) { return float((v + margin + 0.5) * oversample - 0.5); };

  // Scene with a margin, so warped frames have content at their borders.
  Halide::Runtime::Buffer<float, 3> scene;
  if (o.content.data() == nullptr) {
    scene = render_night_scene(scene_width, scene_height, o.seed);
  } else {
    if (o.content.width() != scene_width || o.content.height() != scene_height || o.content.channels() != 3)
      return invalid_argument("synth: the content picture is " + std::to_string(o.content.width()) + "x" +
                              std::to_string(o.content.height()) + "x" + std::to_string(o.content.channels()) +
                              ", the scene needs " + std::to_string(scene_width) + "x" +
                              std::to_string(scene_height) + "x3 (synth_scene_size)");
    scene = o.content;
  }

  // Camera metadata.
  RawMetadata meta;
  meta.width = W;
  meta.height = H;
  meta.cfa = o.cfa;
  meta.black_level.fill(float(o.black_level));
  meta.white_level = float(o.white_level);
  meta.calibrations = synthetic_calibrations(o.dual_illuminant);
  meta.baseline_exposure = o.baseline_exposure;
  if (o.crop_margin > 0) {
    if (o.crop_margin % 2 || 2 * o.crop_margin + 16 > std::min(W, H))
      return invalid_argument("synth: crop margin " + std::to_string(o.crop_margin) +
                              " must be even and leave at least 16 pixels");
    meta.default_crop = {o.crop_margin, o.crop_margin, W - 2 * o.crop_margin, H - 2 * o.crop_margin};
  }
  // The camera's response to linear sRGB (a surface's colour under D65)
  // under the scene's light: the surface's XYZ adapted to the light's white
  // (Bradford), through the colour matrix for that light; scaled so a white
  // surface gives the light's neutral with G = 1.
  const Eigen::Vector3d light_xyz = planckian_xyz(o.illuminant_kelvin);
  Eigen::Matrix3d camera_from_srgb = camera_from_xyz(meta, o.illuminant_kelvin) *
                                     bradford_adaptation(d65_xyz(), light_xyz) * xyz_from_linear_srgb();
  camera_from_srgb /= (camera_from_srgb * Eigen::Vector3d::Ones())(1);
  const Eigen::Vector3d neutral = camera_from_srgb * Eigen::Vector3d::Ones();
  for (int c = 0; c < 3; ++c) meta.as_shot_neutral[c] = float(neutral(c));
  meta.noise.valid = true;
  for (int i = 0; i < 4; ++i) {
    const double g = o.channel_noise_gain[size_t(cfa_color(o.cfa, i & 1, i >> 1))];
    meta.noise.scale[i] = g * shot;
    meta.noise.offset[i] = g * g * read + 1.0 / (12 * range * range);  // plus quantisation
  }
  meta.exposure_s = 1.0 / 15;
  meta.iso = std::round(std::clamp(100 * shot / 1e-4, 50.0, 65535.0));
  meta.make = "nightburst";
  meta.model = "Synthetic";
  if (o.vignette_stops > 0) meta.gain_maps = lens_shading_maps(o.vignette_stops, o.cfa, W, H);

  // Linear camera RGB under the illuminant: the scene decoded to linear sRGB
  // (once, in place of the camera image), its mean luminance for the
  // exposure, then each pixel through the camera's response.
  // (Rows are written through pointers and read through const buffers: a
  // non-const Halide::Runtime::Buffer access marks the buffer host-dirty, a
  // store to the one flags word that the threads fought over per sample --
  // half the frame loop's time, and two threads slower than one.)
  Halide::Runtime::Buffer<float, 3> camera(scene.width(), scene.height(), 3);
  const Halide::Runtime::Buffer<float, 3>& scene_in = scene;
  const Halide::Runtime::Buffer<float, 3>& camera_in = camera;
  parallel_rows(scene.height(), [&](int y) {
    for (int c = 0; c < 3; ++c) {
      float* out = &camera(0, y, c);
      for (int x = 0; x < scene.width(); ++x) out[x] = srgb_decode(scene_in(x, y, c));
    }
  });
  double luminance_sum = 0;
  for (int y = 0; y < scene.height(); ++y)
    for (int x = 0; x < scene.width(); ++x)
      luminance_sum += 0.2126 * camera_in(x, y, 0) + 0.7152 * camera_in(x, y, 1) + 0.0722 * camera_in(x, y, 2);
  double exposure = o.scene_mean / std::max(1e-9, luminance_sum / (double(scene.width()) * scene.height()));
  parallel_rows(scene.height(), [&](int y) {
    float* rows[3] = {&camera(0, y, 0), &camera(0, y, 1), &camera(0, y, 2)};
    for (int x = 0; x < scene.width(); ++x) {
      Eigen::Vector3d lin(rows[0][x], rows[1][x], rows[2][x]);
      Eigen::Vector3d cam = camera_from_srgb * (lin * exposure);
      for (int c = 0; c < 3; ++c) rows[c][x] = float(cam(c));
    }
  });

  // Stars before the lens blur, so it spreads them as it does real ones.
  {
    std::mt19937_64 star_rng(mix_seed(o.seed ^ 0x57a25, 1));
    std::uniform_real_distribution<double> across(margin + 4, margin + W - 4), down(margin + 4, margin + H / 3.0);
    for (int n = 0; n < o.stars; ++n) {
      const int x = int(across(star_rng)), y = int(down(star_rng));
      burst->stars.push_back({x - margin, y - margin});
      const double brightness = std::min(0.9, 20 * o.scene_mean);
      for (int c = 0; c < 3; ++c)
        camera((x)*oversample + oversample / 2, (y)*oversample + oversample / 2, c) +=
            float(brightness * oversample * oversample * neutral(c));
    }
  }
  gaussian_blur(&camera, o.optical_blur_px * oversample);

  // Motion: hand-held translation and rotation; the reference is the identity.
  burst->motion.assign(o.frames, FrameMotionTruth());
  for (int k = 0; k < o.frames; ++k) {
    double dx = o.motion_sigma_px * normal(rng), dy = o.motion_sigma_px * normal(rng);
    double rot = o.max_rotation_deg * (2 * uniform(rng) - 1);
    if (k != o.reference) burst->motion[k] = {dx, dy, rot};
  }
  burst->center_x = W / 2.0;
  burst->center_y = H / 2.0;

  // The moving object: a striped disc in frame coordinates.
  double obj_r = o.object_radius * std::min(W, H);
  double obj_speed = o.object_speed_px > 0 ? o.object_speed_px : 0.03 * W;
  double obj_x0 = 0.5 * W - obj_speed * (o.frames - 1) / 2.0, obj_y = 0.3 * H;
  Eigen::Vector3d obj_colors[2] = {camera_from_srgb * Eigen::Vector3d(0.6, 0.05, 0.4) * (4 * o.scene_mean),
                                   camera_from_srgb * Eigen::Vector3d(0.05, 0.5, 0.1) * (4 * o.scene_mean)};
  auto object_at = [&](int k, double x, double y, int c, float* coverage) -> float {
    double ox = obj_x0 + obj_speed * k;
    double d = std::hypot(x - ox, y - obj_y);
    *coverage = float(std::clamp(obj_r - d + 0.5, 0.0, 1.0));
    int stripe = int(std::floor((x - ox + y - obj_y) / (obj_r / 3))) & 1;
    return float(obj_colors[stripe](c));
  };

  // Defective pixels: where, and how each misreads (the same in every frame).
  burst->defect_mask = Halide::Runtime::Buffer<uint8_t, 2>(W, H);
  burst->defect_mask.fill(0);
  Halide::Runtime::Buffer<float, 2> defect_offset(W, H);  // above the signal, of the range; < 0: dead
  defect_offset.fill(0.0f);
  {
    std::mt19937_64 defect_rng(mix_seed(o.seed ^ 0xdefec7, 2));
    std::uniform_int_distribution<int> column(0, W - 1), row(0, H - 1), length(8, 24);
    std::uniform_real_distribution<float> hot(0.1f, 0.6f);
    for (int n = 0; n < o.defective_pixels; ++n) {
      const int x = column(defect_rng), y = row(defect_rng);
      const bool dead = n % 4 == 3;
      burst->defect_mask(x, y) = dead ? 2 : 1;
      defect_offset(x, y) = dead ? -1.0f : hot(defect_rng);
    }
    for (int n = 0; n < o.stuck_columns; ++n) {
      const int x = column(defect_rng), y0 = row(defect_rng), l = length(defect_rng);
      for (int y = y0; y < std::min(H, y0 + l); ++y) {
        burst->defect_mask(x, y) = 3;
        defect_offset(x, y) = 0.2f;
      }
      if (o.list_defects) meta.defects.rects.push_back({x, y0, x + 1, std::min(H, y0 + l)});
    }
    if (o.list_defects)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
          if (burst->defect_mask(x, y) == 1 || burst->defect_mask(x, y) == 2) meta.defects.points.push_back({x, y});
  }

  burst->frames.assign(o.frames, RawFrame());
  burst->reference = o.reference;
  burst->clean_mosaic = Halide::Runtime::Buffer<float, 2>(W, H);
  burst->object_mask = Halide::Runtime::Buffer<uint8_t, 2>(W, H);
  burst->object_mask.fill(0);
  for (int k = 0; k < o.frames; ++k) {
    RawFrame& f = burst->frames[k];
    f.meta = meta;
    const float exposure = o.exposures.empty() ? 1.0f : float(o.exposures[size_t(k)]);
    f.meta.exposure_s = meta.exposure_s * exposure;
    // Its own black levels (a generator of their own, so every other sample
    // of the burst is the same with or without the jitter).
    std::array<double, 4> black;
    black.fill(o.black_level);
    if (o.black_level_jitter > 0) {
      std::mt19937_64 black_rng(mix_seed(o.seed ^ 0xb1ac4, uint64_t(k)));
      std::uniform_int_distribution<int> offset(-o.black_level_jitter, o.black_level_jitter);
      for (int i = 0; i < 4; ++i) {
        black[size_t(i)] = std::max(0, o.black_level + offset(black_rng));
        f.meta.black_level[size_t(i)] = float(black[size_t(i)]);
      }
    }
    f.source = "synthetic frame " + std::to_string(k);
    f.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(W, H);
    const FrameMotionTruth& m = burst->motion[k];
    double cs = std::cos(m.rotation_deg * M_PI / 180), sn = std::sin(m.rotation_deg * M_PI / 180);
    const Halide::Runtime::Buffer<float, 2>& defect_offset_in = defect_offset;
    parallel_rows(H, [&](int y) {
      std::mt19937_64 row_rng(mix_seed(o.seed, uint64_t(k) * 1000003u + y));
      std::normal_distribution<float> row_normal(0, 1);
      uint16_t* mosaic_row = &f.mosaic(0, y);
      float* clean_row = k == o.reference ? &burst->clean_mosaic(0, y) : nullptr;
      for (int x = 0; x < W; ++x) {
        int c = cfa_color(o.cfa, x, y);
        // Reference position p whose content lands on this frame pixel q = (x, y).
        double qx = x - burst->center_x - m.dx_px, qy = y - burst->center_y - m.dy_px;
        double px = cs * qx + sn * qy + burst->center_x, py = -sn * qx + cs * qy + burst->center_y;
        float v = k == o.reference && oversample == 1
                      ? camera_in(x + margin, y + margin, c)
                      : sample_cubic(camera, scene_coord(px), scene_coord(py), c);
        if (o.moving_object) {
          float coverage;
          float obj = object_at(k, x, y, c, &coverage);
          v = v * (1 - coverage) + obj * coverage;
        }
        if (exposure != 1.0f) v *= exposure;
        v = std::max(v, 0.0f);
        if (clean_row) clean_row[x] = std::min(v, 1.0f);
        if (!meta.gain_maps.empty()) v /= meta.gain_maps[size_t(cfa_index(x, y))].gain_at(x, y, 0, W, H);
        const double g = o.channel_noise_gain[size_t(c)];
        float noisy = v + row_normal(row_rng) * float(std::sqrt(g * shot * v + g * g * read));
        // The sensor clips the collected charge (its full well), noise and
        // all: a saturated pixel reads white, not white plus noise.
        if (v >= 1.0f) noisy = std::max(noisy, 1.0f);
        const float defect = defect_offset_in(x, y);
        if (defect < 0) noisy = 0;  // dead: reads black
        if (defect > 0) noisy += defect;
        double adu = std::round(black[size_t(cfa_index(x, y))] + noisy * range);
        mosaic_row[x] = uint16_t(std::clamp(adu, 0.0, double(o.white_level)));
      }
    });
  }

  // Where the object is: in the reference (1), or only in another frame
  // mapped into reference coordinates (2: where a ghost would appear).
  if (o.moving_object) {
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        float coverage;
        object_at(o.reference, x, y, 0, &coverage);
        if (coverage > 0) {
          burst->object_mask(x, y) = 1;
          continue;
        }
        for (int k = 0; k < o.frames; ++k) {
          const FrameMotionTruth& m = burst->motion[k];
          double cs = std::cos(m.rotation_deg * M_PI / 180), sn = std::sin(m.rotation_deg * M_PI / 180);
          double rx = x - burst->center_x, ry = y - burst->center_y;
          double qx = cs * rx - sn * ry + burst->center_x + m.dx_px, qy = sn * rx + cs * ry + burst->center_y + m.dy_px;
          object_at(k, qx, qy, 0, &coverage);
          if (coverage > 0) burst->object_mask(x, y) = 2;
        }
      }
  }

  // The scene as drawn: the mean of the scene pixels of each sensor pixel.
  burst->clean_srgb = Halide::Runtime::Buffer<float, 3>(W, H, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        float sum = 0;
        for (int j = 0; j < oversample; ++j)
          for (int i = 0; i < oversample; ++i)
            sum += scene((x + margin) * oversample + i, (y + margin) * oversample + j, c);
        burst->clean_srgb(x, y, c) = sum / float(oversample * oversample);
      }
  if (o.truth_scale > 0) {
    const int tw = superres_extent(W, o.truth_scale), th = superres_extent(H, o.truth_scale);
    burst->clean_rgb = Halide::Runtime::Buffer<float, 3>(tw, th, 3);
    parallel_rows(th, [&](int y) {
      const double py = (y + 0.5) * H / th - 0.5;
      float* rows[3] = {&burst->clean_rgb(0, y, 0), &burst->clean_rgb(0, y, 1), &burst->clean_rgb(0, y, 2)};
      for (int x = 0; x < tw; ++x) {
        const double px = (x + 0.5) * W / tw - 0.5;
        for (int c = 0; c < 3; ++c)
          rows[c][x] = std::clamp(sample_cubic(camera, scene_coord(px), scene_coord(py), c), 0.0f, 1.0f);
      }
    });
  }
  for (int c = 0; c < 3; ++c) burst->illuminant_rgb[c] = float(neutral(c));
  burst->noise = meta.noise;
  return Status();
}

void true_plane_displacement(const SynthBurst& burst, int frame, double px, double py, double* dx, double* dy) {
  const FrameMotionTruth& m = burst.motion[frame];
  double cs = std::cos(m.rotation_deg * M_PI / 180), sn = std::sin(m.rotation_deg * M_PI / 180);
  double x = 2 * px + 0.5 - burst.center_x, y = 2 * py + 0.5 - burst.center_y;
  double qx = cs * x - sn * y + m.dx_px, qy = sn * x + cs * y + m.dy_px;
  *dx = (qx - x) / 2;
  *dy = (qy - y) / 2;
}

double mosaic_psnr(const Halide::Runtime::Buffer<float, 2>& test, const Halide::Runtime::Buffer<float, 2>& truth,
                   const Halide::Runtime::Buffer<uint8_t, 2>* mask, int mask_value, int border) {
  double se = 0;
  int64_t n = 0;
  for (int y = border; y < truth.height() - border; ++y)
    for (int x = border; x < truth.width() - border; ++x) {
      if (mask && (*mask)(x, y) != mask_value) continue;
      double d = double(std::clamp(test(x, y), 0.0f, 1.0f)) - truth(x, y);
      se += d * d;
      ++n;
    }
  if (n == 0 || se == 0) return 200.0;
  return 10 * std::log10(1.0 / (se / n));
}

}  // namespace nb
