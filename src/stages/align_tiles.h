// HDR+ tile alignment (Hasinoff et al. 2016, sec. 4; IPOL analysis, Monod et
// al. 2021, sec. 2): coarse-to-fine tile search on a pyramid of the
// 2x2-binned grayscale, then sub-pixel at the finest level by a quadratic fit
// to the 3x3 L2 cost surface, polished by Lucas-Kanade (Wronski et al. 2019).
//
// Two implementations of the same arithmetic: the Halide pipelines
// (nb_align_pyramid, nb_align_search) and a plain C++ reference that the
// tests compare them with. The pyramid and the tile distances are integers,
// so integer displacements agree exactly; the float sub-pixel steps agree
// to well under 1e-3 px.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <memory>
#include <vector>

#include "core/alignment_field.h"
#include "core/implementation.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"
#include "stages/align_tiles_params.h"
#include "stages/exposure_bracket.h"
#include "stages/scene_match.h"

namespace nb {


// Level 0 is the binned grayscale quantised to 16 bits (align::kGrayScale);
// level i+1 is level i blurred by the binomial [1 4 6 4 1]/16 and decimated by
// 2, once or twice (align::kFactors), rounding to 16 bits after each step.
using GrayPyramid = std::vector<Halide::Runtime::Buffer<uint16_t, 2>>;
Status build_gray_pyramid(const Halide::Runtime::Buffer<float, 2>& binned_gray, GrayPyramid* pyramid);
GrayPyramid build_gray_pyramid_reference(const Halide::Runtime::Buffer<float, 2>& binned_gray);

// Per-tile result of the search at level 0, before the confidence is known.
struct TileMatches {
  Halide::Runtime::Buffer<float, 3> displacement;  // (tx, ty, {dx, dy}), plane pixels
  Halide::Runtime::Buffer<float, 2> curvature;     // smaller eigenvalue of the L2 cost's Hessian
};
Status match_tiles(const GrayPyramid& reference, const GrayPyramid& alternate, TileMatches* matches);
TileMatches match_tiles_reference(const GrayPyramid& reference, const GrayPyramid& alternate);

struct TileAlignParams {
  // Alignment failing: a tile whose predicted displacement error (from the
  // cost curvature and the noise level) exceeds this gets confidence 0.
  float max_uncertainty_px = 1.0f;
};

// Noise variance of the difference of two frames' level-0 samples, per tile
// of the reference at its mean level (pyramid units): computed once per burst.
Halide::Runtime::Buffer<double, 2> tile_difference_variance(const GrayPyramid& reference, const NoiseProfile& noise);
// The same for two frames of different noise (a bracket's, in the reference's scale).
Halide::Runtime::Buffer<double, 2> tile_difference_variance(const GrayPyramid& reference, const NoiseProfile& noise,
                                                            const NoiseProfile& alternate_noise);

// The alignment field of `matches`, with each tile's confidence from its cost
// curvature against the tile's noise (tile_difference_variance()).
AlignmentField alignment_from_matches(const TileMatches& matches, const Halide::Runtime::Buffer<double, 2>& tile_variance,
                                      const TileAlignParams& params);

// The camera's motion from the reference to a frame, as an affine map of
// plane pixels: d = (a0 + a1 x + a2 y, a3 + a4 x + a5 y) at plane pixel (x, y).
struct CameraMotion {
  std::array<double, 6> a{};
  double dx(double x, double y) const { return a[0] + a[1] * x + a[2] * y; }
  double dy(double x, double y) const { return a[3] + a[4] * x + a[5] * y; }
};

// The camera's motion to the frame of `field`: a translation and a
// rotation, fitted robustly to the tiles the search placed (confidence of
// at least 0.5); `placed`, if given, is how many there were.
CameraMotion camera_motion(const AlignmentField& field, int* placed = nullptr);

// Where nothing in a tile held the search (confidence 0: flat, an edge
// alone, or noise above its structure), the search follows the noise up to
// the pyramid's reach: in flat night sky up to 171 plane pixels from the
// camera's motion in a 12 MP burst. Within a few pixels that wander is
// worth keeping (a displacement fitted to the noise lets the merge average
// more: giving every such tile the camera's motion cost 0.06-0.11 dB), but
// beyond them it fetches content from far away and sets the padding of
// every alternate's planes. A tile of confidence 0 more than a few pixels
// from the camera's motion takes the camera's motion when its level-0
// squared difference there is no worse than at its own displacement by
// more than the noise of such sums explains (a moving object in noise
// keeps its own: its structure, however faint, matches only there).
// Nothing changes when too few tiles were placed to trust the motion.
void settle_wandering_tiles(const GrayPyramid& reference, const GrayPyramid& alternate,
                            const Halide::Runtime::Buffer<double, 2>& tile_variance, AlignmentField* field);

// Aligns frames one at a time to a reference: its pyramid and per-tile noise
// are computed once, when the aligner is made.
class FrameAligner {
 public:
  static Status create(const RawFrame& reference, const NoiseProfile& noise, const TileAlignParams& params,
                       Implementation implementation, std::unique_ptr<FrameAligner>* aligner);
  // `scene`, if given: whether the frame shows the reference's scene at all
  // (scene_match.h), from the binned gray the alignment makes anyway.
  // `exposure`: a bracket's frame of another exposure, aligned in the
  // reference's scale with both frames clamped at its clip level (clipped
  // areas match and pull no tile).
  Status align(const RawFrame& alternate, AlignmentField* field, SceneMatch* scene = nullptr,
               const ExposureScale& exposure = ExposureScale()) const;
  // The reference's own field: zero displacement, full confidence.
  AlignmentField reference_field() const;

 private:
  FrameAligner() = default;
  // The reference as a bracket's frame of `exposure` needs it: its binned
  // gray (the pyramid's level 0) clamped at the frame's clip level, with the
  // tile noise of the two. Made when first needed and kept for the burst's
  // other frames of that exposure.
  struct ClampedReference {
    double ratio = 1;
    NoiseProfile noise;
    GrayPyramid pyramid;
    SceneThumbnail thumbnail;
    Halide::Runtime::Buffer<double, 2> tile_variance;
  };
  Status clamped_reference(const ExposureScale& exposure, const ClampedReference** out) const;
  TileAlignParams params_;
  Implementation implementation_ = Implementation::kHalide;
  GrayPyramid reference_;
  Halide::Runtime::Buffer<double, 2> tile_variance_;
  NoiseProfile noise_;
  SceneThumbnail thumbnail_;
  mutable std::vector<ClampedReference> clamped_;
};

// Aligns every frame of the burst to frames[reference], which gets a zero
// field: the whole stage as the pipeline runs it.
Status align_burst(const std::vector<RawFrame>& frames, int reference, const NoiseProfile& noise,
                   const TileAlignParams& params, Implementation implementation,
                   std::vector<AlignmentField>* fields);

// Sub-pixel offset of the minimum of the quadratic least-squares fit to a 3x3
// cost surface (costs[dy+1][dx+1]); {0, 0} when the fit has no minimum. Also
// returns the smaller eigenvalue of the fit's Hessian (the cost curvature).
void quadratic_subpixel(const double costs[3][3], double* offset_x, double* offset_y, double* min_curvature);

}  // namespace nb
