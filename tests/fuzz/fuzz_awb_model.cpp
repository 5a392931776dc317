// libFuzzer target: the learned white balance's model-file parser. Anything
// it accepts must serialise back to the same bytes and give a finite estimate.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "stages/ffcc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nb::FfccModel model;
  if (!nb::parse_ffcc_model(data, size, "fuzz input", &model).ok()) return 0;
  const std::vector<uint8_t> bytes = nb::serialize_ffcc_model(model);
  if (bytes.size() != size || !std::equal(bytes.begin(), bytes.end(), data)) std::abort();
  nb::RgbThumbnail t;
  t.width = 4;
  t.height = 4;
  for (int i = 0; i < 16; ++i)
    t.rgb.insert(t.rgb.end(), {0.2f + 0.01f * i, 0.3f, 0.1f + 0.02f * i});
  t.unclipped.assign(16, 1);
  nb::RawMetadata meta;
  const nb::AwbEstimate e = nb::estimate_illuminant_ffcc(model, t, meta);
  for (float v : e.illuminant_rgb)
    if (!std::isfinite(v) || v <= 0) std::abort();
  return 0;
}
