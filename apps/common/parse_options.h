// Option values the CLI's `process` flags and the batch manifests' per-burst
// options share: one spelling of each, parsed in one place into the C API's
// options, which both process through.
#pragma once

#include <array>
#include <map>
#include <string>

#include "common/parse_illuminant.h"
#include "nightburst/nightburst_c.h"

namespace nb::apps {

// Look names to NB_LOOK_*.
inline const std::map<std::string, int>& look_names() {
  static const std::map<std::string, int> names = {
      {"natural", NB_LOOK_NATURAL}, {"bright", NB_LOOK_BRIGHT}, {"night", NB_LOOK_NIGHT}};
  return names;
}

// "learned", "grayworld", "asshot" or an illuminant "R,G,B" in camera RGB
// into options->awb (and manual_illuminant); false for anything else.
inline bool parse_awb(const std::string& text, nb_options* options) {
  std::array<float, 3> illuminant{};
  if (text == "learned") {
    options->awb = NB_AWB_LEARNED;
  } else if (text == "grayworld") {
    options->awb = NB_AWB_GRAY_WORLD;
  } else if (text == "asshot") {
    options->awb = NB_AWB_AS_SHOT;
  } else if (parse_illuminant(text, &illuminant)) {
    options->awb = NB_AWB_MANUAL;
    for (int c = 0; c < 3; ++c) options->manual_illuminant[c] = illuminant[c];
  } else {
    return false;
  }
  return true;
}

}  // namespace nb::apps
