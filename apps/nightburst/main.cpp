// nightburst: the command-line tool. `process` turns a raw burst into a PNG
// (and optionally a merged DNG and a JSON report); `synth` makes test bursts.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "batch/batch.h"
#include "batch/catalog.h"
#include "capi/c_options.h"
#include "capi/report_json.h"
#include "common/cli_commands.h"
#include "common/cli_words.h"
#include "common/parse_options.h"
#include "debug_report/debug_report.h"
#include "common/memory_policy.h"
#include "nightburst/capture_plan.h"
#include "nightburst/io.h"
#include "nightburst/pipeline.h"
#include "nightburst/synth.h"
#include "synth/content_image.h"

namespace {

// Exit codes: 0 success, 1 bad input or failed I/O, 2 usage error.
constexpr int kExitBadInput = 1;
constexpr int kExitUsage = 2;

int report_error(const nb::Status& s) {
  std::fprintf(stderr, "nightburst: error: %s\n", s.message().c_str());
  return s.code() == nb::StatusCode::kInvalidArgument ? kExitUsage : kExitBadInput;
}

struct ProcessArgs {
  std::vector<std::string> inputs;
  std::string output;
  std::string merged_dng;
  std::string report;
  std::string debug_dir;
  int reference = -1;
  int threads = 0;
  int bits = 8;
  int quality = 92;
  std::string awb = "learned";
  std::string awb_model;
  std::string look = "night";
  float chroma_denoise = 1.0f;
  float sharpen = 0.5f;
  bool superres = false;
  float scale = 1.0f;
  bool quiet = false;
};

// The stages' progress lines; align and merge run once per frame, and each
// stage is named once.
struct StageLines {
  bool quiet = false;
  std::set<std::string> said;
};

int say_stage(const char* stage, void* user) {
  auto* lines = static_cast<StageLines*>(user);
  if (lines->said.insert(stage).second && !lines->quiet) std::fprintf(stderr, "nightburst: %s\n", stage);
  return 1;
}

// The CLI takes its options in the C API's terms (nb_options), as an app does.
int run_process(const ProcessArgs& a) {
  using Clock = std::chrono::steady_clock;
  nb_options options;
  nb_options_default(&options);
  options.reference = a.reference;
  options.threads = a.threads;
  options.look = nb::apps::look_names().at(a.look);
  options.chroma_denoise = a.chroma_denoise;
  options.sharpen = a.sharpen;
  options.superres_scale = a.superres ? a.scale : 0.0f;
  if (!nb::apps::parse_awb(a.awb, &options)) {
    return report_error(nb::invalid_argument(
        "--awb must be learned, grayworld, asshot or R,G,B (positive numbers), not '" + a.awb + "'"));
  }
  std::vector<uint8_t> model_bytes;
  if (!a.awb_model.empty()) {
    // Parsed, and a damaged file refused, when the session is created, before any frame is read.
    nb::Status s = nb::read_binary_file(a.awb_model, nb::kMaxAwbModelBytes, &model_bytes);
    if (!s.ok()) return report_error(s);
    options.awb_model = model_bytes.data();
    options.awb_model_size = model_bytes.size();
    options.awb_model_name = a.awb_model.c_str();
  }

  // Usage errors first, before any file is read.
  nb::Status s =
      nb::check_distinct_outputs({{"-o", a.output}, {"--merged-dng", a.merged_dng}, {"--report", a.report}});
  nb::PhotoFormat format = nb::PhotoFormat::kPng;
  if (s.ok()) s = nb::photo_format_for(a.output, "-o", &format);
  if (s.ok() && !a.merged_dng.empty()) s = nb::check_output_extension(a.merged_dng, "--merged-dng", {".dng"}, "DNG");
  if (s.ok() && !a.report.empty()) s = nb::check_output_extension(a.report, "--report", {".json"}, "JSON");
  if (!s.ok()) return report_error(s);
  std::vector<std::string> files;
  s = nb::expand_burst_paths(a.inputs, &files);
  if (!s.ok()) return report_error(s);
  std::vector<std::string> inputs = files;
  if (!a.awb_model.empty()) inputs.push_back(a.awb_model);
  std::vector<nb::NamedOutput> outputs = {{"-o", a.output}, {"--merged-dng", a.merged_dng}, {"--report", a.report}};
  if (!a.debug_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(a.debug_dir, ec) && !std::filesystem::is_directory(a.debug_dir, ec))
      return report_error(nb::invalid_argument(a.debug_dir + ": --debug-dir names a file, not a directory"));
    for (const std::string& path : nb::apps::debug_report_files(a.debug_dir, files.size()))
      outputs.push_back({"--debug-dir", path});
    s = nb::check_distinct_outputs(outputs);
    if (!s.ok()) return report_error(s);
  }
  for (const nb::NamedOutput& out : outputs) {
    if (out.path.empty()) continue;
    s = nb::check_output_path(out.path, inputs);
    if (!s.ok() && out.option == "--debug-dir") s = nb::invalid_argument(s.message() + " (a file of the --debug-dir report)");
    // The report creates its own folder; every other output's must exist.
    if (s.ok() && out.option != "--debug-dir") s = nb::check_output_directory(out.path);
    if (!s.ok()) return report_error(s);
  }
  auto say = [&](const std::string& what) {
    if (!a.quiet) std::fprintf(stderr, "nightburst: %s\n", what.c_str());
  };

  auto t0 = Clock::now();
  say("load, align and merge: " + nb::apps::count_of(files.size(), "frame") + ", each as soon as it is read");
  StageLines lines;
  lines.quiet = a.quiet;
  options.progress = say_stage;
  options.progress_user = &lines;
  double load_ms = 0;
  nb::FileBurstOutput result;
  nb::ProcessOptions process_options;
  s = nb::process_options_from_c(&options, &process_options);
  process_options.diagnostics = !a.debug_dir.empty();
  if (s.ok())
    s = nb::process_files(files, process_options, /*with_merged=*/!a.merged_dng.empty(), &result, &load_ms);
  if (!s.ok()) return report_error(s);
  // What was left out or is not applied, even with -q: the photo may differ from what the file asks for.
  for (const std::string& warning : result.report.warnings) std::fprintf(stderr, "nightburst: warning: %s\n", warning.c_str());

  auto t1 = Clock::now();
  say("write: " + a.output);
  switch (format) {
    case nb::PhotoFormat::kPng: s = nb::write_png(a.output, result.srgb, a.bits, &result.photo); break;
    case nb::PhotoFormat::kJpeg: s = nb::write_jpeg(a.output, result.srgb, a.quality, result.photo); break;
    case nb::PhotoFormat::kTiff: s = nb::write_tiff(a.output, result.srgb, result.photo); break;
  }
  if (!s.ok()) return report_error(s);
  if (!a.merged_dng.empty()) {
    s = nb::write_dng(a.merged_dng, result.merged.mosaic, result.merged.meta);
    if (!s.ok()) return report_error(s);
  }
  double write_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  nlohmann::json report = nlohmann::json::parse(nb::report_to_json(result.report));
  report["stage_ms"]["load"] = load_ms;
  report["stage_ms"]["write"] = write_ms;
  if (!a.report.empty()) {
    s = nb::write_text_file(a.report, report.dump(2) + "\n");
    if (!s.ok()) return report_error(s);
  }
  if (!a.debug_dir.empty()) {
    say("debug report: " + (std::filesystem::path(a.debug_dir) / "index.html").string());
    nb::apps::BurstTruth truth;
    s = nb::apps::read_burst_truth(files.front(), &truth);
    if (s.ok()) s = nb::apps::write_debug_report(a.debug_dir, result, report.dump(2), truth);
    if (!s.ok()) return report_error(s);
  }
  double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("%s\n", a.output.c_str());
  say("done in " + std::to_string(int(total_ms)) + " ms; reference frame " + std::to_string(result.report.reference));
  return 0;
}

int run_synth(nb::SynthOptions o, const std::string& content, const std::string& dir, bool quiet) {
  nb::Status s;
  if (!content.empty()) {
    int width = 0, height = 0;
    nb::synth_scene_size(o, &width, &height);
    s = nb::load_content_scene(content, width, height, &o.content);
    if (!s.ok()) return report_error(s);
  }
  nb::SynthBurst burst;
  s = nb::make_synthetic_burst(o, &burst);
  if (!s.ok()) return report_error(s);
  s = nb::write_synthetic_burst(burst, o, dir);
  if (!s.ok()) return report_error(s);
  if (!quiet)
    std::fprintf(stderr, "nightburst: wrote %s and ground truth to %s (shot %.3g, read %.3g)\n",
                 nb::apps::count_of(size_t(o.frames), "frame").c_str(), dir.c_str(), burst.noise.scale[0],
                 burst.noise.offset[0]);
  return 0;
}

struct PlanArgs {
  std::string first, second;
  double interval_s = 0;  // 0: the first preview's exposure time
  double f_number = 1.8;
  double budget_s = 6.0;
  double iso = 0;  // 0: the first preview's own
};

// Measures the scene from two previews and prints the recommended burst as JSON.
int run_plan(const PlanArgs& a) {
  nb::RawFrame first, second;
  nb::Status s = nb::read_raw_frame(a.first, &first);
  if (s.ok()) s = nb::read_raw_frame(a.second, &second);
  if (!s.ok()) return report_error(s);
  if (a.iso > 0) first.meta.iso = a.iso;
  const double interval = a.interval_s > 0 ? a.interval_s : first.meta.exposure_s;
  if (!(interval > 0))
    return report_error(nb::bad_input(a.first + ": no exposure time to take as the interval; give --interval"));
  nb::SceneMeasurement scene;
  s = nb::measure_scene(first, second, interval, a.f_number, &scene);
  if (!s.ok()) return report_error(s);
  const nb::CapturePlan plan = nb::plan_capture(scene, a.budget_s);
  std::printf(
      "{\"lux\": %.3g, \"camera_px_per_s\": %.3g, \"moving_fraction\": %.3f, \"tripod\": %s, "
      "\"frames\": %d, \"exposure_s\": %.4g, \"total_s\": %.4g, \"too_dark\": %s}\n",
      scene.lux, scene.camera_px_per_s, scene.moving_fraction, plan.tripod ? "true" : "false", plan.frames,
      plan.exposure_s, plan.total_s, plan.too_dark ? "true" : "false");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  nb::apps::apply_memory_policy();
  // Past a file-size limit (ulimit -f, a quota) a write must fail with EFBIG
  // so the atomic writer can report it and remove its temporary, instead of
  // the process dying with half a file on disk.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"nightburst: a burst of dark, noisy raw frames in, one clean night photo out"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("nightburst ") + nb_version());

  ProcessArgs pa;
  CLI::App* process = app.add_subcommand("process", "Align, merge and finish a raw burst");
  process->add_option("frames", pa.inputs, "Raw files or directories of raw files (any format LibRaw reads)")->required();
  process->add_option("-o,--output", pa.output, "Output photo: .png, .jpg/.jpeg or .tif/.tiff (16-bit)")->required();
  process->add_option("--merged-dng", pa.merged_dng, "Also write the merged Bayer mosaic as a DNG (.dng)");
  process->add_option("--report", pa.report, "Write a JSON report of the run (.json)");
  process->add_option("--debug-dir", pa.debug_dir,
                      "Write a visual report into this directory: index.html with the reference alone beside the "
                      "merged result, per-frame merge weights and alignment, the noise model, the white balance");
  process->add_option("--ref", pa.reference, "Reference frame (0-based); default: sharpest of the first three")
      ->check(CLI::NonNegativeNumber);
  process->add_option("--threads", pa.threads, "Worker threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  process->add_option("--bits", pa.bits, "PNG bits per sample (JPEG has 8, TIFF 16)")
      ->check(CLI::IsMember({8, 16}))
      ->capture_default_str();
  process->add_option("--quality", pa.quality, "JPEG quality")->check(CLI::Range(1, 100))->capture_default_str();
  process->add_option("--awb", pa.awb,
                      "White balance: learned, grayworld, asshot, or an illuminant R,G,B in camera RGB")
      ->capture_default_str();
  process->add_option("--awb-model", pa.awb_model, "Learned white-balance model file (default: the built-in one)");
  process->add_option("--look", pa.look, "natural (mean green 0.10, no curve), bright (0.18, mild S-curve) or "
                                         "night (0.05-0.10 by scene darkness, S-curve keeping shadows dark)")
      ->transform(CLI::IsMember({"natural", "bright", "night"}, CLI::ignore_case))
      ->capture_default_str();
  process->add_option("--chroma-denoise", pa.chroma_denoise, "Chroma denoise strength, 0 (off) to 1")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  process->add_option("--sharpen", pa.sharpen, "Luma sharpening amount, 0 (off) to 4; halos are clamped")
      ->check(CLI::Range(0.0f, 4.0f))
      ->capture_default_str();
  CLI::Option* superres = process->add_flag(
      "--superres", pa.superres,
      "Super Res Zoom (Wronski et al. 2019): merge the frames' Bayer samples straight into RGB, no demosaicing");
  process->add_option("--scale", pa.scale, "With --superres: output size in sensor pixels, 1 to 3")
      ->check(CLI::Range(1.0f, 3.0f))
      ->needs(superres)
      ->capture_default_str();
  process->add_flag("-q,--quiet", pa.quiet, "No progress lines on stderr");

  nb::SynthOptions so;
  std::string synth_dir, cfa = "RGGB";
  bool synth_quiet = false;
  CLI::App* synth = app.add_subcommand("synth", "Make a synthetic low-light raw burst with ground truth");
  synth->add_option("directory", synth_dir, "Output directory")->required();
  synth->add_option("--width", so.width, "Width in sensor pixels (even)");
  synth->add_option("--height", so.height, "Height in sensor pixels (even)");
  synth->add_option("--frames", so.frames, "Number of frames")->check(CLI::Range(1, 64));
  synth->add_option("--reference", so.reference, "Reference frame of the ground truth");
  synth->add_option("--exposures", so.exposures,
                    "An exposure bracket: each frame's exposure relative to the scene's, e.g. 1,1,4,4,16 "
                    "(sets the number of frames); the ground truth is in the reference frame's")
      ->delimiter(',')
      ->check(CLI::Range(1.0 / 1024, 1024.0));
  synth->add_option("--seed", so.seed, "Random seed");
  synth->add_option("--shot-noise", so.shot_noise, "Shot noise (variance per unit signal); default: random as Brooks et al.");
  synth->add_option("--read-noise", so.read_noise, "Read noise variance; default: from the shot noise as Brooks et al.");
  synth->add_option("--scene-mean", so.scene_mean, "Mean linear scene level relative to white");
  synth->add_option("--motion", so.motion_sigma_px, "Hand-held translation, std. dev. in pixels");
  synth->add_option("--rotation", so.max_rotation_deg, "Hand-held rotation, max degrees");
  synth->add_option("--blur", so.optical_blur_px, "Lens/anti-aliasing blur, Gaussian sigma in pixels");
  synth->add_flag("--moving-object", so.moving_object, "Add a moving object");
  synth->add_option("--kelvin", so.illuminant_kelvin, "Illuminant colour temperature")->check(CLI::Range(1667.0, 25000.0));
  synth->add_option("--cfa", cfa, "CFA pattern")->check(CLI::IsMember({"RGGB", "BGGR", "GRBG", "GBRG"}));
  synth->add_option("--white-level", so.white_level, "White level, ADU (1023: a 10-bit phone sensor)")
      ->check(CLI::Range(255, 65535))
      ->capture_default_str();
  synth->add_option("--black-level", so.black_level, "Black level, ADU")
      ->check(CLI::Range(0, 65534))
      ->capture_default_str();
  synth->add_option("--black-level-jitter", so.black_level_jitter,
                    "Each frame's black level per CFA position off by up to this many ADU (camera2's dynamic black level)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  synth->add_option("--vignette", so.vignette_stops,
                    "Lens shading: stops of falloff at the far corner (green; red 1.3x, blue 0.85x), "
                    "with its correction as a GainMap in each DNG")
      ->check(CLI::Range(0.0, 4.0))
      ->capture_default_str();
  synth->add_option("--defective-pixels", so.defective_pixels,
                    "Defective pixels at fixed sensor positions (three in four hot, the rest dead)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  synth->add_option("--stuck-columns", so.stuck_columns, "Stuck column segments of 8-24 pixels")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  synth->add_flag("--list-defects", so.list_defects,
                  "List the defects in each DNG (FixBadPixelsList), as a camera that knows them would");
  synth->add_option("--stars", so.stars, "Stars: point lights in the upper third of the scene")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  synth->add_flag("--dual-illuminant", so.dual_illuminant,
                  "A camera whose colour matrix changes with the light: ColorMatrix1/2 and ForwardMatrix1/2 "
                  "under standard light A and D65 in each DNG");
  synth->add_option("--baseline-exposure", so.baseline_exposure, "DNG BaselineExposure, stops")
      ->check(CLI::Range(-nb::kMaxBaselineExposure, nb::kMaxBaselineExposure))
      ->capture_default_str();
  synth->add_option("--crop-margin", so.crop_margin, "DNG DefaultCrop: pixels cut from each side (even)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  std::string synth_content;
  synth->add_option("--content", synth_content, "PNG or JPEG to use as the scene");
  synth->add_flag("-q,--quiet", synth_quiet, "No summary line");

  PlanArgs plan_args;
  CLI::App* plan = app.add_subcommand("plan", "Recommend a burst (frames, exposure) from two preview frames");
  plan->add_option("first", plan_args.first, "First preview frame (raw file)")->required();
  plan->add_option("second", plan_args.second, "The preview frame after it")->required();
  plan->add_option("--interval", plan_args.interval_s,
                   "Seconds between the previews; default: the first one's exposure time")
      ->check(CLI::PositiveNumber);
  plan->add_option("--f-number", plan_args.f_number, "Lens f-number, for the brightness estimate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  plan->add_option("--iso", plan_args.iso, "The first preview's ISO, where its file has none (DNGs without EXIF)")
      ->check(CLI::PositiveNumber);
  plan->add_option("--budget", plan_args.budget_s, "Longest total capture, seconds")
      ->check(CLI::Range(0.01, 60.0))
      ->capture_default_str();

  nb::batch::BatchArgs batch_args;
  std::string shard = "0/1";
  CLI::App* batch = app.add_subcommand("batch", "Process many bursts into a folder, with a resumable SQLite catalog");
  batch->add_option("manifest", batch_args.manifest,
                    "Burst list: text (a folder per line), .csv, .jsonl, or a directory of burst folders")
      ->required();
  batch->add_option("--out-dir", batch_args.out_dir, "Folder for ID.png outputs (created if missing)")->required();
  batch->add_option("--jobs", batch_args.jobs, "Bursts at once (0: one per core); cores are shared out among them")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  batch->add_option("--catalog", batch_args.catalog, "SQLite results catalog; default: OUT_DIR/nightburst_catalog.sqlite");
  batch->add_option("--shard", shard, "I/N: this run's share of the manifest (every N-th burst from the I-th, 0-based)");
  batch->add_flag("-q,--quiet", batch_args.quiet, "No progress on stderr");

  std::string merged_catalog;
  std::vector<std::string> shard_catalogs;
  bool catalog_quiet = false;
  CLI::App* catalog = app.add_subcommand("catalog", "Work with batch catalogs");
  catalog->require_subcommand(1);
  CLI::App* catalog_merge = catalog->add_subcommand(
      "merge", "Merge catalogs (a sharded batch's, one per shard) into one: per burst, the newest finished row");
  catalog_merge->add_option("output", merged_catalog, "The merged catalog (created if missing; its rows take part)")
      ->required();
  catalog_merge->add_option("inputs", shard_catalogs, "The catalogs to merge in")->required();
  catalog_merge->add_flag("-q,--quiet", catalog_quiet, "No summary on stdout");

  // A mistyped command (also one of `catalog`'s own) is named, with the one meant.
  if (argc > 1 && nb::apps::report_unknown_command(app, "nightburst", "", argv[1])) return kExitUsage;
  if (argc > 1 && std::string(argv[1]) == "catalog" &&
      nb::apps::report_unknown_command(*catalog, "nightburst", "catalog", argc > 2 ? argv[2] : nullptr))
    return kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (*process) return run_process(pa);
  if (*plan) return run_plan(plan_args);
  if (*batch) {
    if (std::sscanf(shard.c_str(), "%d/%d", &batch_args.shard_index, &batch_args.shard_count) != 2)
      return report_error(nb::invalid_argument("--shard must be I/N, e.g. 0/4, not '" + shard + "'"));
    return nb::batch::run_batch(batch_args);
  }
  if (*catalog_merge) {
    int64_t bursts = 0;
    const nb::Status merged = nb::batch::merge_catalogs(merged_catalog, shard_catalogs, &bursts);
    if (!merged.ok()) return report_error(merged);
    if (!catalog_quiet)
      std::printf("%s: %lld burst%s from %zu catalog%s\n", merged_catalog.c_str(), static_cast<long long>(bursts),
                  bursts == 1 ? "" : "s", shard_catalogs.size(), shard_catalogs.size() == 1 ? "" : "s");
    return 0;
  }
  nb::parse_cfa(cfa, &so.cfa);
  if (!so.exposures.empty()) so.frames = int(so.exposures.size());
  return run_synth(so, synth_content, synth_dir, synth_quiet);
}
