// Camera split, scene rendering, estimators and statistics for AWB training and evaluation.
#include "awb_evaluation.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <random>

#include "scene_render.h"

namespace nb::awb {

bool is_held_out_camera(int index) { return index % 4 == 1; }
bool is_validation_camera(int index) { return index % 4 == 3; }

ColorCalibration fitted_calibration(int light_source, const Eigen::Matrix3d& camera_from_xyz) {
  ColorCalibration calibration;
  calibration.illuminant = light_source;
  for (int i = 0; i < 9; ++i) calibration.color_matrix[size_t(i)] = camera_from_xyz(i / 3, i % 3);
  return calibration;
}

Eigen::Matrix3d mean_camera_from_xyz(const SpectralData& data, const std::vector<int>& cameras) {
  Eigen::Matrix3d sum = Eigen::Matrix3d::Zero();
  for (int index : cameras) sum += fit_camera_from_xyz(data, data.cameras[size_t(index)]);
  return sum / double(cameras.size());
}

static RawMetadata camera_metadata(const SpectralData& data, const Camera& camera) {
  RawMetadata meta;
  // Fitted under D65, as Adobe's matrices are.
  meta.calibrations = {fitted_calibration(21, fit_camera_from_xyz(data, camera))};
  return meta;
}

// An illuminance drawn log-uniformly from where the scene's lights are found.
static double draw_lux(const std::string& lights, std::mt19937_64& rng) {
  const IlluminanceRange range = illuminance_range(lights);
  return std::exp(std::uniform_real_distribution<double>(std::log(range.low_lux), std::log(range.high_lux))(rng));
}

// The signal-to-noise ratio at the mean of a merged burst's thumbnail lit at
// `lux`: shot-noise-limited, so growing as its root; about 3 at 0.066 lux
// (as `nightburst synth`'s six-frame bursts at scene mean 0.002 measure),
// times 1/3-3 for the frames, exposure and pixel size; within 2-300.
static double snr_at(double lux, std::mt19937_64& rng) {
  const double spread = std::exp(std::uniform_real_distribution<double>(std::log(1.0 / 3), std::log(3.0))(rng));
  return std::clamp(3 * std::sqrt(lux / 0.066) * spread, 2.0, 300.0);
}

// Gives a rendered scene the exposure a camera would have chosen for it, lit
// at `lux`: 1/30 s at f/2, and the ISO that puts the thumbnail's mean green
// (its raw level) at that brightness. The scene's mean luminance is taken as
// a mean reflectance of 0.18 under the illuminance: L = E * 0.18 / pi.
static void expose_at(Scene* scene, double lux) {
  const double luminance = lux * 0.18 / M_PI;
  scene->meta.exposure_s = 1.0 / 30;
  scene->meta.f_number = 2;
  scene->meta.iso = 100;
  // The luminance scales as 1 / ISO.
  const double at_iso_100 = std::exp2(scene_log2_luminance(scene->meta, scene->thumbnail));
  scene->meta.iso = std::isfinite(at_iso_100) ? 100 * at_iso_100 / luminance : 0;
}

static void expose(Scene* scene, const std::string& lights, std::mt19937_64& rng) {
  expose_at(scene, draw_lux(lights, rng));
}

Camera jittered_camera(const Camera& camera, std::mt19937_64& rng) {
  std::normal_distribution<double> shift_nm(0, 5), tilt(0, 0.15);
  Camera jittered = camera;
  jittered.name += " (jittered)";
  for (int c = 0; c < 3; ++c) {
    const double shift = shift_nm(rng), t = tilt(rng);
    for (int i = 0; i < kSamples; ++i) {
      const double nm = kFirstNm + i * kStepNm;
      // The sensitivity at nm - shift, linearly interpolated; zero off the grid.
      const double at = (nm - shift - kFirstNm) / kStepNm;
      const int below = int(std::floor(at));
      const double f = at - below;
      auto sample = [&](int j) { return j < 0 || j >= kSamples ? 0.0 : camera.sensitivity[c](j); };
      jittered.sensitivity[c](i) = ((1 - f) * sample(below) + f * sample(below + 1)) * std::exp(t * (nm - 560) / 200);
    }
  }
  return jittered;
}

std::vector<Scene> render_scenes(const SpectralData& data, const std::vector<int>& cameras,
                                 int per_camera, uint64_t seed, bool night_lights, bool noise_by_brightness,
                                 bool jitter_cameras) {
  // Filament lamps too (porch lights, old street lamps, candles): without
  // them a dark scene's prior would know no broadband light.
  static const LightFamily kNight[] = {LightFamily::kSodium, LightFamily::kMercury, LightFamily::kLed,
                                       LightFamily::kMoonTwilight, LightFamily::kIncandescent};
  std::vector<Scene> scenes;
  for (int index : cameras) {
    const Camera& camera = data.cameras[size_t(index)];
    const RawMetadata meta = camera_metadata(data, camera);
    std::mt19937_64 rng(seed * 1000003ull + uint64_t(index));
    std::mt19937_64 night_rng(seed * 1000003ull + uint64_t(index) + 0x5eed);
    // Its own stream, so the scenes are those rendered before exposures were drawn.
    std::mt19937_64 exposure_rng(seed * 1000003ull + uint64_t(index) + 0xe790);
    std::mt19937_64 jitter_rng(seed * 1000003ull + uint64_t(index) + 0x717e);
    for (int k = 0; k < per_camera; ++k) {
      const bool night = night_lights && k % 2 == 1;
      std::mt19937_64& scene_rng = night ? night_rng : rng;
      Illuminant light, other;
      const Illuminant* second_light = nullptr;
      if (night) {
        // Low-pressure sodium is left out: its light is one spectral line, whose
        // chroma lies some 3 log units from daylight's, beyond the histogram's
        // window (and under it no white balance can tell one surface's colour
        // from another's).
        const LightFamily family = kNight[size_t(k / 2) % std::size(kNight)];
        light = family == LightFamily::kSodium ? Illuminant{"high-pressure-sodium", high_pressure_sodium()}
                                               : random_light(data, family, night_rng);
        if (std::uniform_real_distribution<double>(0, 1)(night_rng) < 0.2) {
          other = random_light(data, LightFamily::kTwoLights, night_rng);
          second_light = &other;
        }
      } else {
        light = random_illuminant(data, rng);
      }
      const std::string lights = light.name + (second_light ? "+" + other.name : "");
      const double lux = draw_lux(lights, exposure_rng);
      const bool jitter = jitter_cameras && std::uniform_real_distribution<double>(0, 1)(jitter_rng) < 0.5;
      const Camera shot_by = jitter ? jittered_camera(camera, jitter_rng) : camera;
      RenderedScene r = render_scene(data, shot_by, light, scene_rng, 128, 96, second_light,
                                     noise_by_brightness ? snr_at(lux, exposure_rng) : 0);
      scenes.push_back({std::move(r.thumbnail), r.truth, jitter ? camera_metadata(data, shot_by) : meta});
      expose_at(&scenes.back(), lux);
    }
  }
  return scenes;
}

std::vector<Scene> render_family_scenes(const SpectralData& data, const std::vector<int>& cameras,
                                        LightFamily family, int per_camera, uint64_t seed) {
  std::vector<Scene> scenes;
  for (int index : cameras) {
    const Camera& camera = data.cameras[size_t(index)];
    const RawMetadata meta = camera_metadata(data, camera);
    std::mt19937_64 rng((seed * 1000003ull + uint64_t(index)) * 31 + uint64_t(family));
    std::mt19937_64 exposure_rng((seed * 1000003ull + uint64_t(index)) * 31 + uint64_t(family) + 0xe790);
    for (int k = 0; k < per_camera; ++k) {
      const Illuminant light = random_light(data, family, rng);
      RenderedScene r;
      std::string lights = light.name;
      if (family == LightFamily::kTwoLights) {
        Illuminant other = random_light(data, family, rng);
        while (other.name == light.name) other = random_light(data, family, rng);
        r = render_scene(data, camera, light, rng, 128, 96, &other);
        lights += "+" + other.name;
      } else {
        r = render_scene(data, camera, light, rng);
      }
      scenes.push_back({std::move(r.thumbnail), r.truth, meta});
      expose(&scenes.back(), lights, exposure_rng);
    }
  }
  return scenes;
}

static Eigen::Vector3f truth_in_canonical(const FfccModel& model, const Scene& s) {
  return canonical_from_camera(model, s.meta) * Eigen::Vector3f(s.truth[0], s.truth[1], s.truth[2]);
}

Status model_grid(const SpectralData& data, const std::vector<int>& train_cameras,
                  const std::vector<Scene>& training_scenes, FfccModel* model) {
  model->canonical_from_xyz = mean_camera_from_xyz(data, train_cameras).cast<float>();
  model->u_start = model->v_start = 0;
  double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9};
  for (const Scene& s : training_scenes) {
    const Eigen::Vector2d uv = log_chroma(truth_in_canonical(*model, s));
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], uv[k]);
      hi[k] = std::max(hi[k], uv[k]);
    }
  }
  const double window = model->bins * double(model->bin_size);
  for (int k = 0; k < 2; ++k)
    if (hi[k] - lo[k] > 0.8 * window)
      return bad_input("training illuminants span " + std::to_string(hi[k] - lo[k]) +
                       " log-chroma units, more than 80% of the histogram window");
  model->u_start = float(0.5 * (lo[0] + hi[0]) - 0.5 * window);
  model->v_start = float(0.5 * (lo[1] + hi[1]) - 0.5 * window);
  // What the estimate's fallback tests a scene's mean against: a wider
  // window than the lights need would otherwise hide a light none of them is.
  model->trained_lights = FfccModel::ChromaRange{float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])};
  return Status();
}

std::vector<TrainingExample> training_examples(const FfccModel& model,
                                               const std::vector<Scene>& scenes) {
  std::vector<TrainingExample> examples;
  examples.reserve(scenes.size());
  for (size_t i = 0; i < scenes.size(); ++i) {
    const Scene& s = scenes[i];
    examples.push_back({chroma_histograms(model, s.thumbnail, canonical_from_camera(model, s.meta)),
                        chroma_bin(model, truth_in_canonical(model, s))});
    // One scene in kUnknownExposureEvery has no exposure, so `bias` alone
    // learns the prior for files that carry none.
    if (i % kUnknownExposureEvery != kUnknownExposureEvery - 1)
      examples.back().histograms.log2_luminance = scene_log2_luminance(s.meta, s.thumbnail);
  }
  return examples;
}

std::string method_name(Method m) {
  switch (m) {
    case Method::kLearned:
      return "learned (FFCC)";
    case Method::kGrayWorld:
      return "gray-world";
    case Method::kWhitePatch:
      return "white-patch";
    case Method::kShadesOfGray:
      return "shades-of-gray p=6";
    case Method::kGrayEdge:
      return "gray-edge";
  }
  return "?";
}

nb::Illuminant estimate(Method m, const FfccModel& model, const RgbThumbnail& t,
                        const RawMetadata& meta) {
  const nb::Illuminant fallback{1, 1, 1};
  switch (m) {
    case Method::kLearned:
      return estimate_illuminant_ffcc(model, t, meta).illuminant_rgb;
    case Method::kGrayWorld:
      return gray_world(t, fallback);
    case Method::kWhitePatch:
      return white_patch(t, fallback);
    case Method::kShadesOfGray:
      return shades_of_gray(t, 6.0, fallback);
    case Method::kGrayEdge:
      return gray_edge(t, 1.0, fallback);
  }
  return fallback;
}

ErrorStats error_stats(std::vector<double> e) {
  ErrorStats s;
  s.count = e.size();
  if (e.empty()) return s;
  std::sort(e.begin(), e.end());
  const size_t n = e.size(), quarter = std::max<size_t>(1, n / 4);
  s.mean = std::accumulate(e.begin(), e.end(), 0.0) / double(n);
  s.median = n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
  s.best25 = std::accumulate(e.begin(), e.begin() + quarter, 0.0) / double(quarter);
  s.worst25 = std::accumulate(e.end() - quarter, e.end(), 0.0) / double(quarter);
  return s;
}

std::array<std::vector<double>, kAllMethods.size()> evaluate_scenes(
    const FfccModel& model, const std::vector<Scene>& scenes) {
  std::array<std::vector<double>, kAllMethods.size()> errors;
  for (const Scene& s : scenes)
    for (size_t m = 0; m < kAllMethods.size(); ++m)
      errors[m].push_back(
          angular_error_deg(estimate(kAllMethods[m], model, s.thumbnail, s.meta), s.truth));
  return errors;
}

}  // namespace nb::awb
