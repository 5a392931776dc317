// Option values the CLI's `process` flags and the batch manifests' per-burst
// options share: one spelling of each, parsed in one place.
#pragma once

#include <map>
#include <string>

#include "common/parse_illuminant.h"
#include "nightburst/pipeline.h"

namespace nb::apps {

inline const std::map<std::string, Look>& look_names() {
  static const std::map<std::string, Look> names = {
      {"natural", Look::kNatural}, {"bright", Look::kBright}, {"night", Look::kNight}};
  return names;
}

// "learned", "grayworld", "asshot" or an illuminant "R,G,B" in camera RGB
// into options->awb (and manual_illuminant); false for anything else.
inline bool parse_awb(const std::string& text, ProcessOptions* options) {
  if (text == "learned") {
    options->awb = AwbMethod::kLearned;
  } else if (text == "grayworld") {
    options->awb = AwbMethod::kGrayWorld;
  } else if (text == "asshot") {
    options->awb = AwbMethod::kAsShot;
  } else if (parse_illuminant(text, &options->manual_illuminant)) {
    options->awb = AwbMethod::kManual;
  } else {
    return false;
  }
  return true;
}

}  // namespace nb::apps
