// libFuzzer target: the DNG opcode-list parser (io/dng_opcodes.h) on any
// bytes, as list 1, 2 or 3 (the first byte chooses) of a 4000x3000 frame.
// Whatever it accepts must check out, and write back to a list that parses
// to the same maps and opcodes.
#include <cstdint>

#include "io/dng_opcodes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int list = 1 + data[0] % 3;
  nb::RawMetadata meta;
  meta.width = 4000;
  meta.height = 3000;
  if (!nb::parse_opcode_list(data + 1, size - 1, list, &meta).ok()) return 0;
  for (const nb::GainMap& m : meta.gain_maps)
    if (!nb::validate_gain_map(m, meta.width, meta.height).ok()) __builtin_trap();
  const std::vector<uint8_t> written = nb::opcode_list_bytes(meta, list);
  nb::RawMetadata again;
  again.width = meta.width;
  again.height = meta.height;
  if (written.empty()) {
    if (!meta.gain_maps.empty() || !meta.carried_opcodes.empty()) __builtin_trap();
    return 0;
  }
  if (!nb::parse_opcode_list(written.data(), written.size(), list, &again).ok()) __builtin_trap();
  if (again.gain_maps.size() != meta.gain_maps.size() || again.carried_opcodes.size() != meta.carried_opcodes.size())
    __builtin_trap();
  for (size_t i = 0; i < meta.gain_maps.size(); ++i)
    if (again.gain_maps[i].gains != meta.gain_maps[i].gains) __builtin_trap();
  return 0;
}
