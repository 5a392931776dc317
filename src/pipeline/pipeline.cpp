// The pipeline: reference choice, noise model, alignment, merge, white balance, finishing.
#include "nightburst/pipeline.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <thread>

#include "core/bayer_planes.h"
#include "core/buffer_copy.h"
#include "core/color.h"
#include "pipeline/motion_summary.h"
#include "stages/align_tiles.h"
#include "stages/ffcc.h"
#include "stages/finish_basic.h"
#include "stages/local_tone.h"
#include "stages/merge_tiles_params.h"
#include "stages/merge_wiener.h"
#include "stages/defective_pixels.h"
#include "stages/exposure_bracket.h"
#include "stages/lens_shading.h"
#include "stages/noise_estimate.h"
#include "stages/orientation.h"
#include "stages/reference_select.h"
#include "stages/scene_match.h"
#include "stages/superres.h"
#include "stages/tone_look.h"
#include "stages/white_balance.h"

namespace nb {
namespace {

// Wall time per stage, summed over the times a stage runs (align and merge
// run once per frame).
class StageTimer {
 public:
  explicit StageTimer(ProcessReport* report) : report_(report) {}

  // Closes the previous stage and opens `name`.
  void begin(const std::string& name) {
    finish();
    current_ = name;
    start_ = std::chrono::steady_clock::now();
  }
  void finish() {
    if (current_.empty()) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
                    .count();
    auto& stages = report_->stage_ms;
    auto it = std::find_if(stages.begin(), stages.end(),
                           [&](const auto& s) { return s.first == current_; });
    if (it == stages.end()) {
      stages.emplace_back(current_, ms);
    } else {
      it->second += ms;
    }
    current_.clear();
  }

 private:
  ProcessReport* report_;
  std::string current_;
  std::chrono::steady_clock::time_point start_;
};

Status cancelled() { return Status(StatusCode::kCancelled, "cancelled by the progress callback"); }

// The merged mosaic's levels: the reference's, scaled by the largest whole
// factor that keeps white within 16 bits. Merging N frames gains about
// log2(N)/2 bits that the reference's ADU (10 bits on many phones) would
// round away, banding a raw editor's shadows; scaled, a normalised value
// means the same light, and the quantisation step is 1/factor of the
// reference's (10-bit: 64x finer).
RawMetadata extended_precision_levels(RawMetadata meta) {
  const double factor = std::max(1.0, std::floor(65535.0 / meta.white_level));
  meta.white_level = float(meta.white_level * factor);
  for (float& black : meta.black_level) black = float(black * factor);
  return meta;
}

// The widest backdrop a visual report draws its tile maps over.
constexpr int kBackdropWidth = 1024;

// Each pixel the mean of a step x step block (the last partial blocks left out).
Halide::Runtime::Buffer<uint16_t, 3> box_downscaled(const Halide::Runtime::Buffer<uint16_t, 3>& image, int step) {
  Halide::Runtime::Buffer<uint16_t, 3> out(std::max(1, image.width() / step), std::max(1, image.height() / step), 3);
  out.for_each_element([&](int x, int y, int c) {
    uint64_t sum = 0;
    int n = 0;
    for (int dy = 0; dy < step && y * step + dy < image.height(); ++dy)
      for (int dx = 0; dx < step && x * step + dx < image.width(); ++dx, ++n) sum += image(x * step + dx, y * step + dy, c);
    out(x, y, c) = uint16_t((sum + uint64_t(n) / 2) / uint64_t(n));
  });
  return out;
}

// The alignment field's tiles for a visual report, in sensor pixels.
void describe_alignment(const AlignmentField& f, FrameDiagnostics* d) {
  d->alignment.tiles_x = f.tiles_x;
  d->alignment.tiles_y = f.tiles_y;
  d->alignment.first_x_px = d->alignment.first_y_px = 2.0 * (f.tile_size / 2);  // plane -> sensor pixels
  d->alignment.stride_px = 2.0 * f.tile_stride;
  d->dx_px.clear();
  d->dy_px.clear();
  d->confidence.clear();
  for (int ty = 0; ty < f.tiles_y; ++ty)
    for (int tx = 0; tx < f.tiles_x; ++tx) {
      d->dx_px.push_back(2.0f * f.displacement(tx, ty, 0));
      d->dy_px.push_back(2.0f * f.displacement(tx, ty, 1));
      d->confidence.push_back(f.confidence(tx, ty));
    }
}

// The merge's robustness weights for a visual report: per tile, the mean
// over the CFA positions. Merge tiles are centred every kStride plane pixels
// from the plane's origin (merge_tiles_params.h).
void describe_merge_weights(const Halide::Runtime::Buffer<float, 3>& weight, FrameDiagnostics* d) {
  d->merge.tiles_x = weight.dim(0).extent();
  d->merge.tiles_y = weight.dim(1).extent();
  d->merge.first_x_px = d->merge.first_y_px = 0;
  d->merge.stride_px = 2.0 * merge::kStride;
  d->merge_weight.assign(size_t(d->merge.tiles_x) * d->merge.tiles_y, 0.0f);
  const int positions = weight.dim(2).extent();
  for (int ty = 0; ty < d->merge.tiles_y; ++ty)
    for (int tx = 0; tx < d->merge.tiles_x; ++tx) {
      float sum = 0;
      for (int p = 0; p < positions; ++p) sum += weight(tx, ty, p);
      d->merge_weight[size_t(ty) * d->merge.tiles_x + tx] = sum / float(positions);
    }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

FrameMotion summarise_motion(const AlignmentField& f) {
  FrameMotion m;
  std::vector<double> dx, dy;
  int low = 0;
  for (int ty = 0; ty < f.tiles_y; ++ty)
    for (int tx = 0; tx < f.tiles_x; ++tx) {
      dx.push_back(2.0 * f.displacement(tx, ty, 0));  // plane pixels -> sensor pixels
      dy.push_back(2.0 * f.displacement(tx, ty, 1));
      if (f.confidence(tx, ty) < 0.5f) ++low;
    }
  m.median_dx_px = median(dx);
  m.median_dy_px = median(dy);
  double ss = 0;
  for (size_t i = 0; i < dx.size(); ++i)
    ss += (dx[i] - m.median_dx_px) * (dx[i] - m.median_dx_px) +
          (dy[i] - m.median_dy_px) * (dy[i] - m.median_dy_px);
  m.spread_px = std::sqrt(ss / std::max<size_t>(1, dx.size()));
  m.low_confidence_fraction = double(low) / std::max<size_t>(1, dx.size());
  return m;
}

namespace {

Status check_frame(const RawFrame& f) {
  NB_RETURN_IF_ERROR(validate_metadata(f.meta).with_context(f.source));
  if (f.mosaic.width() != f.meta.width || f.mosaic.height() != f.meta.height)
    return internal_error(f.source + ": mosaic buffer does not match the metadata size");
  return Status();
}

// `frame` against the burst's first frame. Black and white levels may
// differ (camera2's dynamic black level moves a few ADU from frame to
// frame): every stage normalises each frame with its own.
Status check_agrees(const RawFrame& first, const RawFrame& frame) {
  const RawMetadata &a = first.meta, &b = frame.meta;
  const std::string& name = frame.source;
  if (a.width != b.width || a.height != b.height)
    return bad_input(name + ": size " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                     " differs from " + first.source + " (" + std::to_string(a.width) + "x" +
                     std::to_string(a.height) + ")");
  if (a.cfa != b.cfa)
    return bad_input(name + ": CFA " + cfa_name(b.cfa) + " differs from " + first.source + " (" +
                     cfa_name(a.cfa) + ")");
  if (a.make != b.make || a.model != b.model)
    return bad_input(name + ": camera '" + b.make + " " + b.model + "' differs from " +
                     first.source + " ('" + a.make + " " + a.model + "')");
  return check_exposure_agrees(first, frame);
}

// Frames the reference choice looks at: HDR+ picks the sharpest of the
// first three (a later one would add shutter lag).
constexpr int kReferenceCandidates = 3;
// The reference and four alternates: with a hand-held shake of 2 px per
// axis, the scene moves more than the 1.5 px a vote needs in three frames
// of four, so all four stay still with a chance of 1 in 250.
constexpr int kDefectEvidenceFrames = 5;

}  // namespace

Status check_burst_consistency(const std::vector<RawFrame>& frames) {
  if (frames.empty()) return invalid_argument("the burst has no frames");
  for (const RawFrame& f : frames) NB_RETURN_IF_ERROR(check_frame(f));
  for (size_t i = 1; i < frames.size(); ++i) NB_RETURN_IF_ERROR(check_agrees(frames[0], frames[i]));
  // Every pair within the bracket's limit, not only each against the first.
  for (size_t i = 1; i < frames.size(); ++i)
    for (size_t j = 1; j < i; ++j) NB_RETURN_IF_ERROR(check_exposure_agrees(frames[j], frames[i]));
  return Status();
}

struct BurstSession::State {
  explicit State(ProcessOptions o) : options(std::move(o)), timer(&result.report) {}

  ProcessOptions options;
  ProcessResult result;
  StageTimer timer;
  Status error;  // sticky: the first failure
  bool finished = false;
  int count = 0;
  RawFrame first;  // for the consistency checks (metadata and name only)
  // The shortest and longest exposures so far (metadata and name only): a
  // bracket's every pair must be within kMaxExposureRatio.
  RawFrame shortest, longest;
  std::set<std::string> warned;  // the frames' warnings in the report, each once
  // Before the reference is chosen: the frames so far, with their indices.
  std::vector<RawFrame> held;
  std::vector<int> held_index;
  std::vector<Samples> held_samples;  // whose samples: repaired in place when the session's
  RawMetadata reference_meta;
  // Made once the reference is known; released by finish_burst().
  std::unique_ptr<FrameAligner> aligner;
  std::unique_ptr<WienerMerger> merger;      // the HDR+ merge, or
  std::unique_ptr<SuperResMerger> superres;  // Super Res Zoom (options.superres_scale > 0)
  // Defects nobody listed, found when the reference was chosen (indices,
  // ascending); repaired in every frame.
  std::vector<int64_t> unlisted_defects;
  // options.diagnostics: the reference normalised, its defects repaired, to
  // finish alone with the merged result's settings.
  Halide::Runtime::Buffer<float, 2> reference_normalised;

  bool have_reference() const { return merger != nullptr || superres != nullptr; }

  bool progress(const std::string& stage) const {
    return !options.progress || options.progress(stage);
  }

  // The reference is known: its noise, and the aligner made from it.
  Status start_alignment(const RawFrame& reference, int index) {
    ProcessReport& report = result.report;
    report.reference = index;
    reference_meta = reference.meta;
    timer.begin("noise");
    if (!progress("noise")) return cancelled();
    report.noise_from_metadata = reference.meta.noise.valid;
    report.noise = frame_noise_profile(reference);
    if (options.diagnostics) {
      const std::array<NoiseLevels, 4> levels = measure_noise_levels(reference);
      NoiseDiagnostics& noise = result.diagnostics.noise;
      for (int p = 0; p < 4; ++p) {
        noise.level[p] = levels[p].level;
        noise.variance[p] = levels[p].variance;
      }
      noise.fitted = fit_noise_profile(levels);
      noise.cfa = cfa_name(reference.meta.cfa);
    }
    timer.begin("align");
    if (!progress("align")) return cancelled();
    NB_RETURN_IF_ERROR(FrameAligner::create(reference, report.noise, TileAlignParams(),
                                            Implementation::kHalide, &aligner));
    report.motion[index] = summarise_motion(aligner->reference_field());
    timer.finish();
    return Status();
  }

  // The merger, from the reference with its defects repaired.
  Status start_merge(const RawFrame& reference) {
    ProcessReport& report = result.report;
    timer.begin("merge");
    if (!progress("merge")) return cancelled();
    if (options.diagnostics) reference_normalised = normalised_mosaic(reference);
    if (options.superres_scale > 0) {
      SuperResParams params;
      params.scale = options.superres_scale;
      report.superres_scale = options.superres_scale;
      NB_RETURN_IF_ERROR(
          SuperResMerger::create(reference, report.noise, params, Implementation::kHalide, &superres));
    } else {
      NB_RETURN_IF_ERROR(WienerMerger::create(reference, report.noise, WienerMergeParams(),
                                              Implementation::kHalide, &merger));
    }
    timer.finish();
    return Status();
  }

  // Aligns `frame`; false in *merge when it shows another scene (recorded
  // in the report as rejected).
  // `frame`'s exposure against the reference's (a bracket's frames differ).
  ExposureScale exposure_of(const RawFrame& frame) const {
    return exposure_scale(reference_meta, result.report.noise, frame.meta);
  }

  Status align(const RawFrame& frame, int index, AlignmentField* field, bool* merge) {
    timer.begin("align");
    if (!progress("align")) return cancelled();
    SceneMatch scene;
    const ExposureScale exposure = exposure_of(frame);
    if (options.superres_scale > 0 && !exposure.equal())
      return invalid_argument(frame.source + ": exposure differs from the reference's by " +
                              std::to_string(exposure.ratio) +
                              "x; Super Res Zoom merges equal exposures only (a bracket takes the HDR+ merge)");
    NB_RETURN_IF_ERROR(aligner->align(frame, field, &scene, exposure));
    FrameMotion& motion = result.report.motion[index];
    motion = summarise_motion(*field);
    motion.exposure_ratio = exposure.ratio;
    motion.scene_correlation = scene.decided ? scene.correlation : 1.0;
    if (options.diagnostics) describe_alignment(*field, &result.diagnostics.frames[size_t(index)]);
    *merge = !(scene.decided && scene.correlation < kMinSceneCorrelation);
    if (!*merge) {
      // Another scene: not merged at all, whatever its tiles would match.
      char why[160];
      std::snprintf(why, sizeof why,
                    "does not show the reference's scene (correlation %.2f after the camera's motion; "
                    "the same scene scores above %.1f)",
                    scene.correlation, kMinSceneCorrelation);
      motion.rejected = true;
      motion.rejected_because = why;
      motion.mean_merge_weight = 0;
    }
    timer.finish();
    return Status();
  }

  Status merge(const RawFrame& frame, int index, const AlignmentField& field) {
    FrameMotion& motion = result.report.motion[index];
    timer.begin("merge");
    if (!progress("merge")) return cancelled();
    float weight = 1;
    bool rejected = false;
    if (superres) {
      NB_RETURN_IF_ERROR(superres->add(frame, field, &weight));
    } else {
      NB_RETURN_IF_ERROR(merger->add(frame, field, &weight, &rejected, exposure_of(frame)));
      if (options.diagnostics)
        describe_merge_weights(merger->last_tile_weights(), &result.diagnostics.frames[size_t(index)]);
    }
    motion.mean_merge_weight = weight;
    motion.rejected = rejected;
    if (rejected) {
      char why[160];
      std::snprintf(why, sizeof why,
                    "merge weight %.2f below %.2f: most of its structure moved or did not align",
                    weight, kRejectedBelowWeight);
      motion.rejected_because = why;
    }
    timer.finish();
    return Status();
  }

  Status align_and_merge(const RawFrame& frame, int index) {
    AlignmentField field;
    bool show_scene = true;
    NB_RETURN_IF_ERROR(align(frame, index, &field, &show_scene));
    return show_scene ? merge(frame, index, field) : Status();
  }

  // Frames held before the reference is chosen and the merge starts: the
  // reference's candidates, and, when defects are looked for, enough
  // alternates that hand-held motion has moved the scene in some of them.
  int frames_to_hold() const {
    return options.find_unlisted_defects ? std::max(kReferenceCandidates, kDefectEvidenceFrames)
                                         : kReferenceCandidates;
  }

  // Chooses the reference once enough frames are held (all of them at the
  // end of the burst), then merges the held frames.
  Status choose_reference(bool end_of_burst) {
    const int wanted = options.reference;
    int chosen = -1;  // position in `held`
    if (wanted >= 0) {
      if (int(held.size()) < frames_to_hold() && !end_of_burst) return Status();
      for (size_t i = 0; i < held.size(); ++i)
        if (held_index[i] == wanted) chosen = int(i);
      if (chosen < 0 && end_of_burst)
        return invalid_argument("reference frame " + std::to_string(wanted) +
                                " is out of range (the burst has " + std::to_string(count) +
                                (count == 1 ? " frame)" : " frames)"));
    } else if (int(held.size()) >= frames_to_hold() || end_of_burst) {
      timer.begin("reference");
      if (!progress("reference")) return cancelled();
      chosen = select_reference(held, kReferenceCandidates);
    }
    if (chosen < 0) return Status();  // not yet
    RawFrame& reference = held[size_t(chosen)];
    NB_RETURN_IF_ERROR(start_alignment(reference, held_index[size_t(chosen)]));
    // The held alternates aligned first: with the reference, they show which
    // pixels are defective (fixed to the sensor while the scene moves).
    std::vector<AlignmentField> fields(held.size());
    std::vector<bool> show_scene(held.size(), true);
    std::vector<const RawFrame*> alternates;
    std::vector<const AlignmentField*> alternate_fields;
    std::vector<double> exposure_ratios;
    for (size_t i = 0; i < held.size(); ++i) {
      if (int(i) == chosen) continue;
      bool shows = true;
      NB_RETURN_IF_ERROR(align(held[i], held_index[i], &fields[i], &shows));
      show_scene[i] = shows;
      if (!shows) continue;
      alternates.push_back(&held[i]);
      alternate_fields.push_back(&fields[i]);
      exposure_ratios.push_back(exposure_of(held[i]).ratio);
    }
    timer.begin("defective_pixels");
    if (!progress("defective_pixels")) return cancelled();
    if (options.find_unlisted_defects)
      unlisted_defects =
          find_unlisted_defects(reference, alternates, alternate_fields, result.report.noise, exposure_ratios);
    result.report.unlisted_defects = int64_t(unlisted_defects.size());
    if (!unlisted_defects.empty())
      for (size_t i = 0; i < held.size(); ++i) repair_defects(&held[i], unlisted_defects, held_samples[i]);
    timer.finish();
    NB_RETURN_IF_ERROR(start_merge(reference));
    // Each held frame's samples are let go as soon as the merge has them
    // (the merger keeps the reference's own planes): the merge's buffers
    // come while the held frames are still in memory, the peak of a burst.
    reference.mosaic = Halide::Runtime::Buffer<uint16_t, 2>();
    for (size_t i = 0; i < held.size(); ++i) {
      if (int(i) != chosen && show_scene[i]) NB_RETURN_IF_ERROR(merge(held[i], held_index[i], fields[i]));
      held[i].mosaic = Halide::Runtime::Buffer<uint16_t, 2>();
    }
    held.clear();
    held_index.clear();
    held_samples.clear();
    return Status();
  }

  Status add(RawFrame frame, Samples samples) {
    NB_RETURN_IF_ERROR(check_frame(frame));
    // Defects out before anything looks at the frame (the reference's
    // choice included): the listed ones, and once the reference is known the
    // ones the first frames showed, in one pass (one copy of a shared frame).
    if (have_reference()) {
      repair_defects(&frame, unlisted_defects, samples);
    } else {
      repair_listed_defects(&frame, samples);
    }
    if (count == 0) {
      first.meta = frame.meta;
      first.source = frame.source;
      shortest = longest = first;
    } else {
      NB_RETURN_IF_ERROR(check_agrees(first, frame));
      NB_RETURN_IF_ERROR(check_exposure_agrees(shortest, frame));
      NB_RETURN_IF_ERROR(check_exposure_agrees(longest, frame));
      const double product = exposure_product(frame.meta);
      RawFrame* extreme = product < exposure_product(shortest.meta)  ? &shortest
                          : product > exposure_product(longest.meta) ? &longest
                                                                     : nullptr;
      if (extreme) {
        extreme->meta = frame.meta;
        extreme->source = frame.source;
      }
    }
    const int index = count++;
    result.report.frames.push_back(frame.source);
    for (const std::string& warning : frame.meta.warnings)
      if (warned.insert(warning).second) result.report.warnings.push_back(frame.source + ": " + warning);
    result.report.motion.emplace_back();
    if (options.diagnostics) result.diagnostics.frames.emplace_back();
    if (have_reference()) return align_and_merge(frame, index);
    held.push_back(std::move(frame));
    held_index.push_back(index);
    held_samples.push_back(samples);
    return choose_reference(false);
  }

  // add(), unless the session is spent or finished.
  Status add_frame(RawFrame frame, Samples samples) {
    if (!error.ok()) return error;
    if (finished) return invalid_argument("the session has finished: frames can no longer be added");
    error = add(std::move(frame), samples);
    return error;
  }

  Status finish_burst(ProcessResult* out);

  // The reference finished with the merged result's settings. Super Res
  // Zoom's tone map is on its larger grid: the reference's own is made the
  // same way from its luminance.
  Status finish_reference_alone(FinishParams finish, bool superres_grid) {
    const RawMetadata& meta = reference_meta;
    Halide::Runtime::Buffer<float, 2> shaded =
        meta.gain_maps.empty() ? reference_normalised : with_gain_maps(meta.gain_maps, meta.cfa, reference_normalised);
    if (superres_grid && finish.tone_gain.data()) {
      Halide::Runtime::Buffer<float, 2> luminance =
          tone_luminance(shaded, meta.cfa, result.report.awb_gains, finish.exposure_gain);
      NB_RETURN_IF_ERROR(local_tone_gain(luminance, result.report.local_tone_ratio, &finish.tone_gain));
    }
    Halide::Runtime::Buffer<uint16_t, 3> srgb;
    NB_RETURN_IF_ERROR(finish_basic(shaded, finish, &srgb));
    Diagnostics& d = result.diagnostics;
    d.backdrop_step = std::max(1, (srgb.width() + kBackdropWidth - 1) / kBackdropWidth);
    d.backdrop = box_downscaled(srgb, d.backdrop_step);
    d.reference_srgb = upright(srgb, meta.default_crop, meta.orientation);
    reference_normalised = Halide::Runtime::Buffer<float, 2>();
    return Status();
  }

  static void describe_awb(const FfccModel& model, const FfccTrace& trace, AwbDiagnostics* d) {
    d->bins = model.bins;
    d->bin_size = model.bin_size;
    d->u_start = model.u_start;
    d->v_start = model.v_start;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) d->canonical_from_camera[size_t(3 * r + c)] = trace.canonical_from_camera(r, c);
    d->histogram = trace.histogram;
    d->posterior = trace.posterior;
    d->estimate_u_bin = trace.mean_bin(0);
    d->estimate_v_bin = trace.mean_bin(1);
    d->confidence_radius_bins = confidence_radius_bins(model);
  }
};

BurstSession::BurstSession(ProcessOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  const int threads = state_->options.threads > 0
                          ? state_->options.threads
                          : int(std::max(1u, std::thread::hardware_concurrency()));
  halide_set_num_threads(threads);
}

BurstSession::~BurstSession() = default;

Status BurstSession::add_frame(RawFrame frame) { return state_->add_frame(std::move(frame), Samples::kShared); }

Status BurstSession::take_frame(RawFrame frame) { return state_->add_frame(std::move(frame), Samples::kOwned); }

void BurstSession::copy_held_frames() {
  State& st = *state_;
  for (size_t i = 0; i < st.held.size(); ++i)
    if (!st.held[i].mosaic.owns_host_memory()) {
      st.held[i].mosaic = owned_copy(st.held[i].mosaic);
      st.held_samples[i] = Samples::kOwned;  // the copy is the session's alone
    }
}

Status BurstSession::finish(ProcessResult* result) {
  State& st = *state_;
  if (!st.error.ok()) return st.error;
  if (st.finished) return invalid_argument("the session has already finished");
  st.error = st.finish_burst(result);
  st.finished = true;
  return st.error;
}

Status BurstSession::State::finish_burst(ProcessResult* out) {
  if (count == 0) return invalid_argument("the burst has no frames");
  if (!have_reference()) NB_RETURN_IF_ERROR(choose_reference(true));
  ProcessReport& report = result.report;
  const RawMetadata& ref_meta = reference_meta;

  timer.begin("merge");
  if (!progress("merge")) return cancelled();
  double effective_frames = 1;
  // Super Res Zoom: camera RGB; `merged` is its mosaic, for the statistics
  // below and the merged DNG.
  Halide::Runtime::Buffer<float, 3> superres_rgb;
  if (superres) {
    NB_RETURN_IF_ERROR(superres->finish(&superres_rgb, &effective_frames));
    result.merged = mosaic_from_rgb(superres_rgb, ref_meta.cfa);
  } else {
    NB_RETURN_IF_ERROR(merger->finish(&result.merged, &effective_frames));
  }
  merger.reset();
  superres.reset();
  aligner.reset();
  // The merged tiles average about effective_frames frames' worth of noise
  // (before the spatial step, which the profile does not model).
  result.merged_meta = ref_meta;
  result.merged_meta.width = result.merged.width();
  result.merged_meta.height = result.merged.height();
  result.merged_meta.default_crop = crop_for_size(ref_meta.default_crop, ref_meta.width, ref_meta.height,
                                                  result.merged.width(), result.merged.height());
  result.merged_meta.noise = report.noise;
  for (int i = 0; i < 4; ++i) {
    result.merged_meta.noise.scale[i] /= effective_frames;
    result.merged_meta.noise.offset[i] /= effective_frames;
  }
  result.merged_meta.noise.valid = true;
  result.merged_meta = extended_precision_levels(result.merged_meta);
  result.merged_meta.defects = DefectList();  // repaired in every frame: none left to list
  // Lens shading, on a copy: result.merged stays the merge of the samples
  // as the frames had them (the merged DNG's samples, which carry the maps
  // for a raw editor to apply, as the frames did).
  Halide::Runtime::Buffer<float, 2> shaded = result.merged;
  report.lens_shading_maps = int(ref_meta.gain_maps.size());
  if (!ref_meta.gain_maps.empty()) {
    timer.begin("lens_shading");
    if (!progress("lens_shading")) return cancelled();
    if (superres_rgb.data()) {
      apply_gain_maps_rgb(ref_meta.gain_maps, ref_meta.cfa, ref_meta.width, ref_meta.height, &superres_rgb);
      shaded = mosaic_from_rgb(superres_rgb, ref_meta.cfa);
      result.merged_meta.gain_maps = gain_maps_for_size(ref_meta.gain_maps, ref_meta.width, ref_meta.height,
                                                        result.merged.width(), result.merged.height());
    } else {
      shaded = with_gain_maps(ref_meta.gain_maps, ref_meta.cfa, result.merged);
    }
  }

  timer.begin("white_balance");
  if (!progress("white_balance")) return cancelled();
  std::array<float, 3> illuminant = ref_meta.as_shot_neutral;
  switch (options.awb) {
    case AwbMethod::kLearned: {
      report.awb_method = "learned";
      const FfccModel& model =
          options.awb_model ? options.awb_model->impl().ffcc : default_ffcc_model();
      FfccTrace trace;
      const AwbEstimate estimate = estimate_illuminant_ffcc(model, awb_thumbnail(shaded, ref_meta.cfa), ref_meta,
                                                            options.diagnostics ? &trace : nullptr);
      illuminant = estimate.illuminant_rgb;
      report.awb_confidence = estimate.confidence;
      if (std::isfinite(estimate.scene_log2_luminance))
        report.awb_scene_luminance = float(std::exp2(estimate.scene_log2_luminance));
      if (estimate.beyond_model)
        report.awb_fallback = "gray-world: the scene's mean colour lies beyond every light the learned model "
                              "knows (a single-colour light such as low-pressure sodium)";
      if (options.diagnostics) describe_awb(model, trace, &result.diagnostics.awb);
      break;
    }
    case AwbMethod::kGrayWorld:
      report.awb_method = "grayworld";
      illuminant = gray_world(awb_thumbnail(shaded, ref_meta.cfa), ref_meta.as_shot_neutral);
      break;
    case AwbMethod::kAsShot:
      report.awb_method = "asshot";
      break;
    case AwbMethod::kManual:
      report.awb_method = "manual";
      illuminant = options.manual_illuminant;
      for (float& v : illuminant) v /= options.manual_illuminant[1];
      break;
  }
  report.awb_illuminant_rgb = illuminant;
  report.awb_gains = gains_for_illuminant(illuminant);

  timer.begin("finish");
  if (!progress("finish")) return cancelled();
  FinishParams finish = finish_params_for(ref_meta, illuminant);
  if (!ref_meta.calibrations.empty())
    report.color_temperature_k = float(
        scene_light_for_neutral(ref_meta, Eigen::Vector3d(illuminant[0], illuminant[1], illuminant[2])).kelvin);
  // BaselineExposure moves the exposure's zero point: the look judges the
  // scene as the camera means it to be seen, and the gain starts there.
  const double baseline_gain = std::exp2(ref_meta.baseline_exposure);
  ToneStatistics tone = tone_statistics(shaded, ref_meta.cfa, report.awb_gains);
  const double mean_green = baseline_gain * tone.mean_green;
  const ToneLook look = tone_look(options.look, mean_green);
  finish.exposure_gain = float(baseline_gain) * exposure_gain_for(mean_green, look.target_mean);
  finish.curve_contrast = look.contrast;
  finish.curve_pivot = look.pivot;
  // Local tone mapping (not in the natural look): exposure fusion of exposures
  // 1/sqrt(k) and sqrt(k) times the look's, so the mean stays near the look's
  // target while shadows are lifted and highlights kept.
  // The luminance gained for the short exposure in one pass, in place.
  Halide::Runtime::Buffer<float, 2> luminance = std::move(tone.luminance_before_gain);
  report.local_tone_ratio = long_exposure_ratio(luminance, options.look, finish.exposure_gain);
  if (report.local_tone_ratio > 1.0f) {
    const float short_scale = 1.0f / std::sqrt(report.local_tone_ratio);
    apply_exposure_gain(finish.exposure_gain, &luminance, short_scale);
    finish.exposure_gain *= short_scale;
    NB_RETURN_IF_ERROR(local_tone_gain(luminance, report.local_tone_ratio, &finish.tone_gain));
  }
  finish.chroma_denoise = options.chroma_denoise;
  finish.sharpen = options.sharpen;
  report.exposure_gain = finish.exposure_gain;
  report.look = options.look == Look::kNatural  ? "natural"
                : options.look == Look::kBright ? "bright"
                                                : "night";
  report.curve_contrast = look.contrast;
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  if (superres_rgb.data()) {
    NB_RETURN_IF_ERROR(finish_basic(superres_rgb, finish, &srgb));
  } else {
    NB_RETURN_IF_ERROR(finish_basic(shaded, finish, &srgb));
  }
  result.srgb = upright(
      srgb, crop_for_size(ref_meta.default_crop, ref_meta.width, ref_meta.height, srgb.width(), srgb.height()),
      ref_meta.orientation);
  if (options.diagnostics) {
    result.diagnostics.collected = true;
    NB_RETURN_IF_ERROR(finish_reference_alone(finish, superres_rgb.data() != nullptr));
  }
  timer.finish();
  *out = std::move(result);
  return Status();
}

Status process_burst(const std::vector<RawFrame>& frames, const ProcessOptions& options,
                     ProcessResult* result) {
  NB_RETURN_IF_ERROR(check_burst_consistency(frames));
  if (options.reference >= int(frames.size()))
    return invalid_argument("reference frame " + std::to_string(options.reference) +
                            " is out of range (the burst has " + std::to_string(frames.size()) +
                            (frames.size() == 1 ? " frame)" : " frames)"));
  BurstSession session(options);
  for (const RawFrame& frame : frames)
    NB_RETURN_IF_ERROR(session.add_frame(frame));  // shallow copies
  return session.finish(result);
}

}  // namespace nb
