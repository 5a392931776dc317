// nightburst_bench: Google Benchmark cases for every stage of the pipeline
// and for the whole of it, on generated bursts. scripts/bench.sh runs it and
// prints the table (scripts/bench_table.py); --benchmark_format=json works.
//
// Counters:
//   MP/s          megapixels processed per second: the whole burst for
//                 decode, align, merge, the pipeline and the CLI; one image
//                 for the stages after the merge and the last-frame latency.
//   peak_rss_MB   the process's peak resident set during the case (the peak
//                 is reset before each case; it includes the generated
//                 bursts the process keeps); for the CLI case, the CLI's own.
//   case_MB       peak_rss_MB less the resident set before the case: what the
//                 case itself needed.
//   user_s, sys_s for the command-line cases (nightburst's and hdr-plus's),
//                 the process's CPU time in user space and in the kernel per
//                 run. User time hardly moves with the VM's paging, which
//                 swings the wall time by a third between sittings (the
//                 kernel's share, first-touch page clearing, is in sys_s).
#include <HalideRuntime.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>

#include "common/memory_policy.h"
#include "nightburst/io.h"
#include "nightburst/pipeline.h"
#include "nightburst/synth.h"
#include "core/bayer_planes.h"
#include "stages/align_tiles.h"
#include "stages/ffcc.h"
#include "stages/finish_basic.h"
#include "stages/lens_shading.h"
#include "stages/local_tone.h"
#include "stages/merge_wiener.h"
#include "stages/orientation.h"
#include "stages/scene_match.h"
#include "stages/superres.h"
#include "stages/white_balance.h"

extern char** environ;

namespace nb {
namespace {

namespace fs = std::filesystem;

SynthOptions burst_options(int width, int height, int frames) {
  SynthOptions o;
  o.width = width;
  o.height = height;
  o.frames = frames;
  o.seed = 11;
  o.shot_noise = 0.004;
  return o;
}

// One generated burst per size, made on first use and kept for the process.
// `bracket`: the same scene as an exposure bracket, frames at 1, 1, 4, 4,
// 16 times the first's exposure, repeated.
const SynthBurst& burst(int width, int height, int frames, bool bracket = false) {
  static std::map<std::tuple<int, int, int, bool>, std::unique_ptr<SynthBurst>> cache;
  auto& slot = cache[{width, height, frames, bracket}];
  if (!slot) {
    slot = std::make_unique<SynthBurst>();
    SynthOptions options = burst_options(width, height, frames);
    if (bracket) {
      const double pattern[] = {1, 1, 4, 4, 16};
      for (int k = 0; k < frames; ++k) options.exposures.push_back(pattern[k % 5]);
    }
    Status s = make_synthetic_burst(options, slot.get());
    if (!s.ok()) {
      std::fprintf(stderr, "nightburst_bench: %s\n", s.message().c_str());
      std::exit(1);
    }
  }
  return *slot;
}

// The scratch directory (the bursts as DNG files, the outputs), removed at exit.
class Scratch {
 public:
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "nightburst_bench.XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::perror("nightburst_bench: mkdtemp");
      std::exit(1);
    }
    dir_ = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

const fs::path& scratch_dir() {
  static Scratch scratch;
  return scratch.dir();
}

// The burst of that size as DNG files (written on first use): the input of
// the decode and command-line cases.
const std::vector<std::string>& burst_files(int width, int height, int frames) {
  static std::map<std::tuple<int, int, int>, std::vector<std::string>> cache;
  auto& files = cache[{width, height, frames}];
  if (files.empty()) {
    const fs::path dir = scratch_dir() / ("burst_" + std::to_string(width) + "x" +
                                          std::to_string(height) + "x" + std::to_string(frames));
    Status s = write_synthetic_burst(burst(width, height, frames),
                                     burst_options(width, height, frames), dir.string());
    if (!s.ok()) {
      std::fprintf(stderr, "nightburst_bench: %s\n", s.message().c_str());
      std::exit(1);
    }
    for (int i = 0; i < frames; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%02d.dng", i);
      files.push_back((dir / name).string());
    }
  }
  return files;
}

// Halide's pool keeps the workers it has started: lowering the count only
// takes effect on a fresh pool.
void set_threads(int n) {
  halide_shutdown_thread_pool();
  halide_set_num_threads(n);
}

// Resident set figures of this process from /proc/self/status, in MB.
double status_mb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
  return 0;
}

// Hands the memory the allocator keeps back to the kernel (the memory
// policy keeps freed blocks for reuse) and resets the process's peak resident
// set (Linux >= 4.0), so that each case reports its own peak; returns the
// resident set now.
double reset_peak_rss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
  return status_mb("VmRSS:");
}

double frame_megapixels(const SynthBurst& b) {
  return double(b.frames[0].meta.width) * b.frames[0].meta.height / 1e6;
}

void set_counters(benchmark::State& state, double megapixels, double rss_before_mb) {
  state.counters["MP/s"] =
      benchmark::Counter(megapixels * state.iterations(), benchmark::Counter::kIsRate);
  const double peak = status_mb("VmHWM:");
  state.counters["peak_rss_MB"] = peak;
  state.counters["case_MB"] = peak - rss_before_mb;
}

// Times `stage`. One untimed pass first: the steady state of a batch job,
// not the first touch of freshly mapped memory. The end-to-end command-line
// case has no such pass: its every run is a fresh process.
void measure(benchmark::State& state, double megapixels, const std::function<Status()>& stage,
             bool warm_up = true) {
  const double rss_before = reset_peak_rss();
  if (warm_up) (void)stage();
  for (auto _ : state) {
    Status s = stage();
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
  }
  set_counters(state, megapixels, rss_before);
}

// Args: width, height, frames, threads.
const SynthBurst& burst_for(benchmark::State& state) {
  set_threads(int(state.range(3)));
  return burst(int(state.range(0)), int(state.range(1)), int(state.range(2)));
}

// Reading the burst's DNG files: LibRaw, one worker per core (as the CLI).
void decode(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  const auto& files = burst_files(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  std::vector<RawFrame> frames;
  measure(state, frame_megapixels(b) * files.size(), [&] {
    frames.clear();
    return load_burst(files, &frames);
  });
}

// The alignment stage as the pipeline runs it: pyramids of every frame and
// the tile search of each against the reference.
void align(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  measure(state, frame_megapixels(b) * b.frames.size(), [&] {
    return align_burst(b.frames, b.reference, b.noise, TileAlignParams(), implementation, &fields);
  });
}

// The scene test of every alternate frame (its thumbnail, the affine fit to
// its field, the correlation), on frames aligned once beforehand: the cost
// the test adds to the alignment stage.
void scene(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  if (!align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide, &fields).ok())
    state.SkipWithError("alignment failed");
  std::vector<Halide::Runtime::Buffer<float, 2>> binned;
  for (const RawFrame& f : b.frames) binned.push_back(binned_gray(f));  // made by the alignment anyway
  const SceneThumbnail reference = scene_thumbnail(binned[size_t(b.reference)]);
  measure(state, frame_megapixels(b) * b.frames.size(), [&] {
    for (size_t k = 0; k < b.frames.size(); ++k)
      if (int(k) != b.reference)
        benchmark::DoNotOptimize(scene_match(reference, scene_thumbnail(binned[k]), fields[k], b.noise));
    return Status();
  });
}

// The merge stage as the pipeline runs it, on frames aligned once beforehand.
void merge(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  if (!align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide,
                   &fields)
           .ok())
    state.SkipWithError("alignment failed");
  Halide::Runtime::Buffer<float, 2> merged;
  MergeStats stats;
  measure(state, frame_megapixels(b) * b.frames.size(), [&] {
    return merge_wiener(b.frames, b.reference, fields, b.noise, WienerMergeParams(), implementation,
                        &merged, &stats);
  });
}

// Super Res Zoom in place of the merge: robustness and kernel accumulation
// of every frame into RGB at scale range(4) / 10, then the normalisation.
// The alignment is done beforehand, as for the merge.
void superres(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  if (!align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide, &fields).ok())
    state.SkipWithError("alignment failed");
  SuperResParams params;
  params.scale = float(state.range(4)) / 10;
  Halide::Runtime::Buffer<float, 3> rgb;
  measure(state, frame_megapixels(b) * b.frames.size(), [&] {
    std::unique_ptr<SuperResMerger> merger;
    NB_RETURN_IF_ERROR(
        SuperResMerger::create(b.frames[b.reference], b.noise, params, Implementation::kHalide, &merger));
    for (size_t i = 0; i < b.frames.size(); ++i) {
      if (int(i) == b.reference) continue;
      float mean_robustness = 0;
      NB_RETURN_IF_ERROR(merger->add(b.frames[i], fields[i], &mean_robustness));
    }
    double effective_frames = 0;
    return merger->finish(&rgb, &effective_frames);
  });
}

// The whole in-memory pipeline with Super Res Zoom at scale range(4) / 10.
void pipeline_superres(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  ProcessOptions options;
  options.threads = int(state.range(3));
  options.superres_scale = float(state.range(4)) / 10;
  ProcessResult result;
  measure(state, frame_megapixels(b) * b.frames.size(),
          [&] { return process_burst(b.frames, options, &result); });
}

// Learned white balance (thumbnail of the mosaic, FFCC) on the burst's clean
// mosaic, standing in for a merged one. Plain C++ on one core.
void white_balance(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  measure(state, frame_megapixels(b), [&] {
    const AwbEstimate e = estimate_illuminant_ffcc(
        default_ffcc_model(), awb_thumbnail(b.clean_mosaic, b.frames[0].meta.cfa),
        b.frames[0].meta);
    benchmark::DoNotOptimize(e);
    return Status();
  });
}

FinishParams bench_finish_params(const SynthBurst& b) {
  FinishParams p = finish_params_for(b.frames[0].meta, b.illuminant_rgb);
  p.exposure_gain = 2.0f;
  p.curve_contrast = 1.0f;
  return p;
}

// Finishing (demosaic, colour, look, chroma denoise, sharpening: one fused
// generator) of the burst's clean mosaic, standing in for a merged one.
void finish(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  const FinishParams p = bench_finish_params(b);
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  measure(state, frame_megapixels(b), [&] {
    if (implementation == Implementation::kHalide) return finish_basic(b.clean_mosaic, p, &srgb);
    finish_basic_reference(b.clean_mosaic, p, &srgb);
    return Status();
  });
}

// Lens shading: a phone's 17x13 camera2 map (four GainMaps) applied to a
// copy of the merged mosaic, as the pipeline does (the copy included).
void lens_shading(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  const int columns = 17, rows = 13;
  std::vector<float> map(size_t(columns) * rows * 4);
  for (size_t i = 0; i < map.size(); ++i) map[i] = 1.0f + 0.001f * float(i % 997);
  const std::vector<GainMap> maps =
      gain_maps_from_camera2(map.data(), columns, rows, b.frames[0].meta.cfa, b.clean_mosaic.width(),
                             b.clean_mosaic.height());
  measure(state, frame_megapixels(b), [&] {
    Halide::Runtime::Buffer<float, 2> shaded = b.clean_mosaic.copy();
    apply_gain_maps(maps, b.frames[0].meta.cfa, &shaded);
    benchmark::DoNotOptimize(shaded.data());
    return Status();
  });
}

// Local tone mapping: the quarter-resolution luminance and the exposure
// fusion to a gain map (k = 3, the night look's largest).
void local_tone(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  const std::array<float, 3> gains = gains_for_illuminant(b.illuminant_rgb);
  Halide::Runtime::Buffer<float, 2> gain;
  measure(state, frame_megapixels(b), [&] {
    auto lum = tone_luminance(b.clean_mosaic, b.frames[0].meta.cfa, gains, 2.0f);
    if (implementation == Implementation::kHalide) return local_tone_gain(lum, 3.0f, &gain);
    gain = local_tone_gain_reference(lum, 3.0f);
    return Status();
  });
}

// Encoding the finished image as an 8-bit PNG file (libpng, one core).
void png_encode(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  if (!finish_basic(b.clean_mosaic, bench_finish_params(b), &srgb).ok())
    state.SkipWithError("finishing failed");
  const std::string path = (scratch_dir() / "encode.png").string();
  measure(state, frame_megapixels(b), [&] { return write_png(path, srgb, 8); });
}

// The finished image's geometry (stages/orientation.h): a DNG's default crop
// (8 pixels on each side) and, with orientation 6, a portrait photo's
// quarter turn, on the finished 12 MP image: one new image, as the pipeline
// makes it. Args: width, height, frames, threads, EXIF orientation.
void upright_image(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  if (!finish_basic(b.clean_mosaic, bench_finish_params(b), &srgb).ok())
    state.SkipWithError("finishing failed");
  const CropRect crop{8, 8, srgb.width() - 16, srgb.height() - 16};
  const int orientation = int(state.range(4));
  measure(state, frame_megapixels(b), [&] {
    benchmark::DoNotOptimize(upright(srgb, crop, orientation).data());
    return Status();
  });
}

// The library's whole pipeline in memory (reference choice, noise, align,
// merge, white balance, local tone, finish), on decoded frames.
void pipeline(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  ProcessOptions options;
  options.threads = int(state.range(3));
  ProcessResult result;
  measure(state, frame_megapixels(b) * b.frames.size(),
          [&] { return process_burst(b.frames, options, &result); });
}

// The pipeline on the same scene as an equal-exposure burst (bracket 0) and
// as an exposure bracket (1): what bringing the frames to one scale, the
// clamped alignment and the per-tile shares cost. Args: width, height,
// frames, threads, bracket.
void pipeline_bracket(benchmark::State& state) {
  set_threads(int(state.range(3)));
  const SynthBurst& b = burst(int(state.range(0)), int(state.range(1)), int(state.range(2)), state.range(4) != 0);
  ProcessOptions options;
  options.threads = int(state.range(3));
  options.reference = 0;
  ProcessResult result;
  measure(state, frame_megapixels(b) * b.frames.size(),
          [&] { return process_burst(b.frames, options, &result); });
}

// Streaming: the time from the last frame's arrival to the finished image
// (aligning and merging that frame, then white balance and finishing), the
// earlier frames having been added to the session untimed.
// The timed part's stages come from the progress callback: the time from
// one stage's start to the next's (the last runs to the end), summed over
// the iterations as counters `<stage>_ms` (means per iteration).
// `portrait`: the frames as a phone held upright writes them, with an
// 8-pixel DefaultCrop and EXIF orientation 6 (the image turned a quarter).
void last_frame_latency(benchmark::State& state, bool portrait = false) {
  const SynthBurst& b = burst_for(state);
  std::vector<RawFrame> frames = b.frames;  // shallow copies
  if (portrait)
    for (RawFrame& f : frames) {
      f.meta.default_crop = CropRect{8, 8, f.meta.width - 16, f.meta.height - 16};
      f.meta.orientation = 6;
    }
  ProcessOptions options;
  options.threads = int(state.range(3));
  using Clock = std::chrono::steady_clock;
  bool timing = false;
  std::string stage;
  Clock::time_point stage_start;
  std::map<std::string, double> stage_ms;
  const auto close_stage = [&] {
    if (!stage.empty())
      stage_ms[stage] += std::chrono::duration<double, std::milli>(Clock::now() - stage_start).count();
    stage.clear();
  };
  options.progress = [&](const std::string& name) {
    if (timing) {
      close_stage();
      stage = name;
      stage_start = Clock::now();
    }
    return true;
  };
  const double rss_before = reset_peak_rss();
  for (auto _ : state) {
    state.PauseTiming();
    BurstSession session(options);
    Status s;
    for (size_t i = 0; i + 1 < frames.size() && s.ok(); ++i) s = session.add_frame(frames[i]);
    state.ResumeTiming();
    timing = true;
    ProcessResult result;
    if (s.ok()) s = session.add_frame(frames.back());
    if (s.ok()) s = session.finish(&result);
    close_stage();
    timing = false;
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
  }
  set_counters(state, frame_megapixels(b), rss_before);
  for (const auto& [name, ms] : stage_ms)
    state.counters[name + "_ms"] = benchmark::Counter(ms / double(state.iterations()));
}

// Runs `command` (a program and its arguments) through GNU time once per
// iteration: a fresh process each time, as a user runs it. GNU time's report
// gives the process's own peak resident set (one started from this process
// directly would inherit this one's peak: Linux carries it across exec).
// `threads`: HL_NUM_THREADS for the child (hdr-plus sizes its Halide pool
// from it; nightburst is told on its command line too); `huge_page_heap`:
// glibc backs the child's heap with transparent huge pages, as nightburst
// does its own (apps/common/memory_policy.h). Sets the counters peak_rss_MB
// (the largest peak of the runs), user_s and sys_s (their means).
void run_timed(benchmark::State& state, const std::vector<std::string>& command, int threads, const char* what,
               bool huge_page_heap = false) {
  const std::string usage_file = (scratch_dir() / "usage").string();
  std::vector<std::string> args = {"/usr/bin/time", "-f", "%M %U %S", "-o", usage_file};
  args.insert(args.end(), command.begin(), command.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment = {"HL_NUM_THREADS=" + std::to_string(threads)};
  if (huge_page_heap) environment.push_back("GLIBC_TUNABLES=glibc.malloc.hugetlb=1");
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "HL_NUM_THREADS=", 15) != 0 && !(huge_page_heap && std::strncmp(*e, "GLIBC_TUNABLES=", 15) == 0))
      environment.push_back(*e);
  std::vector<char*> envp;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t quiet;  // both name their output or progress on stdout / stderr
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  double peak_mb = 0, user_s = 0, sys_s = 0;
  for (auto _ : state) {
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), envp.data()) != 0) {
      state.SkipWithError("could not start /usr/bin/time (Debian package time)");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError((std::string(what) + " failed").c_str());
      break;
    }
    std::ifstream usage(usage_file);
    double kb = 0, user = 0, sys = 0;
    usage >> kb >> user >> sys;
    peak_mb = std::max(peak_mb, kb / 1024.0);
    user_s += user;
    sys_s += sys;
  }
  posix_spawn_file_actions_destroy(&quiet);
  const double runs = std::max<double>(1, double(state.iterations()));
  state.counters["peak_rss_MB"] = peak_mb;
  state.counters["user_s"] = user_s / runs;
  state.counters["sys_s"] = sys_s / runs;
}

// `nightburst process` from the DNG files to an 8-bit PNG.
void command_line(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  const auto& files = burst_files(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  std::vector<std::string> command = {NIGHTBURST_CLI, "process", "-q", "--threads", std::to_string(state.range(3)),
                                      "-o", (scratch_dir() / "cli.png").string()};
  command.insert(command.end(), files.begin(), files.end());
  run_timed(state, command, int(state.range(3)), "the nightburst CLI");
  state.counters["MP/s"] = benchmark::Counter(
      frame_megapixels(b) * files.size() * state.iterations(), benchmark::Counter::kIsRate);
}

// timothybrooks/hdr-plus's command-line tool on the same DNG files (the
// speed anchor; `--hdrplus=PATH` names a binary built outside this
// repository): `hdrplus DIR OUTPUT.png FRAME...`, its output written into
// the burst's folder.
std::string& hdrplus_binary() {
  static std::string path;
  return path;
}

void hdrplus_command_line(benchmark::State& state) {
  const SynthBurst& b = burst_for(state);
  const auto& files = burst_files(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  const fs::path dir = fs::path(files.front()).parent_path();
  std::vector<std::string> command = {hdrplus_binary(), dir.string(), "hdrplus.png"};
  for (const std::string& f : files) command.push_back(fs::path(f).filename().string());
  // With the huge-page heap nightburst gives itself: without it, hdr-plus
  // (1.6 GB touched) ran 11-14.5 s on the CI VM instead of 5-6.5 s. (Until
  // the harness stopped running itself twice to get that heap, hdr-plus
  // inherited the setting from its environment.)
  run_timed(state, command, int(state.range(3)), "hdr-plus", /*huge_page_heap=*/true);
  state.counters["MP/s"] = benchmark::Counter(
      frame_megapixels(b) * files.size() * state.iterations(), benchmark::Counter::kIsRate);
}

// `nightburst batch` on a set of small bursts (8 bursts of 1000x750 x 4
// frames): throughput with --jobs 1 (each burst on both cores' Halide
// threads) against --jobs 2 (two bursts at once, one thread each). Every
// iteration writes to a fresh folder and catalog, so nothing is skipped.
// `nightburst batch` over a manifest of bursts as a user runs it, one
// process per run. Arguments: jobs (0: the default), and the burst size:
// 0 for 8 bursts of 1000x750 x 4 frames, 1 for 4 bursts of 12 MP x 8 frames.
// With --jobs J each burst gets cores / J threads, so on 2 cores jobs 1 is
// 1 job x 2 threads and jobs 2 is 2 jobs x 1 thread.
void batch_throughput(benchmark::State& state) {
  const bool large = state.range(1) == 1;
  const int bursts = large ? 4 : 8;
  const fs::path manifest = scratch_dir() / (large ? "batch_manifest_12mp.txt" : "batch_manifest.txt");
  static std::set<bool> made;
  if (!made.count(large)) {
    std::ofstream list(manifest);
    for (int i = 0; i < bursts; ++i) {
      const fs::path dir = scratch_dir() / ((large ? "batch_burst_12mp_" : "batch_burst_") + std::to_string(i));
      SynthOptions o = large ? burst_options(4000, 3000, 8) : burst_options(1000, 750, 4);
      o.seed = 100 + i;
      SynthBurst b;
      if (!make_synthetic_burst(o, &b).ok() || !write_synthetic_burst(b, o, dir.string()).ok()) {
        state.SkipWithError("could not make the batch's bursts");
        return;
      }
      list << dir.string() << "\n";
    }
    made.insert(large);
  }
  static int run = 0;  // a fresh output folder for every run, repetitions included
  for (auto _ : state) {
    const std::string out = (scratch_dir() / ("batch_out_" + std::to_string(state.range(0)) + "_" +
                                              std::to_string(run++)))
                                .string();
    std::vector<std::string> args = {NIGHTBURST_CLI, "batch", manifest.string(), "--out-dir", out, "-q"};
    if (state.range(0) > 0) {
      args.push_back("--jobs");
      args.push_back(std::to_string(state.range(0)));
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    int status = 0;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0 ||
        waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("nightburst batch failed");
      break;
    }
    std::error_code ec;
    fs::remove_all(out, ec);  // 12 MP outputs add up over repetitions
  }
  state.counters["bursts/s"] =
      benchmark::Counter(double(bursts) * state.iterations(), benchmark::Counter::kIsRate);
}

// Args: width, height, frames, threads. Two sizes of 8-frame bursts on 1 and
// 2 threads (pixel count and thread scaling).
void stage_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({2000, 1500, 8, 1})
      ->Args({2000, 1500, 8, 2})
      ->Args({4000, 3000, 8, 1})
      ->Args({4000, 3000, 8, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// The stages that grow with the burst, and the whole: also 3 and 15 frames.
void burst_cases(benchmark::internal::Benchmark* b) {
  stage_cases(b);
  b->Args({4000, 3000, 3, 2})->Args({4000, 3000, 15, 2});
}

// The whole burst as the user meets it, also at 48 MP (8000x6000 x 8, a
// high-resolution phone's or camera's full sensor): does the cost grow
// linearly in pixels beyond 12 MP, and what memory does it take?
void end_to_end_cases(benchmark::internal::Benchmark* b) {
  burst_cases(b);
  b->Args({8000, 6000, 8, 2});
}

// The plain C++ references are single-threaded loops; one 12 MP pass is
// enough to compare.
void reference_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({4000, 3000, 8, 1})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// Stages on one core (plain C++, libpng): the two sizes.
void serial_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({2000, 1500, 8, 2})
      ->Args({4000, 3000, 8, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// Super Res Zoom: 12 MP x 8 at 1x (1 and 2 threads) and 2x; the fifth
// argument is the scale times 10.
void superres_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads", "scale10"})
      ->Args({4000, 3000, 8, 1, 10})
      ->Args({4000, 3000, 8, 2, 10})
      ->Args({4000, 3000, 8, 2, 20})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// Decoding uses one worker per core whatever the Halide thread count.
void decode_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({2000, 1500, 8, 2})
      ->Args({4000, 3000, 8, 2})
      ->Args({4000, 3000, 3, 2})
      ->Args({4000, 3000, 15, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void BM_Decode(benchmark::State& state) { decode(state); }
void BM_AlignHalide(benchmark::State& state) { align(state, Implementation::kHalide); }
void BM_AlignReference(benchmark::State& state) { align(state, Implementation::kReference); }
void BM_SceneMatch(benchmark::State& state) { scene(state); }
void BM_MergeHalide(benchmark::State& state) { merge(state, Implementation::kHalide); }
void BM_MergeReference(benchmark::State& state) { merge(state, Implementation::kReference); }
void BM_SuperRes(benchmark::State& state) { superres(state); }
void BM_PipelineSuperRes(benchmark::State& state) { pipeline_superres(state); }
void BM_WhiteBalance(benchmark::State& state) { white_balance(state); }
void BM_FinishHalide(benchmark::State& state) { finish(state, Implementation::kHalide); }
void BM_FinishReference(benchmark::State& state) { finish(state, Implementation::kReference); }
void BM_LensShading(benchmark::State& state) { lens_shading(state); }
void BM_LocalToneHalide(benchmark::State& state) { local_tone(state, Implementation::kHalide); }
void BM_LocalToneReference(benchmark::State& state) {
  local_tone(state, Implementation::kReference);
}
void BM_PngEncode(benchmark::State& state) { png_encode(state); }
void BM_Upright(benchmark::State& state) { upright_image(state); }
void BM_Pipeline(benchmark::State& state) { pipeline(state); }
void BM_LastFrameLatency(benchmark::State& state) { last_frame_latency(state); }
void BM_LastFrameLatencyPortrait(benchmark::State& state) { last_frame_latency(state, true); }
void BM_PipelineBracket(benchmark::State& state) { pipeline_bracket(state); }
void BM_CommandLine(benchmark::State& state) { command_line(state); }
void BM_BatchThroughput(benchmark::State& state) { batch_throughput(state); }
BENCHMARK(BM_Decode)->Apply(decode_cases);
BENCHMARK(BM_AlignHalide)->Apply(burst_cases);
BENCHMARK(BM_AlignReference)->Apply(reference_cases);
BENCHMARK(BM_SceneMatch)->Apply(stage_cases);
BENCHMARK(BM_MergeHalide)->Apply(burst_cases);
BENCHMARK(BM_MergeReference)->Apply(reference_cases);
BENCHMARK(BM_SuperRes)->Apply(superres_cases);
BENCHMARK(BM_PipelineSuperRes)->Apply(superres_cases);
BENCHMARK(BM_WhiteBalance)->Apply(serial_cases);
BENCHMARK(BM_FinishHalide)->Apply(stage_cases);
BENCHMARK(BM_FinishReference)->Apply(reference_cases);
BENCHMARK(BM_LensShading)->Apply(stage_cases);
BENCHMARK(BM_LocalToneHalide)->Apply(stage_cases);
BENCHMARK(BM_LocalToneReference)->Apply(reference_cases);
BENCHMARK(BM_PngEncode)->Apply(serial_cases);
BENCHMARK(BM_Upright)
    ->ArgNames({"width", "height", "frames", "threads", "orientation"})
    ->ArgsProduct({{4000}, {3000}, {8}, {1, 2}, {1, 6}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Pipeline)->Apply(end_to_end_cases);
BENCHMARK(BM_LastFrameLatency)->Apply(stage_cases);
BENCHMARK(BM_LastFrameLatencyPortrait)
    ->ArgNames({"width", "height", "frames", "threads"})
    ->Args({4000, 3000, 8, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PipelineBracket)
    ->ArgNames({"width", "height", "frames", "threads", "bracket"})
    ->Args({4000, 3000, 8, 2, 0})
    ->Args({4000, 3000, 8, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CommandLine)->Apply(end_to_end_cases);
BENCHMARK(BM_BatchThroughput)
    ->ArgNames({"jobs", "large"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace nb

int main(int argc, char** argv) {
  nb::apps::apply_memory_policy();  // as the CLI does
  // --hdrplus=PATH: also time timothybrooks/hdr-plus's tool on the command
  // line's bursts (BM_HdrPlusCommandLine), for the ratio in the table.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--hdrplus=", 10) == 0) {
      nb::hdrplus_binary() = argv[i] + 10;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (!nb::hdrplus_binary().empty())
    benchmark::RegisterBenchmark("BM_HdrPlusCommandLine", nb::hdrplus_command_line)->Apply(nb::end_to_end_cases);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
