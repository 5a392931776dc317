// The CLI's one hand-written option parser: "--awb R,G,B", an illuminant in
// camera RGB. Header-only so the fuzz target (tests/fuzz) drives the same code.
#pragma once

#include <array>
#include <cmath>
#include <sstream>
#include <string>

namespace nb::apps {

// True when `text` is exactly three positive finite numbers separated by commas.
inline bool parse_illuminant(const std::string& text, std::array<float, 3>* rgb) {
  std::stringstream ss(text);
  char c1 = 0, c2 = 0;
  ss >> (*rgb)[0] >> c1 >> (*rgb)[1] >> c2 >> (*rgb)[2];
  if (!ss || c1 != ',' || c2 != ',' || ss.peek() != EOF) return false;
  for (float v : *rgb)
    if (!std::isfinite(v) || !(v > 0)) return false;
  return true;
}

}  // namespace nb::apps
