#include "io/exif.h"

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace nb {
namespace {

enum ExifType : uint16_t { kAscii = 2, kShort = 3, kLong = 4, kRational = 5, kUndefined = 7 };

struct Entry {
  uint16_t tag;
  ExifType type;
  uint32_t count;
  std::vector<uint8_t> value;  // big-endian bytes
};

void put16(std::vector<uint8_t>* out, uint16_t v) { out->insert(out->end(), {uint8_t(v >> 8), uint8_t(v)}); }
void put32(std::vector<uint8_t>* out, uint32_t v) {
  out->insert(out->end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}

Entry ascii(uint16_t tag, const std::string& text) {
  std::vector<uint8_t> bytes(text.begin(), text.end());
  bytes.push_back(0);
  return {tag, kAscii, uint32_t(bytes.size()), bytes};
}
Entry short_value(uint16_t tag, uint16_t v) {
  std::vector<uint8_t> bytes;
  put16(&bytes, v);
  return {tag, kShort, 1, bytes};
}
Entry long_value(uint16_t tag, uint32_t v) {
  std::vector<uint8_t> bytes;
  put32(&bytes, v);
  return {tag, kLong, 1, bytes};
}
Entry rational(uint16_t tag, uint32_t numerator, uint32_t denominator) {
  std::vector<uint8_t> bytes;
  put32(&bytes, numerator);
  put32(&bytes, denominator);
  return {tag, kRational, 1, bytes};
}

// One IFD at `offset` in the block: its entries (sorted by tag, as TIFF
// requires), the next-IFD offset (0), then the values longer than 4 bytes.
std::vector<uint8_t> ifd(std::vector<Entry> entries, uint32_t offset) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
  std::vector<uint8_t> out, data;
  const uint32_t data_start = offset + 2 + 12 * uint32_t(entries.size()) + 4;
  put16(&out, uint16_t(entries.size()));
  for (const Entry& e : entries) {
    put16(&out, e.tag);
    put16(&out, e.type);
    put32(&out, e.count);
    if (e.value.size() <= 4) {
      std::vector<uint8_t> inline_value = e.value;
      inline_value.resize(4, 0);
      out.insert(out.end(), inline_value.begin(), inline_value.end());
    } else {
      put32(&out, data_start + uint32_t(data.size()));
      data.insert(data.end(), e.value.begin(), e.value.end());
      if (data.size() % 2) data.push_back(0);  // values start on word boundaries
    }
  }
  put32(&out, 0);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Exposure time as EXIF writes it: 1/N for N whole, else in microseconds.
Entry exposure_time(double seconds) {
  if (seconds < 1 && std::abs(1 / seconds - std::round(1 / seconds)) < 1e-3 * (1 / seconds))
    return rational(0x829A, 1, uint32_t(std::lround(1 / seconds)));
  return rational(0x829A, uint32_t(std::lround(seconds * 1e6)), 1000000);
}

}  // namespace

std::string exif_date(int64_t seconds) {
  const std::time_t t = std::time_t(seconds);
  std::tm parts{};
  // The inverse of how LibRaw read the camera's clock (mktime: local time),
  // so a date passes through unchanged on one machine.
  localtime_r(&t, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y:%m:%d %H:%M:%S", &parts);
  return text;
}

Status write_exif_directory(TIFF* tif, const PhotoInfo& info, bool photo, uint64_t* offset) {
  if (TIFFCreateEXIFDirectory(tif) != 0) return internal_error("libtiff cannot create an EXIF directory");
  if (photo) {
    TIFFSetField(tif, EXIFTAG_COLORSPACE, uint16_t(1));  // sRGB
    TIFFSetField(tif, EXIFTAG_EXIFVERSION, "0232");
    TIFFSetField(tif, EXIFTAG_FLASHPIXVERSION, "0100");
  }
  if (info.exposure_s > 0) TIFFSetField(tif, EXIFTAG_EXPOSURETIME, info.exposure_s);
  if (info.f_number > 0) TIFFSetField(tif, EXIFTAG_FNUMBER, info.f_number);
  if (info.iso > 0) {
    const uint16_t iso = uint16_t(std::clamp(std::lround(info.iso), 1L, 65535L));
    TIFFSetField(tif, EXIFTAG_ISOSPEEDRATINGS, 1, &iso);
  }
  const std::string date = info.capture_time > 0 ? exif_date(info.capture_time) : "";
  if (!date.empty()) TIFFSetField(tif, EXIFTAG_DATETIMEORIGINAL, date.c_str());
  if (!TIFFWriteCustomDirectory(tif, offset)) return io_error("cannot write the EXIF directory (disk full?)");
  // Its fields freed before IFD 0 begins (libtiff 4.5's TIFFCreateDirectory
  // alone leaks them).
  TIFFFreeDirectory(tif);
  TIFFCreateDirectory(tif);
  return Status();
}

std::vector<uint8_t> exif_block(const PhotoInfo& info, int width, int height, bool jpeg) {
  std::vector<Entry> exif_entries = {
      {0x9000, kUndefined, 4, {'0', '2', '3', '2'}},  // ExifVersion 2.32
      {0xA000, kUndefined, 4, {'0', '1', '0', '0'}},  // FlashpixVersion 1.0
      short_value(0xA001, 1),                           // ColorSpace: sRGB
      long_value(0xA002, uint32_t(width)),              // PixelXDimension
      long_value(0xA003, uint32_t(height)),             // PixelYDimension
  };
  if (jpeg) exif_entries.push_back({0x9101, kUndefined, 4, {1, 2, 3, 0}});  // ComponentsConfiguration: Y Cb Cr
  if (info.exposure_s > 0) exif_entries.push_back(exposure_time(info.exposure_s));
  if (info.f_number > 0)  // FNumber, in tenths
    exif_entries.push_back(rational(0x829D, uint32_t(std::lround(info.f_number * 10)), 10));
  if (info.iso > 0) exif_entries.push_back(short_value(0x8827, uint16_t(std::clamp(std::lround(info.iso), 1L, 65535L))));
  if (info.capture_time > 0) exif_entries.push_back(ascii(0x9003, exif_date(info.capture_time)));  // DateTimeOriginal

  std::vector<Entry> entries = {
      short_value(0x0112, 1),  // Orientation: the pixels are upright
      rational(0x011A, 72, 1),  // XResolution, YResolution, ResolutionUnit (inches): no print size intended
      rational(0x011B, 72, 1),
      short_value(0x0128, 2),
      ascii(0x0131, std::string("nightburst ") + NIGHTBURST_VERSION),
  };
  if (jpeg) entries.push_back(short_value(0x0213, 1));  // YCbCrPositioning: centred
  if (!info.make.empty()) entries.push_back(ascii(0x010F, info.make));
  if (!info.model.empty()) entries.push_back(ascii(0x0110, info.model));
  if (info.capture_time > 0) entries.push_back(ascii(0x0132, exif_date(info.capture_time)));  // DateTime
  // IFD 0 at 8, right after the header; the EXIF IFD right after IFD 0.
  entries.push_back(long_value(0x8769, 0));  // placeholder, the size of IFD 0 fixes it
  const uint32_t ifd0_size = uint32_t(ifd(entries, 8).size());
  entries.back() = long_value(0x8769, 8 + ifd0_size);
  std::vector<uint8_t> block = {'M', 'M', 0, 42, 0, 0, 0, 8};
  const std::vector<uint8_t> ifd0 = ifd(entries, 8), exif = ifd(exif_entries, 8 + ifd0_size);
  block.insert(block.end(), ifd0.begin(), ifd0.end());
  block.insert(block.end(), exif.begin(), exif.end());
  return block;
}

}  // namespace nb
