// Whether an aligned frame shows the reference's scene at all.
//
// The tile alignment searches each tile on its own, up to 338 sensor pixels
// away, so between two unrelated scenes it still finds, tile by tile, the
// patch that looks most alike; where those patches are textured finer than
// the merge's robustness filter sees, the merge took them (frames of three
// different scenes were blended with a mean weight of 0.32). A real burst,
// however shaken and whatever moves in it, is one scene under one camera
// motion: the frame warped by a single affine motion fitted robustly to the
// tile displacements matches the reference's structure. Unrelated scenes
// share no such motion, and their structures do not correlate.
//
// The measure: the correlation of the two frames' band-passed grayscale
// (a coarse thumbnail minus its 7x7 local mean) after that global warp,
// with the noise's share of each frame's energy subtracted, so that a dark
// burst of the same scene scores near 1 however noisy, and unrelated scenes
// near 0 however dark. A warp that leaves less than a quarter of the
// reference covered scores 0: no hand-held burst moves that far.
#pragma once

#include <HalideBuffer.h>

#include <vector>

#include "core/alignment_field.h"
#include "nightburst/raw_frame.h"  // NoiseProfile

namespace nb {

// A frame's grayscale in blocks of `block` x `block` sensor pixels, each the
// mean of its normalised samples: coarse, cheap, and unclamped (the
// alignment's pyramid clamps at black, which in a dark frame hides much of
// the noise), so its noise follows from the frame's profile. Coarser levels
// (blocks twice as large each) serve dark frames, whose structure shows
// only at a coarser scale.
struct SceneThumbnail {
  std::vector<Halide::Runtime::Buffer<float, 2>> levels;
  int block = 2;  // of levels[0]; even, so each block holds every CFA position equally often
};
// From a frame's binned gray (binned_gray(): the mean of each 2x2 CFA
// quad, normalised, unclamped), which the alignment makes anyway. The first
// level's block is the smallest power of two that keeps it within 65536
// samples (12 MP: 16 sensor pixels, 250 x 187); coarser levels down to 24
// samples across.
SceneThumbnail scene_thumbnail(const Halide::Runtime::Buffer<float, 2>& binned_gray);

struct SceneMatch {
  // Noise-corrected correlation of the band-passed frames after the global
  // warp: about 1 for the same scene, about 0 for unrelated ones.
  double correlation = 1;
  // The reference's band-passed signal energy over its noise energy; below
  // kMinSceneStructure the reference shows nothing to compare (a flat dark
  // sky) and the test cannot decide.
  double structure = 0;
  bool decided = false;  // enough structure to judge
  int block = 0;         // of the thumbnail level judged (sensor pixels)
  // The global motion fitted to the field (plane pixels, reference -> frame):
  // displacement = (a0 + a1 x + a2 y, a3 + a4 x + a5 y).
  double affine[6] = {0, 0, 0, 0, 0, 0};
};

// A frame whose correlation is below this does not show the reference's
// scene. Measured (tests/stages/scene_match_test.cpp, scene means 0.04 to
// 0.001): unrelated scenes score at most 0.20 (a shared flat sky included);
// synthetic scenes of other seeds, which share a chart, a star and bar
// patterns at one place, up to 0.53; frames of true bursts at least 0.83
// (hand shake of 8 px and 1 degree, a fast object over a seventh of the
// frame).
constexpr double kMinSceneCorrelation = 0.7;
// The reference's structure must exceed its noise energy by this much for
// the test to decide.
constexpr double kMinSceneStructure = 0.25;

// The finest thumbnail level at which the reference shows structure decides.
// `noise`: the reference's profile (the alternate's is taken to be the same).
SceneMatch scene_match(const SceneThumbnail& reference, const SceneThumbnail& alternate, const AlignmentField& field,
                       const NoiseProfile& noise);

}  // namespace nb
