// Lens shading: the burst's gain maps (RawMetadata::gain_maps: DNG GainMap
// opcodes, or camera2's lens-shading map) applied to the merged result,
// before white balance and finishing.
//
// Why after the merge: the vignette is fixed to the sensor and the frames
// share it, so alignment and merge see the same smooth falloff in every
// frame, and the merge's noise model (signal-dependent, per CFA position)
// holds as it is for the unshaded samples. Applied first, a corner's noise
// would be its gain (up to 4x) times larger than the model says, and the
// merge would under-denoise exactly there (measured in docs/pipeline.md).
#pragma once

#include <HalideBuffer.h>

#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

// Multiplies the normalised mosaic, in place, by each map in turn (the DNG
// SDK's interpolation; OpcodeList3 maps by the colour of each pixel).
void apply_gain_maps(const std::vector<GainMap>& maps, CfaPattern cfa, Halide::Runtime::Buffer<float, 2>* mosaic);
// The same into a new buffer, `mosaic` left as it is.
Halide::Runtime::Buffer<float, 2> with_gain_maps(const std::vector<GainMap>& maps, CfaPattern cfa,
                                                 const Halide::Runtime::Buffer<float, 2>& mosaic);

// The same on Super Res Zoom's camera RGB, a grid superres_extent() of the
// sensor's `sensor_width` x `sensor_height`: each colour gets the mean of
// its CFA positions' gains (both greens' maps for G), evaluated every few
// pixels and interpolated (the maps are smooth).
void apply_gain_maps_rgb(const std::vector<GainMap>& maps, CfaPattern cfa, int sensor_width, int sensor_height,
                         Halide::Runtime::Buffer<float, 3>* rgb);

// The maps of a width x height frame for the same view at new_width x
// new_height (Super Res Zoom's merged mosaic): areas scaled, each map's CFA
// phase (an offset below its pitch) kept; grid positions are fractions of
// the frame and stay.
std::vector<GainMap> gain_maps_for_size(std::vector<GainMap> maps, int width, int height, int new_width,
                                        int new_height);

}  // namespace nb
