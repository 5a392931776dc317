// Defective pixels the camera lists (RawMetadata::defects: DNG
// FixBadPixelsList / FixBadPixelsConstant, camera2's hot-pixel map),
// replaced in each frame before alignment and merge, so that none leaves a
// trail through the merge (a hot pixel is fixed to the sensor; aligned, it
// lands on a different part of the scene in every frame).
#pragma once

#include <cstdint>
#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

// Indices (y * width + x), ascending, of `frame`'s listed defects: points,
// rectangles, and samples equal to the list's constant.
std::vector<int64_t> listed_defects(const RawFrame& frame);

// Replaces each listed defect by the mean of the pair of same-colour pixels
// across it that differ least (along its row, its column, a diagonal at
// distance 2, or, for greens, the diagonal neighbours: the direction of an
// edge through it), among pairs not defective themselves; with no such
// pair, by the mean of the usable same-colour pixels at distance 2, else 4.
// A frame viewing memory it does not own gets a copy of its own first: the
// caller's buffer is never written.
void repair_listed_defects(RawFrame* frame);

}  // namespace nb
