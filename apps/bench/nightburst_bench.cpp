// nightburst_bench: Google Benchmark cases for the pipeline's stages on
// generated bursts. Run with --benchmark_format=json for machine-readable
// output (scripts/bench.sh does). Counters: MP/s (megapixels of the burst
// processed per second) and peak_rss_MB (the process's peak resident set).
#include <HalideRuntime.h>
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "common/memory_policy.h"
#include "nightburst/synth.h"
#include "stages/align_tiles.h"
#include "stages/finish_basic.h"
#include "stages/local_tone.h"
#include "stages/merge_wiener.h"
#include "stages/white_balance.h"

namespace nb {
namespace {

// One generated burst per size, made on first use and kept for the process.
const SynthBurst& burst(int width, int height, int frames) {
  static std::map<std::tuple<int, int, int>, std::unique_ptr<SynthBurst>> cache;
  auto& slot = cache[{width, height, frames}];
  if (!slot) {
    SynthOptions o;
    o.width = width;
    o.height = height;
    o.frames = frames;
    o.seed = 11;
    o.shot_noise = 0.004;
    slot = std::make_unique<SynthBurst>();
    Status s = make_synthetic_burst(o, slot.get());
    if (!s.ok()) std::abort();
  }
  return *slot;
}

// Halide's pool keeps the workers it has started: lowering the count only
// takes effect on a fresh pool.
void set_threads(int n) {
  halide_shutdown_thread_pool();
  halide_set_num_threads(n);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// `megapixels` processed per iteration: the whole burst for align and
// merge, one image for the finishing stages.
void set_counters(benchmark::State& state, double megapixels) {
  state.counters["MP/s"] = benchmark::Counter(megapixels * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

double frame_megapixels(const SynthBurst& b) { return double(b.frames[0].meta.width) * b.frames[0].meta.height / 1e6; }

// Times `stage` on the burst. For Halide one untimed pass first: the steady
// state of a batch job, not the first touch of freshly mapped memory (page
// faults are slow on the CI VM).
void measure(benchmark::State& state, double megapixels, Implementation implementation,
             const std::function<Status()>& stage) {
  if (implementation == Implementation::kHalide) (void)stage();
  for (auto _ : state) {
    Status s = stage();
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  set_counters(state, megapixels);
}

// Args: width, height, frames, threads.
const SynthBurst& burst_for(benchmark::State& state) {
  set_threads(int(state.range(3)));
  return burst(int(state.range(0)), int(state.range(1)), int(state.range(2)));
}

// The alignment stage as the pipeline runs it: pyramids of every frame and
// the tile search of each against the reference.
void align(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  measure(state, frame_megapixels(b) * b.frames.size(), implementation,
          [&] { return align_burst(b.frames, b.reference, b.noise, TileAlignParams(), implementation, &fields); });
}

// The merge stage as the pipeline runs it, on frames aligned once beforehand.
void merge(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  std::vector<AlignmentField> fields;
  if (!align_burst(b.frames, b.reference, b.noise, TileAlignParams(), Implementation::kHalide, &fields).ok())
    state.SkipWithError("alignment failed");
  Halide::Runtime::Buffer<float, 2> merged;
  MergeStats stats;
  measure(state, frame_megapixels(b) * b.frames.size(), implementation, [&] {
    return merge_wiener(b.frames, b.reference, fields, b.noise, WienerMergeParams(), implementation, &merged, &stats);
  });
}

// Finishing (demosaic, colour, look, chroma denoise, sharpening) of the
// burst's clean mosaic, standing in for a merged one.
void finish(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  FinishParams p = finish_params_for(b.frames[0].meta, gains_for_illuminant(b.illuminant_rgb));
  p.exposure_gain = 2.0f;
  p.curve_contrast = 1.0f;
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  measure(state, frame_megapixels(b), implementation, [&] {
    if (implementation == Implementation::kHalide) return finish_basic(b.clean_mosaic, p, &srgb);
    finish_basic_reference(b.clean_mosaic, p, &srgb);
    return Status();
  });
}

// Local tone mapping: the quarter-resolution luminance and the exposure
// fusion to a gain map (k = 3, the night look's largest).
void local_tone(benchmark::State& state, Implementation implementation) {
  const SynthBurst& b = burst_for(state);
  const std::array<float, 3> gains = gains_for_illuminant(b.illuminant_rgb);
  Halide::Runtime::Buffer<float, 2> gain;
  measure(state, frame_megapixels(b), implementation, [&] {
    auto lum = tone_luminance(b.clean_mosaic, b.frames[0].meta.cfa, gains, 2.0f);
    if (implementation == Implementation::kHalide) return local_tone_gain(lum, 3.0f, &gain);
    gain = local_tone_gain_reference(lum, 3.0f);
    return Status();
  });
}

// Halide cases: two sizes of 8-frame bursts, 1 and 2 threads.
void halide_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({2000, 1500, 8, 1})
      ->Args({2000, 1500, 8, 2})
      ->Args({4000, 3000, 8, 1})
      ->Args({4000, 3000, 8, 2})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// The references are single-threaded loops; one 12 MP pass is enough to compare.
void reference_cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "height", "frames", "threads"})
      ->Args({4000, 3000, 8, 1})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void BM_AlignHalide(benchmark::State& state) { align(state, Implementation::kHalide); }
void BM_AlignReference(benchmark::State& state) { align(state, Implementation::kReference); }
void BM_MergeHalide(benchmark::State& state) { merge(state, Implementation::kHalide); }
void BM_MergeReference(benchmark::State& state) { merge(state, Implementation::kReference); }
void BM_FinishHalide(benchmark::State& state) { finish(state, Implementation::kHalide); }
void BM_FinishReference(benchmark::State& state) { finish(state, Implementation::kReference); }
void BM_LocalToneHalide(benchmark::State& state) { local_tone(state, Implementation::kHalide); }
void BM_LocalToneReference(benchmark::State& state) { local_tone(state, Implementation::kReference); }
BENCHMARK(BM_AlignHalide)->Apply(halide_cases);
BENCHMARK(BM_AlignReference)->Apply(reference_cases);
BENCHMARK(BM_MergeHalide)->Apply(halide_cases);
BENCHMARK(BM_MergeReference)->Apply(reference_cases);
BENCHMARK(BM_FinishHalide)->Apply(halide_cases);
BENCHMARK(BM_FinishReference)->Apply(reference_cases);
BENCHMARK(BM_LocalToneHalide)->Apply(halide_cases);
BENCHMARK(BM_LocalToneReference)->Apply(reference_cases);

}  // namespace
}  // namespace nb

int main(int argc, char** argv) {
  nb::apps::apply_memory_policy(argv);  // as the CLI does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
