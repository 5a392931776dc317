// A frame's motion against the reference, summarised from its alignment
// field: for the report, and for capture planning's camera-motion meter.
#pragma once

#include "core/alignment_field.h"
#include "nightburst/pipeline.h"

namespace nb {

// Median displacement (sensor pixels), the RMS spread of the tiles around
// it, and the share of low-confidence tiles; merge fields left at defaults.
FrameMotion summarise_motion(const AlignmentField& field);

}  // namespace nb
