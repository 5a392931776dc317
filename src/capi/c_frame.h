// nb_raw_frame (the C API's frame) to and from RawFrame (the C++ pipeline's).
#pragma once

#include "nightburst/nightburst_c.h"
#include "nightburst/raw_frame.h"

namespace nb {

// The metadata fields of a C frame (mosaic, row stride and name left unset);
// make and model point into `meta`.
nb_raw_frame c_frame_metadata(const RawMetadata& meta);

// A C view of `frame`: the mosaic and strings point into it.
nb_raw_frame c_frame_view(const RawFrame& frame);

// A RawFrame viewing the caller's mosaic (borrowed, not copied), its metadata
// checked; errors name the frame (its name, or "frame INDEX").
Status raw_frame_view(const nb_raw_frame& frame, int index, RawFrame* out);

// Adds `extras` (NULL: none) to a frame made by raw_frame_view: sizes and
// values checked, errors naming the frame and the field.
Status add_frame_extras(const nb_frame_extras* extras, RawFrame* frame);

}  // namespace nb
