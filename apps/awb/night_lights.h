// The lights of night scenes, as spectra built from their emission physics
// (no measured lamp spectra are available offline), and the families the
// white balance is measured by.
//
// Sources of each model, in night_lights.cpp: the sodium D doublet (589.0 /
// 589.6 nm) and its pressure broadening and self-reversal in high-pressure
// lamps; mercury's visible lines (404.7, 435.8, 546.1, 577/579 nm) and the
// europium-vanadate red phosphor of "deluxe" lamps; metal-halide additives'
// resonance lines (Na 589, Tl 535, In 451 nm) over scandium's dense line
// spectrum; white LEDs as an InGaN blue pump and a Ce:YAG phosphor (plus a
// nitride red phosphor when warm), the phosphor share solved for the CCT;
// RGB LEDs' three emitters; moonlight as daylight reflected by the Moon's
// reddening albedo; blue-hour twilight as high-CCT skylight through ozone's
// Chappuis band.
#pragma once

#include <array>
#include <random>
#include <string>

#include "spectral_data.h"

namespace nb::awb {

enum class LightFamily {
  kDaylight,      // CIE daylight 4000-25000 K, D series, sun-like blackbodies
  kIncandescent,  // tungsten, halogen, CIE A, blackbody 2000-3500 K
  kFluorescent,   // CIE F1-F12
  kSodium,        // low- and high-pressure sodium
  kMercury,       // clear and deluxe mercury vapour, metal halide
  kLed,           // white LEDs 2700-6500 K, RGB LEDs
  kMoonTwilight,  // moonlight, blue-hour sky
  kTwoLights,     // two lights across the scene (one each side, blended)
};
constexpr std::array<LightFamily, 8> kAllFamilies = {
    LightFamily::kDaylight, LightFamily::kIncandescent, LightFamily::kFluorescent, LightFamily::kSodium,
    LightFamily::kMercury,  LightFamily::kLed,          LightFamily::kMoonTwilight, LightFamily::kTwoLights};
std::string family_name(LightFamily family);

Spectrum low_pressure_sodium();
Spectrum high_pressure_sodium();
Spectrum mercury_vapour(bool deluxe);
Spectrum metal_halide();
// A phosphor-converted white LED at `kelvin` (2700..6500) with its blue
// pump at `pump_nm` (445..460).
Spectrum white_led(const SpectralData& data, double kelvin, double pump_nm = 450);
Spectrum rgb_led(double red, double green, double blue);
// The Moon's light, or its sky's: daylight at `daylight_kelvin` (5500, the
// direct sun's, gives the Moon's own light) times the Moon's albedo.
Spectrum moonlight(const SpectralData& data, double daylight_kelvin = 5500);
// `ozone`: optical depth of the Chappuis band at its peak (0.2..1).
Spectrum twilight(const SpectralData& data, double kelvin, double ozone);

// CIE 1931 chromaticity and correlated colour temperature (McCamy's formula,
// good to about 2 K over 2000..12500 K near the Planckian locus).
Eigen::Vector2d chromaticity(const SpectralData& data, const Spectrum& power);
double correlated_colour_temperature(const SpectralData& data, const Spectrum& power);
// Duv: the signed distance in CIE 1960 (u, v) from the Planckian locus at the
// light's CCT, positive above it (toward green).
double planckian_offset(const SpectralData& data, const Spectrum& power);

// Where a light is found, as the illuminance (lux) of the scenes it lights;
// the scene's brightness is drawn log-uniformly between. Scenes lit by
// street and night lights include their dark surroundings, so their mean
// goes far below the lamps' rated illuminance. For a mixture ("a+b") the
// range spans both lights' ranges. The figures are in illuminance_range's comments.
struct IlluminanceRange {
  double low_lux, high_lux;
};
IlluminanceRange illuminance_range(const std::string& light_name);

// A random light of `family` (for kTwoLights: one of the others; the scene
// renderer takes two). Deterministic in `rng`.
Illuminant random_light(const SpectralData& data, LightFamily family, std::mt19937_64& rng);

}  // namespace nb::awb
