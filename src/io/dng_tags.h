// TIFF tags that DNG uses in IFD 0 but libtiff 4.5 does not know there:
// NoiseProfile (51041), ExposureTime (33434), ISOSpeedRatings (34855).
#pragma once

namespace nb {

constexpr unsigned kTagNoiseProfile = 51041;
constexpr unsigned kTagExposureTime = 33434;
constexpr unsigned kTagIsoSpeedRatings = 34855;

// Installs a libtiff tag extender for the tags above; safe to call repeatedly
// and from several threads (runs once).
void register_dng_tags();

}  // namespace nb
