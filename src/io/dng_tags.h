// TIFF tags that DNG uses in IFD 0 but libtiff 4.5 does not know there:
// NoiseProfile (51041), and ExposureTime (33434), which nightburst writes in
// the EXIF IFD (libtiff's EXIFTAG_EXPOSURETIME) but older DNGs, and tests
// that damage a file, put in IFD 0; the forward matrices; the opcode lists.
#pragma once

namespace nb {

constexpr unsigned kTagNoiseProfile = 51041;
constexpr unsigned kTagExposureTime = 33434;
// ForwardMatrix1/2 (DNG 1.2): 9 signed rationals each.
constexpr unsigned kTagForwardMatrix[2] = {50964, 50965};
// OpcodeList1/2/3 (DNG 1.3): bytes, parsed by io/dng_opcodes.h.
constexpr unsigned kTagOpcodeList[3] = {51008, 51009, 51022};

// Installs a libtiff tag extender for the tags above; safe to call repeatedly
// and from several threads (runs once).
void register_dng_tags();

}  // namespace nb
