// Exposure brackets (HDR+ with bracketing): frames whose exposure (time x
// gain) differs from the reference's are brought to the reference's scale
// before alignment and merge. The reference is the shortest exposure, so the
// merged result keeps its highlights; the longer frames, divided by their
// exposure ratio, carry less noise in the shadows and take a share of the
// merge in proportion (the ratio of the two frames' noise variances); where
// a longer frame is clipped it takes no share.
#pragma once

#include <cmath>

#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

// Largest ratio of two frames' exposures a burst may hold: 6 stops. A frame
// 64x longer than the reference is clipped wherever the reference is above
// 1/64 of its range, and in a 10-bit reference that is 16 ADU: beyond it the
// long frame adds little but risk (its alignment rests on the deepest shadows
// alone).
constexpr double kMaxExposureRatio = 64;
// Exposures within 1 % count as equal: cameras round exposure times (1/15 s
// is stored as 0.0667 or as 0.066).
constexpr double kEqualExposureTolerance = 0.01;
// A sample at or above this fraction of its frame's range (white - black) is
// taken as clipped: sensors turn nonlinear just below their white level.
constexpr double kClippedFraction = 0.97;

// Exposure time x gain (ISO when known, else 1); 0 when the frame does not
// give its exposure time.
double exposure_product(const RawMetadata& meta);

// `frame` against the burst's first frame: both give their exposure time or
// neither does, and their exposures are within kMaxExposureRatio of each
// other. The error names `frame`.
Status check_exposure_agrees(const RawFrame& first, const RawFrame& frame);

// alternate's exposure over reference's: 1 when either does not give it or
// they are within kEqualExposureTolerance.
double exposure_ratio(const RawMetadata& reference, const RawMetadata& alternate);

// How an alternate frame of another exposure enters alignment and merge.
struct ExposureScale {
  // The alternate's exposure over the reference's: its normalised samples
  // are divided by it to be in the reference's scale.
  double ratio = 1;
  // In the reference's scale, the level from which the alternate's samples
  // are clipped (kClippedFraction / ratio); infinite for an equal exposure.
  float clip_level = INFINITY;
  // The alternate's noise in the reference's scale.
  NoiseProfile noise;
  bool equal() const { return ratio == 1; }
};

// The alternate's scale against a reference with noise `reference_noise`.
// Its noise: its own NoiseProfile when it has one, else the reference's with
// the shot term divided by the exposure-time ratio t and the read term by t^2
// (read noise before the gain: in the reference's scale the gain cancels).
ExposureScale exposure_scale(const RawMetadata& reference, const NoiseProfile& reference_noise,
                             const RawMetadata& alternate);

}  // namespace nb
