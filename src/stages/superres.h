// Super Res Zoom (Wronski et al., "Handheld Multi-Frame Super-Resolution",
// SIGGRAPH 2019): hand tremor makes every frame sample the scene at other
// sub-pixel positions, so the burst's Bayer samples, each put back where it
// belongs in the reference, fill an RGB grid finer than one frame's
// colour channels, with no demosaicing.
//
// Per frame:
// - kernels: from the frame's own local gradient structure (structure
//   tensor of its 2x2-binned gray), an anisotropic Gaussian per plane pixel,
//   narrow across edges and long along them, wide in flat areas (where it
//   denoises), as an inverse covariance in sensor pixels;
// - robustness: per plane pixel of the reference, how well the aligned frame's
//   local colour mean matches the reference's, against the noise and the
//   reference's local variance; lower where the alignment field is
//   irregular (motion); then the local minimum over 5x5;
// - accumulation: every output pixel, mapped through the alignment field
//   (tile displacements interpolated bilinearly) to the frame, gathers the
//   frame's 3x3 Bayer samples around it, each weighted by its kernel and the
//   robustness, into per-colour sums; the result is sums / weights.
//
// Robustness and accumulation are Halide pipelines (nb_superres_robustness,
// nb_superres_accumulate); the plain C++ reference below computes the same
// (the kernels are computed inside nb_superres_accumulate).
#pragma once

#include <HalideBuffer.h>

#include <memory>

#include "core/alignment_field.h"
#include "core/implementation.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

struct SuperResParams {
  float scale = 1;  // output pixels per sensor pixel (superres_extent())
  // Kernel standard deviations, sensor pixels: k_detail at strong isotropic
  // detail; along an edge up to (1 + k_stretch) times it, across it down to
  // 1 / (1 + k_shrink) of it; where the local gradient is no stronger than
  // noise (its SNR below snr_low) k_detail * k_denoise, blending up to snr_high.
  float k_detail = 0.3f;
  float k_denoise = 3.0f;
  float k_stretch = 0.5f;
  float k_shrink = 0.5f;
  float snr_low = 1.5f;
  float snr_high = 4.0f;
  // Robustness = clamp(s * exp(-sum_c d_c^2 / sigma_c^2) - t, 0, 1): d the
  // difference of 3x3 colour means, sigma^2 the larger of the reference's
  // local variance and the noise variance; s = s_irregular where the
  // alignment field varies by more than flow_irregular_px sensor pixels
  // over 3x3 tiles (something moves), else s_regular.
  float t = 0.12f;
  float s_irregular = 2.0f;
  float s_regular = 12.0f;
  float flow_irregular_px = 1.0f;
  // regularise_field(): tiles further than this from the frame's affine
  // motion take the model's displacement (sensor pixels).
  float max_deviation_px = 0.5f;
};

// The field the merge uses: hand-held motion is smooth (a shift and a small
// rotation), so an affine model fitted robustly to the reliable tiles
// replaces the tiles that are unreliable (confidence below `min_confidence`:
// flat areas, where the search has nothing to lock on) or that deviate from
// it by more than `max_deviation_px` sensor pixels (a fine periodic pattern,
// aliased differently in every frame, matches at a wrong period; a moving
// object). A wrong displacement there would blur real detail; the
// robustness, not the field, keeps moving things out. The merger applies it
// to every frame's field with kReliableConfidence.
constexpr float kReliableConfidence = 0.5f;
AlignmentField regularise_field(const AlignmentField& field, float min_confidence, float max_deviation_px);

// Displacement of the field at plane position (u, v), plane pixels:
// bilinear between tile centres, clamped at the outer tiles' centres.
void interpolate_displacement(const AlignmentField& field, float u, float v, float* dx, float* dy);

// Inverse kernel covariance (sensor pixels^-2) per plane pixel of a frame:
// (px, py, {a, b, c}) for the quadratic form a x^2 + 2 b x y + c y^2.
Halide::Runtime::Buffer<float, 3> superres_kernels_reference(const Halide::Runtime::Buffer<float, 2>& normalised,
                                                             const NoiseProfile& noise, const SuperResParams& params);

// Robustness per plane pixel of the reference (0..1) for an aligned frame.
// Mosaics are normalised (normalised_mosaic()).
Halide::Runtime::Buffer<float, 2> superres_robustness_reference(const Halide::Runtime::Buffer<float, 2>& reference,
                                                                const Halide::Runtime::Buffer<float, 2>& alternate,
                                                                CfaPattern cfa, const AlignmentField& field,
                                                                const NoiseProfile& noise, const SuperResParams& params);
Status superres_robustness(const RawFrame& reference, const RawFrame& alternate, const AlignmentField& field,
                           const NoiseProfile& noise, const SuperResParams& params,
                           Halide::Runtime::Buffer<float, 2>* robustness);

// Adds a frame's weighted samples to `sums` (x, y, {R, G, B value sums, R,
// G, B weight sums}), sized superres_extent() of the frame's.
void superres_accumulate_reference(const Halide::Runtime::Buffer<float, 2>& normalised, CfaPattern cfa,
                                   const AlignmentField& field, const Halide::Runtime::Buffer<float, 2>& robustness,
                                   const NoiseProfile& noise, const SuperResParams& params,
                                   Halide::Runtime::Buffer<float, 3>* sums);
Status superres_accumulate(const RawFrame& frame, const AlignmentField& field,
                           const Halide::Runtime::Buffer<float, 2>& robustness, const NoiseProfile& noise,
                           const SuperResParams& params, Halide::Runtime::Buffer<float, 3>* sums);

// Zeroed sums for a frame of `meta`'s size at `scale` (superres_extent()).
Halide::Runtime::Buffer<float, 3> superres_sums(const RawMetadata& meta, float scale);
// Camera RGB from the sums: value / weight per colour.
Halide::Runtime::Buffer<float, 3> superres_rgb(const Halide::Runtime::Buffer<float, 3>& sums);

// The mosaic of camera RGB: at each position the colour the CFA has there.
Halide::Runtime::Buffer<float, 2> mosaic_from_rgb(const Halide::Runtime::Buffer<float, 3>& rgb, CfaPattern cfa);

// Merges frames one at a time into the sums; finish() divides them.
class SuperResMerger {
 public:
  static Status create(const RawFrame& reference, const NoiseProfile& noise, const SuperResParams& params,
                       Implementation implementation, std::unique_ptr<SuperResMerger>* merger);
  ~SuperResMerger();
  // `mean_robustness`: the mean weight the frame got (0..1).
  Status add(const RawFrame& frame, const AlignmentField& field, float* mean_robustness);
  // Camera RGB (x, y, c), normalised like the mosaic, superres_extent() of
  // the reference's size. `effective_frames`: 1 + the frames' mean robustness.
  Status finish(Halide::Runtime::Buffer<float, 3>* rgb, double* effective_frames);

 private:
  struct State;
  explicit SuperResMerger(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace nb
