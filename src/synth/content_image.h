// Reading the picture `nightburst synth --content` makes a scene from.
#pragma once

#include <HalideBuffer.h>

#include <opencv2/core.hpp>
#include <string>

#include "nightburst/status.h"

namespace nb {

// A PNG (8 or 16 bits, gray, palette or RGB; alpha dropped) or a JPEG as RGB
// float in [0, 1], the stored values (sRGB-encoded), CV_32FC3 as R, G, B.
// libpng and libjpeg directly rather than OpenCV's image codecs, whose
// dozens of format libraries (GDAL, DICOM, OpenEXR) cost every start of the
// CLI about 100 ms of dynamic linking and static initialisation.
Status read_content_image(const std::string& path, cv::Mat* rgb);

// The picture at `path` scaled to cover width x height (the longer side
// cropped, centred), as SynthOptions::content wants it.
Status load_content_scene(const std::string& path, int width, int height, Halide::Runtime::Buffer<float, 3>* out);

}  // namespace nb
