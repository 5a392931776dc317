// What training and evaluation share: the camera split, the model's grid,
// rendered scenes with their cameras' metadata, the estimators compared and
// the error statistics colour-constancy papers report.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ffcc_train.h"
#include "night_lights.h"
#include "spectral_data.h"
#include "stages/ffcc.h"

namespace nb::awb {

// Cameras (by index in SpectralData::cameras, sorted by name) never seen in
// training: every fourth, starting with the second.
bool is_held_out_camera(int index);
// Training cameras kept out of training by `nightburst_awb train --validate`
// to choose its weights on: every fourth, starting with the fourth.
bool is_validation_camera(int index);

struct Scene {
  RgbThumbnail thumbnail;
  nb::Illuminant truth;  // camera RGB, G = 1
  // The camera's fitted colour matrix, and an exposure (time, aperture, ISO)
  // for a brightness drawn from where the scene's lights are found
  // (illuminance_range).
  RawMetadata meta;
};

// `per_camera` random scenes for each camera in `cameras`; deterministic in
// `seed` (each camera has its own random stream).
// `night_lights`: half the scenes lit by night scenes' lights instead
// (high-pressure sodium, mercury and metal halide, LEDs, moonlight and
// twilight in equal shares, a fifth of them beside a second light from one side).
// `noise_by_brightness`: each scene's noise follows its illuminance
// (snr_at), as a burst's does, instead of being drawn apart from it.
// `jitter_cameras`: half the scenes through a camera near the one given
// (jittered_camera), with that camera's own fitted colour matrix.
std::vector<Scene> render_scenes(const SpectralData& data, const std::vector<int>& cameras,
                                 int per_camera, uint64_t seed, bool night_lights = false,
                                 bool noise_by_brightness = false, bool jitter_cameras = false);

// A camera whose sensitivities are `camera`'s, each channel shifted in
// wavelength (normal, 5 nm) and tilted by exp(t (nm - 560) / 200) (t normal,
// 0.15): cameras differ so, and how a line spectrum falls on those slopes
// is the metamerism that scatters a lamp's white between cameras
// (`nightburst_awb canonical-spread`).
Camera jittered_camera(const Camera& camera, std::mt19937_64& rng);

// `per_camera` scenes per camera lit by lights of one family (for
// kTwoLights: two lights of different families, one from each side).
std::vector<Scene> render_family_scenes(const SpectralData& data, const std::vector<int>& cameras,
                                        LightFamily family, int per_camera, uint64_t seed);

// The camera's colour calibration under EXIF light source `light_source`
// (17 standard light A, 21 D65) from a fitted camera_from_xyz, as a DNG
// ColorMatrix holds it.
ColorCalibration fitted_calibration(int light_source, const Eigen::Matrix3d& camera_from_xyz);

// The mean of `cameras`' D65 colour matrices (fit_camera_from_xyz): the
// canonical space a model trained on them estimates in.
Eigen::Matrix3d mean_camera_from_xyz(const SpectralData& data, const std::vector<int>& cameras);

// The model's grid: canonical space = mean of the training cameras'
// normalised colour matrices; the histogram window centred on the training
// illuminants, whose range it records. Fails if those do not fit in the window.
Status model_grid(const SpectralData& data, const std::vector<int>& train_cameras,
                  const std::vector<Scene>& training_scenes, FfccModel* model);

// One training scene in this many is given without its exposure.
constexpr size_t kUnknownExposureEvery = 7;
std::vector<TrainingExample> training_examples(const FfccModel& model,
                                               const std::vector<Scene>& scenes);

enum class Method { kLearned, kGrayWorld, kWhitePatch, kShadesOfGray, kGrayEdge };
constexpr std::array<Method, 5> kAllMethods = {Method::kLearned, Method::kGrayWorld,
                                               Method::kWhitePatch, Method::kShadesOfGray,
                                               Method::kGrayEdge};
std::string method_name(Method method);
nb::Illuminant estimate(Method method, const FfccModel& model, const RgbThumbnail& thumbnail,
                        const RawMetadata& meta);

// Mean, median, and the means of the best and worst quarters, in degrees.
struct ErrorStats {
  double mean = 0, median = 0, best25 = 0, worst25 = 0;
  size_t count = 0;
};
ErrorStats error_stats(std::vector<double> errors_deg);

// Angular errors of every method on every scene.
std::array<std::vector<double>, kAllMethods.size()> evaluate_scenes(
    const FfccModel& model, const std::vector<Scene>& scenes);

}  // namespace nb::awb
