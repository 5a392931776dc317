// Reference frame choice: the sharpest of the first few frames, measured by
// gradient energy of the binned grayscale (HDR+, Hasinoff et al. 2016, sec. 4 "lucky imaging").
#pragma once

#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

// Mean squared gradient of the 2x2-binned grayscale, normalised by its mean
// level so that a brighter frame does not win just for being brighter.
double frame_sharpness(const RawFrame& frame);

// Index of the sharpest among the first `candidates` frames (ties: the
// earliest); in a bracket, among those of them with the shortest exposure.
int select_reference(const std::vector<RawFrame>& frames, int candidates = 3);

}  // namespace nb
