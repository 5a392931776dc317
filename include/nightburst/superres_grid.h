// The size of Super Res Zoom's output grid. Its own header because the
// Super Res stage computes it and the pipeline's users need it to know the
// size of what they get.
#pragma once

namespace nb {

// Pixels across the Super Res Zoom grid for `sensor_extent` sensor pixels at
// `scale`: the nearest even number, so the grid stays whole CFA tiles.
int superres_extent(int sensor_extent, double scale);

}  // namespace nb
