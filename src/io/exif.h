// A minimal EXIF block (a big-endian TIFF structure: IFD 0 and the EXIF IFD)
// for the finished photo: camera, software, capture time, exposure, ISO,
// orientation 1 and the sRGB colour space. JPEG carries it in APP1 after
// "Exif\0\0", PNG in its eXIf chunk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nightburst/io.h"

namespace nb {

// For an image of width x height pixels (EXIF repeats the size), as a JPEG
// (YCbCr: its components and positioning are stated) or not.
std::vector<uint8_t> exif_block(const PhotoInfo& info, int width, int height, bool jpeg);

// "YYYY:MM:DD HH:MM:SS", EXIF's date format (the camera clock's reading, no
// zone), of a time in seconds since 1970 as LibRaw made it from one.
std::string exif_date(int64_t seconds);

}  // namespace nb
