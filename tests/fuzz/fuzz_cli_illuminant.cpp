// libFuzzer target: the CLI's "--awb R,G,B" parser. Whatever it accepts must
// be three positive finite numbers, which the pipeline divides by.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/parse_illuminant.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::array<float, 3> rgb{};
  if (!nb::apps::parse_illuminant(std::string(reinterpret_cast<const char*>(data), size), &rgb))
    return 0;
  for (float v : rgb)
    if (!std::isfinite(v) || !(v > 0)) std::abort();
  return 0;
}
