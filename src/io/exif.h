// A minimal EXIF block (a big-endian TIFF structure: IFD 0 and the EXIF IFD)
// for the finished photo: camera, software, capture time, exposure, ISO,
// orientation 1 and the sRGB colour space. JPEG carries it in APP1 after
// "Exif\0\0", PNG in its eXIf chunk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nightburst/io.h"

typedef struct tiff TIFF;

namespace nb {

// For an image of width x height pixels (EXIF repeats the size), as a JPEG
// (YCbCr: its components and positioning are stated) or not.
std::vector<uint8_t> exif_block(const PhotoInfo& info, int width, int height, bool jpeg);

// "YYYY:MM:DD HH:MM:SS", EXIF's date format (the camera clock's reading, no
// zone), of a time in seconds since 1970 as LibRaw made it from one.
std::string exif_date(int64_t seconds);

// Writes an EXIF directory into `tif` (libtiff, before IFD 0: the caller
// then frees it and starts IFD 0, which points to `*offset`): exposure, ISO
// and DateTimeOriginal where known; with `photo`, also ExifVersion,
// FlashpixVersion and ColorSpace sRGB (a finished photo, not a raw).
// Errors name no file: the caller adds it.
Status write_exif_directory(TIFF* tif, const PhotoInfo& info, bool photo, uint64_t* offset);

}  // namespace nb
