// Exposure brackets: the frames' exposures, their ratios and the noise of a
// longer frame in the reference's scale.
#include "stages/exposure_bracket.h"

#include <cstdio>

namespace nb {

double exposure_product(const RawMetadata& meta) {
  return meta.exposure_s * (meta.iso > 0 ? meta.iso : 1.0);
}

namespace {

std::string describe_exposure(const RawMetadata& m) {
  char text[96];
  if (m.iso > 0) {
    std::snprintf(text, sizeof text, "%.6g s at ISO %.6g", m.exposure_s, m.iso);
  } else {
    std::snprintf(text, sizeof text, "%.6g s", m.exposure_s);
  }
  return text;
}

}  // namespace

Status check_exposure_agrees(const RawFrame& first, const RawFrame& frame) {
  const RawMetadata &a = first.meta, &b = frame.meta;
  if ((a.exposure_s > 0) != (b.exposure_s > 0)) {
    const RawFrame& missing = a.exposure_s > 0 ? frame : first;
    const RawFrame& given = a.exposure_s > 0 ? first : frame;
    return bad_input(missing.source + ": exposure time 0 (not given) while " + given.source + " gives " +
                     describe_exposure(given.meta) +
                     ": a bracket needs every frame's exposure, an equal-exposure burst none");
  }
  if ((a.iso > 0) != (b.iso > 0) && a.exposure_s > 0) {
    const RawFrame& missing = a.iso > 0 ? frame : first;
    const RawFrame& given = a.iso > 0 ? first : frame;
    return bad_input(missing.source + ": ISO 0 (not given) while " + given.source + " gives " +
                     describe_exposure(given.meta) + ": the frames' exposures cannot be compared");
  }
  const double pa = exposure_product(a), pb = exposure_product(b);
  if (pa > 0 && pb > 0 && std::max(pa / pb, pb / pa) > kMaxExposureRatio) {
    char why[200];
    std::snprintf(why, sizeof why,
                  ": exposure %s is %.3gx that of %s (%s); a bracket may span at most %.0fx (6 stops)",
                  describe_exposure(b).c_str(), pb / pa, first.source.c_str(), describe_exposure(a).c_str(),
                  kMaxExposureRatio);
    return bad_input(frame.source + why);
  }
  return Status();
}

double exposure_ratio(const RawMetadata& reference, const RawMetadata& alternate) {
  const double pr = exposure_product(reference), pa = exposure_product(alternate);
  if (!(pr > 0 && pa > 0)) return 1;
  const double ratio = pa / pr;
  return std::abs(ratio - 1) <= kEqualExposureTolerance ? 1 : ratio;
}

ExposureScale exposure_scale(const RawMetadata& reference, const NoiseProfile& reference_noise,
                             const RawMetadata& alternate) {
  ExposureScale s;
  s.ratio = exposure_ratio(reference, alternate);
  s.noise = reference_noise;
  if (s.equal()) return s;
  s.clip_level = float(kClippedFraction / s.ratio);
  if (alternate.noise.valid) {
    // Its own profile, in its own normalised units: a level x of the
    // reference's scale is x * ratio there.
    for (int i = 0; i < 4; ++i) {
      s.noise.scale[i] = alternate.noise.scale[i] / s.ratio;
      s.noise.offset[i] = alternate.noise.offset[i] / (s.ratio * s.ratio);
    }
  } else {
    const double time_ratio = reference.exposure_s > 0 && alternate.exposure_s > 0
                                  ? alternate.exposure_s / reference.exposure_s
                                  : s.ratio;
    for (int i = 0; i < 4; ++i) {
      s.noise.scale[i] = reference_noise.scale[i] / time_ratio;
      s.noise.offset[i] = reference_noise.offset[i] / (time_ratio * time_ratio);
    }
  }
  s.noise.valid = true;
  return s;
}

}  // namespace nb
