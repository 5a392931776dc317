// nightburst_awb: trains the learned white balance (FFCC) from spectral data
// and evaluates it against the classic estimators.
//   nightburst_awb train --out model.bin      (the command behind the built-in model)
//   nightburst_awb eval [--model model.bin] [--bursts]
//   nightburst_awb canonical-spread
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>

#include "awb_evaluation.h"
#include "common/cli_commands.h"
#include "core/color.h"
#include "night_lights.h"
#include "nightburst/io.h"
#include "nightburst/pipeline.h"
#include "nightburst/synth.h"
#include "stages/ffcc.h"

namespace {

using namespace nb::awb;

struct CommonArgs {
  std::string data = NIGHTBURST_SPECTRAL_DIR;
  std::string illuminants = "/usr/share/colord/illuminant";
  uint64_t seed = 1;
  int scenes_per_camera = 300;
  int threads = 2;
};

int fail(const nb::Status& s) {
  std::fprintf(stderr, "nightburst_awb: error: %s\n", s.message().c_str());
  return 1;
}

void print_table(const std::string& title,
                 const std::array<std::vector<double>, kAllMethods.size()>& errors) {
  std::printf("\n%s (%zu cases), angular error in degrees\n", title.c_str(), errors[0].size());
  std::printf(
      "| method | mean | median | best 25%% | worst 25%% |\n| --- | --- | --- | --- | --- |\n");
  for (size_t m = 0; m < kAllMethods.size(); ++m) {
    const ErrorStats s = error_stats(errors[m]);
    std::printf("| %s | %.2f | %.2f | %.2f | %.2f |\n", method_name(kAllMethods[m]).c_str(), s.mean,
                s.median, s.best25, s.worst25);
  }
}

std::vector<int> cameras_where(const SpectralData& data, bool held_out, bool validation_split) {
  std::vector<int> out;
  for (int i = 0; i < int(data.cameras.size()); ++i) {
    if (is_held_out_camera(i) != held_out) continue;
    if (validation_split && is_validation_camera(i)) continue;
    out.push_back(i);
  }
  return out;
}

// Knots of the exposure-conditioned prior, log2 cd/m^2, 4 stops apart: from
// a moonlit scene's mean (0.005 lux: 2^-11.8 cd/m^2) to full sun's
// (100 000 lux: 2^12.5).
const std::vector<float> kLuminanceKnots = {-12, -8, -4, 0, 4, 8, 12};

// What `train` renders and what the model holds, as its flags chose.
struct TrainingChoices {
  bool night_lights = false;
  float bin_size = 1.0f / 32;
  bool by_exposure = false;
  bool noise_by_brightness = false;
  bool coarsen_noisy = false;
  bool jitter_cameras = false;
};

int run_train(const CommonArgs& a, const TrainOptions& options, const std::string& out, bool validate,
              const TrainingChoices& c) {
  // Training takes up to half an hour: a path it cannot write is refused first.
  if (!out.empty()) {
    nb::Status s = nb::check_output_path(out, {});
    if (s.ok()) s = nb::check_output_directory(out);
    if (!s.ok()) return fail(s);
  }
  SpectralData data;
  nb::Status s = load_spectral_data(a.data, a.illuminants, &data);
  if (!s.ok()) return fail(s);
  const std::vector<int> train = cameras_where(data, false, validate);
  auto t0 = std::chrono::steady_clock::now();
  const std::vector<Scene> scenes =
      render_scenes(data, train, a.scenes_per_camera, a.seed, c.night_lights, c.noise_by_brightness, c.jitter_cameras);
  nb::FfccModel model;
  model.bin_size = c.bin_size;
  s = model_grid(data, train, scenes, &model);
  if (!s.ok()) return fail(s);
  if (c.by_exposure) model.luminance_knots = kLuminanceKnots;
  if (c.coarsen_noisy) model.histogram_snr = nb::kCoarsenedHistogramSnr;
  const std::vector<TrainingExample> examples = training_examples(model, scenes);
  std::fprintf(stderr, "nightburst_awb: %zu cameras, %zu scenes rendered in %.1f s; training\n",
               train.size(), scenes.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  train_ffcc(examples, options, &model);
  std::fprintf(stderr, "nightburst_awb: trained in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (validate) {
    std::vector<int> validation;
    for (int i = 0; i < int(data.cameras.size()); ++i)
      if (is_validation_camera(i)) validation.push_back(i);
    print_table(
        "Validation cameras",
        evaluate_scenes(model, render_scenes(data, validation, a.scenes_per_camera, a.seed + 1, c.night_lights,
                                             c.noise_by_brightness)));
  }
  if (!out.empty()) {
    const std::vector<uint8_t> bytes = nb::serialize_ffcc_model(model);
    s = nb::write_text_file(out, std::string(bytes.begin(), bytes.end()));
    if (!s.ok()) return fail(s);
    std::fprintf(stderr, "nightburst_awb: wrote %s (%zu bytes)\n", out.c_str(), bytes.size());
  }
  return 0;
}

nb::Status load_model(const std::string& path, nb::FfccModel* model) {
  if (path.empty()) {
    *model = nb::default_ffcc_model();
    return nb::Status();
  }
  std::vector<uint8_t> bytes;
  NB_RETURN_IF_ERROR(nb::read_binary_file(path, nb::kMaxAwbModelBytes, &bytes));
  return nb::parse_ffcc_model(bytes.data(), bytes.size(), path, model);
}

// Metadata as a file without an exposure would give it.
void forget_exposure(nb::RawMetadata* meta) { meta->exposure_s = meta->iso = meta->f_number = 0; }

std::vector<Scene> without_exposure(std::vector<Scene> scenes) {
  for (Scene& s : scenes) forget_exposure(&s.meta);
  return scenes;
}

struct BurstSize {
  int width = 768, height = 512;
};

// Synthetic night bursts (nightburst synth's scene) at falling light levels:
// the merged mosaic of each goes to every estimator.
void evaluate_bursts(const nb::FfccModel& model, int threads, bool strip_exposure, const BurstSize& size) {
  const double levels[] = {0.04, 0.01, 0.003, 0.001};
  const double kelvins[] = {2400, 3200, 4300, 5500, 7000};
  for (double level : levels) {
    std::array<std::vector<double>, kAllMethods.size()> errors;
    for (double kelvin : kelvins)
      for (uint64_t seed = 1; seed <= 2; ++seed) {
        nb::SynthOptions o;
        o.width = size.width;
        o.height = size.height;
        o.frames = 6;
        o.seed = seed;
        o.scene_mean = level;
        o.shot_noise = 0.004;
        o.read_noise = 2e-6;
        o.illuminant_kelvin = kelvin;
        nb::SynthBurst burst;
        if (!nb::make_synthetic_burst(o, &burst).ok()) continue;
        nb::ProcessOptions po;
        po.awb = nb::AwbMethod::kAsShot;
        po.threads = threads;
        nb::ProcessResult result;
        if (!nb::process_burst(burst.frames, po, &result).ok()) continue;
        const nb::RgbThumbnail t = nb::awb_thumbnail(result.merged, result.merged_meta.cfa);
        if (strip_exposure) forget_exposure(&result.merged_meta);
        for (size_t m = 0; m < kAllMethods.size(); ++m)
          errors[m].push_back(nb::angular_error_deg(
              estimate(kAllMethods[m], model, t, result.merged_meta), burst.illuminant_rgb));
      }
    char title[160];
    std::snprintf(title, sizeof title,
                  "Synthetic night bursts, %dx%d, scene mean %.3g of white (shot noise 0.004, 6 frames)",
                  size.width, size.height, level);
    print_table(title, errors);
  }
}

// Held-out cameras under each family of light: the mean error of every
// method, and the learned method's median and worst quarter.
void evaluate_families(const nb::FfccModel& model, const SpectralData& data, const std::vector<int>& cameras,
                       int per_camera, uint64_t seed, bool strip_exposure) {
  std::printf("\nHeld-out cameras by light family (%d scenes per camera and family), mean angular error in degrees\n",
              per_camera);
  std::printf("| light | learned | learned median | learned worst 25%% |");
  for (size_t m = 1; m < kAllMethods.size(); ++m) std::printf(" %s |", method_name(kAllMethods[m]).c_str());
  std::printf("\n| --- | --- | --- | --- |");
  for (size_t m = 1; m < kAllMethods.size(); ++m) std::printf(" --- |");
  std::printf("\n");
  for (LightFamily family : kAllFamilies) {
    std::vector<Scene> scenes = render_family_scenes(data, cameras, family, per_camera, seed);
    if (strip_exposure) scenes = without_exposure(std::move(scenes));
    const auto errors = evaluate_scenes(model, scenes);
    const ErrorStats learned = error_stats(errors[0]);
    std::printf("| %s | %.2f | %.2f | %.2f |", family_name(family).c_str(), learned.mean, learned.median,
                learned.worst25);
    for (size_t m = 1; m < kAllMethods.size(); ++m) std::printf(" %.2f |", error_stats(errors[m]).mean);
    std::printf("\n");
    std::fflush(stdout);
  }
}

// The model's prior alone (its bias at the scene's brightness, no histogram):
// where the light usually is for so bright a scene, in the camera's RGB.
nb::Illuminant prior_estimate(const nb::FfccModel& model, const nb::RgbThumbnail& t, const nb::RawMetadata& meta) {
  std::vector<float> p = nb::bias_for_luminance(model, nb::scene_log2_luminance(meta, t));
  nb::softmax(&p);
  const Eigen::Vector3f camera =
      nb::canonical_from_camera(model, meta).inverse() * nb::rgb_at_bin(model, nb::fit_von_mises(p, model.bins).mean);
  return {camera(0) / camera(1), 1.0f, camera(2) / camera(1)};
}

// Whether the learned estimate's confidence means something: its error by
// confidence, and what falling back to gray-world or to the prior's estimate
// below a confidence would do.
void evaluate_confidence(const nb::FfccModel& model, const std::vector<Scene>& scenes) {
  const double edges[] = {0, 0.25, 0.5, 0.75, 0.9, 1.01};
  std::vector<std::vector<double>> by_bucket(5);
  std::vector<double> confidences, learned, gray, prior;
  for (const Scene& s : scenes) {
    const nb::AwbEstimate e = nb::estimate_illuminant_ffcc(model, s.thumbnail, s.meta);
    const double error = nb::angular_error_deg(e.illuminant_rgb, s.truth);
    for (int b = 0; b < 5; ++b)
      if (e.confidence >= edges[b] && e.confidence < edges[b + 1]) by_bucket[size_t(b)].push_back(error);
    confidences.push_back(e.confidence);
    learned.push_back(error);
    gray.push_back(nb::angular_error_deg(nb::gray_world(s.thumbnail, s.meta.as_shot_neutral), s.truth));
    prior.push_back(nb::angular_error_deg(prior_estimate(model, s.thumbnail, s.meta), s.truth));
  }
  std::printf("\nConfidence against error (%zu scenes)\n| confidence | scenes | mean error | median error |\n"
              "| --- | --- | --- | --- |\n",
              scenes.size());
  for (int b = 0; b < 5; ++b) {
    const ErrorStats st = error_stats(by_bucket[size_t(b)]);
    std::printf("| %.2f-%.2f | %zu | %.2f | %.2f |\n", edges[b], std::min(1.0, edges[b + 1]), st.count, st.mean,
                st.median);
  }
  for (const auto& [name, fallback] : {std::pair<const char*, const std::vector<double>*>{"gray-world", &gray},
                                        {"the prior's estimate", &prior}}) {
    std::printf("\n| below this confidence, %s instead | mean | median | worst 25%% |\n| --- | --- | --- | --- |\n",
                name);
    for (double threshold : {0.0, 0.1, 0.2, 0.3, 0.5}) {
      std::vector<double> errors;
      for (size_t i = 0; i < learned.size(); ++i)
        errors.push_back(confidences[i] < threshold ? (*fallback)[i] : learned[i]);
      const ErrorStats st = error_stats(errors);
      std::printf("| %.1f | %.2f | %.2f | %.2f |\n", threshold, st.mean, st.median, st.worst25);
    }
  }
  const ErrorStats prior_alone = error_stats(prior);
  std::printf("\nThe prior's estimate alone: mean %.2f, median %.2f, worst 25%% %.2f\n", prior_alone.mean,
              prior_alone.median, prior_alone.worst25);
}

int run_eval(const CommonArgs& a, const std::string& model_path, bool bursts, const BurstSize& burst_size,
             int family_scenes, bool confidence, bool strip_exposure) {
  nb::FfccModel model;
  nb::Status s = load_model(model_path, &model);
  if (!s.ok()) return fail(s);
  SpectralData data;
  s = load_spectral_data(a.data, a.illuminants, &data);
  if (!s.ok()) return fail(s);
  const std::vector<int> held_out = cameras_where(data, true, false);
  std::string names;
  for (int i : held_out) names += (names.empty() ? "" : ", ") + data.cameras[size_t(i)].name;
  std::printf("Held-out cameras (%zu): %s\n", held_out.size(), names.c_str());
  // A seed offset keeps these scenes apart from any training run's.
  const std::vector<Scene> scenes = render_scenes(data, held_out, a.scenes_per_camera, a.seed + 7919);
  print_table("Held-out cameras, rendered scenes", evaluate_scenes(model, scenes));
  if (!model.luminance_knots.empty())
    print_table("Held-out cameras, the same scenes without their exposure",
                evaluate_scenes(model, without_exposure(scenes)));
  if (confidence) evaluate_confidence(model, scenes);
  if (family_scenes > 0) evaluate_families(model, data, held_out, family_scenes, a.seed + 104729, strip_exposure);
  if (bursts) evaluate_bursts(model, a.threads, strip_exposure, burst_size);
  return 0;
}

// Where each light's white lands in the model's canonical space for the
// held-out cameras, against where the training cameras put it on average
// (root mean square of the angles): the scatter no model can learn, since
// it never sees those cameras. Three ways from camera RGB to the space:
// the matrix fitted under D65 (a DNG ColorMatrix, what the pipeline uses),
// fits under standard light A and D65 interpolated in inverse temperature at
// the light's own (a DNG with two calibrations, the light known), and a fit
// under the light itself (what no file holds: the bound).
int run_canonical_spread(const CommonArgs& a) {
  SpectralData data;
  nb::Status s = load_spectral_data(a.data, a.illuminants, &data);
  if (!s.ok()) return fail(s);
  const std::vector<int> train = cameras_where(data, false, false), held_out = cameras_where(data, true, false);
  const Eigen::Matrix3d canonical_from_xyz = mean_camera_from_xyz(data, train);
  // Each camera as a DNG calibrated under standard light A (17) and D65 (21).
  const Spectrum light_a = blackbody(2856);
  std::vector<Eigen::Matrix3d> from_d65(data.cameras.size());
  std::vector<nb::RawMetadata> two_calibrations(data.cameras.size());
  for (size_t c = 0; c < data.cameras.size(); ++c) {
    from_d65[c] = fit_camera_from_xyz(data, data.cameras[c]);
    two_calibrations[c].calibrations = {
        fitted_calibration(17, fit_camera_from_xyz_under(data, data.cameras[c], light_a)),
        fitted_calibration(21, from_d65[c])};
  }
  std::vector<Illuminant> lights = {{"blackbody 2200 K", blackbody(2200)}, {"standard light A", light_a},
                                    {"D65", nb::awb::daylight(data, 6504)},
                                    {"daylight 10000 K", nb::awb::daylight(data, 10000)},
                                    {"high-pressure sodium", high_pressure_sodium()},
                                    {"mercury vapour", mercury_vapour(false)}, {"metal halide", metal_halide()},
                                    {"white LED 2700 K", white_led(data, 2700)}, {"white LED 4000 K", white_led(data, 4000)},
                                    {"white LED 6500 K", white_led(data, 6500)}};
  for (const Illuminant& m : data.measured)
    if (m.name.rfind("CIE-F", 0) == 0) lights.push_back(m);
  std::printf("Held-out cameras' white against the training cameras' mean, canonical space, RMS angle in degrees\n"
              "| light | CCT | D65 matrix | A and D65, interpolated | fitted under the light |\n"
              "| --- | --- | --- | --- | --- |\n");
  for (const Illuminant& light : lights) {
    const double kelvin = correlated_colour_temperature(data, light.power);
    const auto spread = [&](const std::function<Eigen::Matrix3d(size_t)>& camera_from_xyz) {
      std::vector<Eigen::Vector3d> white(data.cameras.size());
      for (size_t c = 0; c < data.cameras.size(); ++c)
        white[c] = (canonical_from_xyz * camera_from_xyz(c).inverse() * camera_rgb(data.cameras[c], light.power))
                       .normalized();
      Eigen::Vector3d mean = Eigen::Vector3d::Zero();
      for (int c : train) mean += white[size_t(c)];
      mean.normalize();
      double sum = 0;
      for (int c : held_out)
        sum += std::pow(std::acos(std::clamp(white[size_t(c)].dot(mean), -1.0, 1.0)) * 180 / M_PI, 2);
      return std::sqrt(sum / double(held_out.size()));
    };
    std::printf("| %s | %.0f | %.2f | %.2f | %.2f |\n", light.name.c_str(), kelvin,
                spread([&](size_t c) { return from_d65[c]; }),
                spread([&](size_t c) { return nb::camera_from_xyz(two_calibrations[c], kelvin); }),
                spread([&](size_t c) { return fit_camera_from_xyz_under(data, data.cameras[c], light.power); }));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nightburst_awb: train and evaluate the learned white balance"};
  app.require_subcommand(1);
  CommonArgs common;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--data", common.data,
                    "Spectral data folder (camera/, training_spectral.json, cmf_1931.json)");
    cmd->add_option("--illuminants", common.illuminants, "Folder of colord .sp illuminant spectra");
    cmd->add_option("--seed", common.seed, "Random seed of the rendered scenes");
    cmd->add_option("--scenes-per-camera", common.scenes_per_camera, "Rendered scenes per camera")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--threads", common.threads, "Worker threads")->check(CLI::Range(1, 256));
  };

  TrainOptions train_options;
  std::string out;
  bool validate = false;
  CLI::App* train =
      app.add_subcommand("train", "Render scenes from the training cameras and fit the model");
  add_common(train);
  train->add_option("-o,--out", out, "Model file to write");
  train->add_option("--iterations", train_options.iterations, "L-BFGS iterations on the log loss")
      ->check(CLI::Range(1, 100000));
  train
      ->add_option("--refine-iterations", train_options.refine_iterations,
                   "L-BFGS iterations on the expected angular error")
      ->check(CLI::Range(0, 100000));
  train->add_option("--filter-smoothness", train_options.filter_smoothness);
  train->add_option("--filter-l2", train_options.filter_l2);
  train->add_option("--bias-smoothness", train_options.bias_smoothness);
  train->add_option("--bias-l2", train_options.bias_l2);
  TrainingChoices choices;
  train->add_option("--bin-size", choices.bin_size,
                    "Log-chroma units per histogram bin (64 bins, wrapped): 1/32 spans 2 units, 1/16 spans 4")
      ->check(CLI::Range(1.0f / 128, 1.0f / 8))
      ->capture_default_str();
  train->add_flag("--night-lights", choices.night_lights,
                  "Light half the training scenes by night lights (sodium, mercury, LEDs, moon, twilight; some beside a second light)");
  train->add_flag("--exposure", choices.by_exposure,
                  "Condition the prior on the scene's brightness from its exposure (time, ISO, aperture)");
  train->add_flag("--noise-by-brightness", choices.noise_by_brightness,
                  "Give each scene the noise its brightness gives a burst (signal to noise about 3 at 0.07 lux, "
                  "growing as the root of the illuminance) instead of a level drawn apart from it");
  train->add_flag("--coarsen-noisy", choices.coarsen_noisy,
                  "Take the histograms of a noisy thumbnail from its block means, coarsened up to 4x until its "
                  "signal to noise reaches 12 (recorded in the model, which the pipeline then uses so)");
  train->add_flag("--jitter-cameras", choices.jitter_cameras,
                  "Render half the training scenes through a camera near the one given (sensitivities shifted "
                  "and tilted), with its own colour matrix");
  train->add_option("--knot-smoothness", train_options.knot_smoothness);
  train->add_option("--knot-l2", train_options.knot_l2);
  train->add_flag("--validate", validate,
                  "Hold out every fourth training camera and report errors on them");

  std::string model_path;
  bool bursts = false;
  CLI::App* eval =
      app.add_subcommand("eval", "Angular errors of every estimator on the held-out cameras");
  add_common(eval);
  eval->add_option("--model", model_path, "Model file (default: the built-in model)");
  eval->add_flag("--bursts", bursts,
                 "Also evaluate on synthetic night bursts at four light levels");
  BurstSize burst_size;
  // The white-balance thumbnail's noise falls with the pixels each of its
  // pixels averages: a 12 MP burst's is far cleaner than a 768x512 one's at
  // the same light level.
  eval->add_option("--burst-width", burst_size.width, "Width of the synthetic bursts")
      ->check(CLI::Range(64, 8192))
      ->capture_default_str();
  eval->add_option("--burst-height", burst_size.height, "Height of the synthetic bursts")
      ->check(CLI::Range(64, 8192))
      ->capture_default_str();
  int family_scenes = 0;
  bool confidence = false;
  eval->add_flag("--confidence", confidence, "Also the learned estimate's error by its confidence, and fallbacks to gray-world or the prior below a confidence");
  eval->add_option("--families", family_scenes,
                   "Also evaluate by light family (sodium, mercury, LEDs, ...), this many scenes per camera each");

  bool strip_exposure = false;
  eval->add_flag("--without-exposure", strip_exposure,
                 "Give the family scenes and bursts no exposure, as files without one");

  CLI::App* spread = app.add_subcommand(
      "canonical-spread", "How far each light's white lands for the held-out cameras from the training cameras'");
  add_common(spread);

  if (argc > 1 && nb::apps::report_unknown_command(app, "nightburst_awb", "", argv[1])) return 2;
  CLI11_PARSE(app, argc, argv);
  train_options.threads = common.threads;
  if (train->parsed()) return run_train(common, train_options, out, validate, choices);
  if (spread->parsed()) return run_canonical_spread(common);
  return run_eval(common, model_path, bursts, burst_size, family_scenes, confidence, strip_exposure);
}
