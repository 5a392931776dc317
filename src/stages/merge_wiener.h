// HDR+ merge (Hasinoff et al. 2016, sec. 5; IPOL analysis, Monod et al. 2021,
// sec. 3): per CFA plane, overlapping 16x16 tiles with a raised-cosine window;
// each aligned frame's tile is merged with the reference tile in the 2-D DFT
// domain by the pairwise temporal Wiener filter, then the merged tile is
// denoised spatially (Wiener, in the DFT domain) and overlap-added.
//
// Motion robustness on top of the Wiener term: a per-tile weight from the
// local statistics of the aligned difference against the noise level
// (Wronski et al. 2019's idea, at tile granularity), so a tile that moved
// takes its content from the reference and never ghosts.
#pragma once

#include <HalideBuffer.h>

#include <memory>
#include <vector>

#include "core/alignment_field.h"
#include "core/implementation.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"
#include "stages/exposure_bracket.h"

namespace nb {

struct WienerMergeParams {
  // c in A = |D|^2 / (|D|^2 + c * sigma^2), sigma^2 the noise variance of a
  // DFT coefficient of one windowed tile. Larger: more averaging, more risk.
  float temporal_factor = 16.0f;
  // Strength of the spatial Wiener step against the noise left after merging.
  float spatial_factor = 1.5f;
  // Robustness: the 3x3-mean of the aligned difference has, for noise alone,
  // a known variance; a tile whose mean squared filtered difference exceeds
  // it by `robustness_low` times starts losing weight, by `robustness_high`
  // times has none.
  float robustness_low = 2.0f;
  float robustness_high = 6.0f;
};

// A frame whose structured tiles keep less weight than this on average (a
// failed alignment, motion over most of the frame) is rejected as a whole.
// Flat tiles do not count: any dark sky matches any other within noise.
constexpr float kRejectedBelowWeight = 0.25f;
// A bracket's frame is judged on the structured tiles where it reads no
// clipped sample: with fewer than this many, it is not rejected whole.
constexpr int64_t kRejectionEvidenceTiles = 16;

struct MergeStats {
  // Per frame: mean robustness weight over the reference's structured tiles
  // (reference = 1), and whether the frame was left out for too low a weight.
  std::vector<float> mean_weight;
  std::vector<bool> rejected;
  double effective_frames = 1;     // mean over tiles of 1 + sum of weights
};

// Merges frames one at a time into running sums: the reference's planes, the
// sum of the alternates' corrections and of their tile weights. Memory is
// constant in the number of frames; finish() leaves only the spatial step.
class WienerMerger {
 public:
  static Status create(const RawFrame& reference, const NoiseProfile& noise, const WienerMergeParams& params,
                       Implementation implementation, std::unique_ptr<WienerMerger>* merger);
  ~WienerMerger();
  // `field` aligns `alternate` to the reference. `mean_weight`: over the
  // reference's structured tiles; a frame that keeps less than a quarter
  // (a different scene, a failed alignment) is left out as a whole (`rejected`).
  // `exposure`: the alternate's scale against the reference's (a bracket);
  // the default, an equal exposure.
  Status add(const RawFrame& alternate, const AlignmentField& field, float* mean_weight, bool* rejected,
             const ExposureScale& exposure = ExposureScale());
  // The robustness weight per merge tile (tile x, tile y, CFA position) of
  // the frame last added (its whole-frame rejection aside).
  const Halide::Runtime::Buffer<float, 3>& last_tile_weights() const;
  // The merged normalised mosaic; `effective_frames` as in MergeStats.
  Status finish(Halide::Runtime::Buffer<float, 2>* merged, double* effective_frames);

 private:
  struct State;
  explicit WienerMerger(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// `fields[i]` aligns frame i to frames[reference]. Output: normalised mosaic
// (black subtracted, divided by white - black, per CFA position) in the
// reference geometry. Frames are merged one at a time into one accumulator.
Status merge_wiener(const std::vector<RawFrame>& frames, int reference, const std::vector<AlignmentField>& fields,
                    const NoiseProfile& noise, const WienerMergeParams& params, Implementation implementation,
                    Halide::Runtime::Buffer<float, 2>* merged, MergeStats* stats);

// The two steps, each as a Halide call and as its plain C++ reference.
//
// Merge tiles: per CFA plane, 16x16 at a stride of 8, starting 8 plane pixels
// before the plane, so (plane_width + 7) / 8 + 1 across. With D the DFT of the
// windowed difference reference - aligned alternate and A the Wiener shrink,
// the merged tile is the mean over frames of R - w (1 - A) D (w the
// robustness weight); being linear, that is the reference minus the mean of
// the overlap-added inverse transforms of w (1 - A) D: the correction.
//
// In a bracket (exposure_bracket.h) the alternate, in the reference's scale,
// has its clipped samples marked (mark_clipped()): a difference that takes
// one in counts as 0. Its correction is scaled per tile by its share
// (TilePairing), and the merged pixel is the reference minus the sum of the
// corrections over 1 + the sum of the shares that reach it (overlap-added
// with the window like the corrections, less where a frame's sample was
// clipped): a precision-weighted mean, which is the plain mean when every
// share is 1.
struct TilePairing {
  // The generator's sigma^2: the mean of the two frames' noise variances at
  // the tile's level, so the Wiener shrink and the robustness judge their
  // difference against both frames' noise.
  Halide::Runtime::Buffer<float, 3> variance;
  // The reference's noise variance over the alternate's (in the reference's scale).
  Halide::Runtime::Buffer<float, 3> share;
};
// `reference` normalised; the alternate's scale and noise in `exposure`.
TilePairing tile_pairing(const Halide::Runtime::Buffer<float, 2>& reference, const NoiseProfile& noise,
                         const ExposureScale& exposure);
// Replaces an alternate's samples at or above `clip_level` (normalised, in
// the reference's scale) by merge::kClippedSample.
void mark_clipped(Halide::Runtime::Buffer<float, 2>* alternate, float clip_level);

struct TemporalCorrection {
  Halide::Runtime::Buffer<float, 2> correction;  // mosaic geometry, normalised units
  Halide::Runtime::Buffer<float, 3> weight;      // (tile x, tile y, CFA position)
};
int merge_tiles_across(int plane_extent);
// `reference` and `alternate` are normalised mosaics (normalised_mosaic()).
// `pairing`: a bracket's (nullptr: equal exposures).
Status temporal_correction(const Halide::Runtime::Buffer<float, 2>& reference,
                           const Halide::Runtime::Buffer<float, 2>& alternate, const AlignmentField& field,
                           const NoiseProfile& noise, const WienerMergeParams& params, TemporalCorrection* out,
                           const TilePairing* pairing = nullptr);
TemporalCorrection temporal_correction_reference(const Halide::Runtime::Buffer<float, 2>& reference,
                                                 const Halide::Runtime::Buffer<float, 2>& alternate,
                                                 const AlignmentField& field, const NoiseProfile& noise,
                                                 const WienerMergeParams& params,
                                                 const TilePairing* pairing = nullptr);

// The generators' input: the CFA planes (x, y, p) of a raw frame normalised
// as normalised_mosaic() does, or of an already normalised mosaic, with the
// edge repeated over the whole window of `planes` (whose min is negative:
// the margin around the plane).
// `divide_by`: an alternate's exposure ratio, to put it in the reference's scale.
Status fill_cfa_planes(const RawFrame& frame, Halide::Runtime::Buffer<float, 3>* planes, double divide_by = 1);
Status fill_cfa_planes(const Halide::Runtime::Buffer<float, 2>& normalised, Halide::Runtime::Buffer<float, 3>* planes);

// Spatial Wiener step on the merged mosaic; `effective_frames` (tile x, tile
// y, CFA position) says how many frames' worth of noise each tile averaged.
Status spatial_denoise(const Halide::Runtime::Buffer<float, 2>& merged,
                       const Halide::Runtime::Buffer<float, 3>& effective_frames, const NoiseProfile& noise,
                       const WienerMergeParams& params, Halide::Runtime::Buffer<float, 2>* out);
Halide::Runtime::Buffer<float, 2> spatial_denoise_reference(const Halide::Runtime::Buffer<float, 2>& merged,
                                                            const Halide::Runtime::Buffer<float, 3>& effective_frames,
                                                            const NoiseProfile& noise,
                                                            const WienerMergeParams& params);

}  // namespace nb
