// Raw file reading with a choice of decoder, for the tests that check the
// direct path for uncompressed DNGs against LibRaw's.
#pragma once

#include <string>

#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

enum class RawDecoder {
  kFastest,  // uncompressed 16-bit DNGs read directly, anything else by LibRaw
  kLibRaw,   // LibRaw for every file
};

// read_raw_frame() (nightburst/io.h) is this with kFastest.
Status read_raw_frame(const std::string& path, RawFrame* frame, RawDecoder decoder);

}  // namespace nb
