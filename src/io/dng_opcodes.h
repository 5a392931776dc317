// DNG opcode lists (DNG 1.4 §6; tags OpcodeList1/2/3): GainMaps parsed into
// RawMetadata::gain_maps, every other opcode carried as it is, and the lists
// written back for the merged DNG. The format is big-endian throughout: a
// count, then per opcode its id, the DNG version it needs, flags, the
// parameters' byte count and the parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

constexpr uint32_t kOpcodeFixBadPixelsConstant = 4;
constexpr uint32_t kOpcodeFixBadPixelsList = 5;
constexpr uint32_t kOpcodeGainMap = 9;
constexpr uint32_t kOpcodeFlagOptional = 1;

// Parses the bytes of OpcodeList `list` (1, 2 or 3) of a meta->width x
// meta->height frame. GainMaps of lists 2 and 3 go to meta->gain_maps,
// checked against the frame: one that does not fit is an error naming the
// field, or, when the file marks it optional, left out with a warning in
// meta->warnings. FixBadPixelsList and FixBadPixelsConstant of list 1 go
// to meta->defects: list 1 addresses the image as stored, so its points are
// moved by (-left_margin, -top_margin) into the frame, and those that fall
// outside it (in masked margins) are dropped. Other opcodes go to
// meta->carried_opcodes (with a warning that nightburst's own rendering does
// not apply them). A list cut short is an error unless what is cut off is
// optional.
Status parse_opcode_list(const uint8_t* data, size_t size, int list, RawMetadata* meta, int left_margin = 0,
                         int top_margin = 0);

// OpcodeList `list` for a DNG of `meta`: list 1 its defects (as
// FixBadPixelsList and FixBadPixelsConstant), lists 2 and 3 their gain maps;
// then the carried opcodes of that list; empty when there are none.
std::vector<uint8_t> opcode_list_bytes(const RawMetadata& meta, int list);

}  // namespace nb
