// Defective pixels: those the camera lists (RawMetadata::defects: DNG
// FixBadPixelsList / FixBadPixelsConstant, camera2's hot-pixel map) and
// those the burst shows, replaced in each frame before the merge, so that
// none leaves a trail through it (a hot pixel is fixed to the sensor;
// aligned, it lands on a different part of the scene in every frame).
//
// Found from the burst: a pixel is defective when it is a spike in the
// reference (it differs from the median of its eight same-colour neighbours
// by more than kSpikeSigmas noise deviations while its direct neighbours in
// one direction at least do not follow it, as both pairs do for a point the
// lens spread; a defective column segment rises along itself) and, in the
// alternate frames the camera's shake moved by 1.5 px or more there, rises
// alike at the same sensor position but does not show where the scene went.
// Frames that did not move do not vote (a tripod burst: nothing is found,
// rather than stars or fine texture taken for defects).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/alignment_field.h"
#include "nightburst/raw_frame.h"

namespace nb {

constexpr double kSpikeSigmas = 4.0;
// A direct neighbour follows the pixel when it rises above its own
// neighbours by more than this share of the pixel's rise (a lens's spread
// gives about a third; noise aside, a defect's neighbours give none).
constexpr double kNeighbourShare = 0.12;

// Indices (y * width + x), ascending, of `frame`'s listed defects: points,
// rectangles, and samples equal to the list's constant.
std::vector<int64_t> listed_defects(const RawFrame& frame);

// Replaces each listed defect by the mean of the pair of same-colour pixels
// across it that differ least (along its row, its column, a diagonal at
// distance 2, or, for greens, the diagonal neighbours: the direction of an
// edge through it), among pairs not defective themselves; with no such
// pair, by the mean of the usable same-colour pixels at distance 2, else 4.
// With kShared (when there is anything to repair) the frame gets a copy of
// its own first: the caller's buffer, which it may view or share, is never
// written. kOwned: nobody else holds the frame's samples (the session read
// or copied them itself), so they are repaired in place, with no copy.
enum class Samples { kShared, kOwned };
void repair_listed_defects(RawFrame* frame, Samples samples = Samples::kShared);
// The same for the listed defects and `found` (indices, ascending) together.
void repair_defects(RawFrame* frame, const std::vector<int64_t>& found, Samples samples = Samples::kShared);

// Defects of `reference` nobody listed (indices, ascending), from the
// alternates held with it (`alternates[i]` aligned to it by `fields[i]`);
// `noise`: the reference's profile, in normalised units. Listed defects
// should be repaired first: they are not looked for again. `exposure_ratios`
// (a bracket's): each alternate's exposure over the reference's, its samples
// divided by it; empty: all 1.
std::vector<int64_t> find_unlisted_defects(const RawFrame& reference, const std::vector<const RawFrame*>& alternates,
                                           const std::vector<const AlignmentField*>& fields,
                                           const NoiseProfile& noise,
                                           const std::vector<double>& exposure_ratios = {});

}  // namespace nb
