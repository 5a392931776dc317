// libFuzzer target: reading one raw file (LibRaw, then libtiff for the DNG
// noise profile, then nightburst's metadata checks). The input is written to
// a file because that is the path users' files take.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "nightburst/io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/nightburst_fuzz_" + std::to_string(getpid()) + ".dng";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  nb::RawFrame frame;
  nb::Status s = nb::read_raw_frame(path, &frame);
  // An accepted frame must be self-consistent.
  if (s.ok() &&
      (frame.mosaic.width() != frame.meta.width || frame.mosaic.height() != frame.meta.height))
    __builtin_trap();
  return 0;
}
