// Night light spectra from emission physics; see night_lights.h for the sources.
#include "night_lights.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace nb::awb {
namespace {

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
double kelvin_uniform_in_mired(std::mt19937_64& rng, double lo, double hi) {
  return 1e6 / uniform(rng, 1e6 / hi, 1e6 / lo);
}

// A Gaussian band of total power `power` centred at `nm` with full width at
// half maximum `fwhm_nm`, integrated over each 5 nm sample's interval (a
// line narrower than a sample lands in it whole, wherever it falls).
void add_band(Spectrum* s, double nm, double fwhm_nm, double power) {
  const double sigma = std::max(fwhm_nm, 0.1) / 2.3548;
  auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - nm) / (sigma * std::sqrt(2.0))); };
  for (int i = 0; i < kSamples; ++i) {
    const double centre = kFirstNm + i * kStepNm;
    (*s)(i) += power * (cdf(centre + 0.5 * kStepNm) - cdf(centre - 0.5 * kStepNm)) / kStepNm;
  }
}

// An emission spectrum: its lines and bands added to `base` (a flat
// continuum, or another lamp's spectrum).
struct Band {
  double nm, fwhm_nm, power;
};
Spectrum emission(std::initializer_list<Band> bands, const Spectrum& base) {
  Spectrum s = base;
  for (const Band& b : bands) add_band(&s, b.nm, b.fwhm_nm, b.power);
  return s;
}
Spectrum emission(std::initializer_list<Band> bands, double continuum = 0) {
  return emission(bands, Spectrum::Constant(continuum));
}

}  // namespace

std::string family_name(LightFamily family) {
  switch (family) {
    case LightFamily::kDaylight: return "daylight";
    case LightFamily::kIncandescent: return "incandescent";
    case LightFamily::kFluorescent: return "fluorescent";
    case LightFamily::kSodium: return "sodium";
    case LightFamily::kMercury: return "mercury / metal halide";
    case LightFamily::kLed: return "LED";
    case LightFamily::kMoonTwilight: return "moon / twilight";
    case LightFamily::kTwoLights: return "two lights";
  }
  return "?";
}

// The D doublet (589.0 and 589.6 nm) carries nearly all the visible power;
// the weak 568.8 / 615.4 nm doublets and the 498 nm line stay (a few %).
Spectrum low_pressure_sodium() {
  return emission({{589.0, 0.5, 0.67}, {589.6, 0.5, 0.33}, {568.5, 0.5, 0.02}, {615.7, 0.5, 0.015},
                   {498.2, 0.5, 0.004}});
}

// At high pressure the D lines broaden over 550-650 nm and reverse
// themselves (the cooler gas near the wall absorbs the line centre): two
// wings either side of 589 nm, the 568.8 / 615.4 nm doublets broadened,
// weaker sodium lines at 498 and 515 nm, the amalgam's mercury at 436 and
// 546 nm, and a faint continuum. Typical lamps: about 2000-2100 K, x 0.52, y 0.41.
Spectrum high_pressure_sodium() {
  return emission({{582.0, 16, 1.0}, {598.0, 18, 0.9}, {590.0, 70, 0.6}, {568.8, 5, 0.25}, {615.4, 6, 0.2},
                   {498.3, 3, 0.06}, {515.3, 3, 0.04}, {466.5, 3, 0.02}, {435.8, 1, 0.02}, {546.1, 1, 0.03}},
                  0.002);
}

// Mercury's visible lines with a faint continuum: a clear lamp is bluish
// green and lacks red; "deluxe" lamps add the europium-vanadate phosphor's
// red line near 619 nm (and its weaker 594 / 700 nm lines).
Spectrum mercury_vapour(bool deluxe) {
  const Spectrum mercury =
      emission({{404.7, 1, 0.35}, {435.8, 1, 0.8}, {546.1, 1, 1.0}, {577.0, 1, 0.45}, {579.1, 1, 0.45}}, 0.003);
  return deluxe ? emission({{619.0, 4, 1.1}, {594.0, 4, 0.15}, {698.0, 6, 0.12}}, mercury) : mercury;
}

// Mercury plus the halide additives of a sodium-scandium lamp: sodium's
// broadened D line (589 nm), thallium (535 nm), indium (451 nm), lithium
// (671 nm) and scandium's dense line spectrum, taken as a continuum.
// Typical lamps: about 4000-4300 K, a little above the locus.
Spectrum metal_halide() {
  // The last band: scandium's lines, as a continuum.
  return emission({{589.3, 16, 1.1}, {535.0, 2, 0.35}, {451.1, 2, 0.3}, {670.8, 2, 0.2}, {580.0, 240, 2.2}},
                  mercury_vapour(false) * 0.25);
}

// InGaN pump (FWHM 20 nm), Ce:YAG phosphor (peak 555 nm, FWHM 115 nm) and
// a nitride red phosphor (630 nm, FWHM 90 nm), as white LEDs are made: the
// yellow-green phosphor alone sits above the Planckian locus, the red one
// brings it down. The red share is solved (bisection) for Duv 0 and, inside,
// the pump's share for the CCT, so the light is on the locus at `kelvin`.
Spectrum white_led(const SpectralData& data, double kelvin, double pump_nm) {
  const Spectrum pump = emission({{pump_nm, 20, 1.0}}), yellow = emission({{555, 115, 1.0}}),
                 red = emission({{630, 90, 1.0}});
  auto with_cct = [&](double red_share) {
    const Spectrum phosphor = (1 - red_share) * yellow + red_share * red;
    double lo = 0.0, hi = 0.8;  // more pump, higher CCT
    for (int i = 0; i < 50; ++i) {
      const double mid = 0.5 * (lo + hi);
      (correlated_colour_temperature(data, mid * pump + (1 - mid) * phosphor) < kelvin ? lo : hi) = mid;
    }
    const double share = 0.5 * (lo + hi);
    return Spectrum(share * pump + (1 - share) * phosphor);
  };
  double lo = 0.0, hi = 0.95;  // more red, lower Duv
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    (planckian_offset(data, with_cct(mid)) > 0 ? lo : hi) = mid;
  }
  return with_cct(0.5 * (lo + hi));
}

// Decorative RGB LEDs: InGaN blue (465 nm) and green (525 nm), AlInGaP red (625 nm).
Spectrum rgb_led(double red, double green, double blue) {
  return emission({{465, 20, blue}, {525, 32, green}, {625, 18, red}});
}

// Sunlight at the ground (daylight at 5500 K) times the Moon's albedo, which
// rises about linearly with wavelength, some 2.5x from 400 to 750 nm (the
// lunar reflectance spectra of ROLO and Apollo samples): moonlight is redder
// than sunlight, about 4100 K. A moonlit scene is lit as a sunlit one is,
// by the Moon and by the sky it lights (the same Rayleigh scattering of the
// same light), so its light ranges as daylight's does, each daylight made
// redder by the albedo.
Spectrum moonlight(const SpectralData& data, double daylight_kelvin) {
  Spectrum s = daylight(data, daylight_kelvin);
  for (int i = 0; i < kSamples; ++i) {
    const double nm = kFirstNm + i * kStepNm;
    s(i) *= 0.05 + 0.075 * (nm - 400) / 350;
  }
  return s;
}

// Blue-hour skylight: high-CCT daylight whose long path through the ozone
// layer loses light in the Chappuis band (broad, peaking near 600 nm): a
// blue to violet light.
Spectrum twilight(const SpectralData& data, double kelvin, double ozone) {
  Spectrum s = daylight(data, kelvin);
  for (int i = 0; i < kSamples; ++i) {
    const double nm = kFirstNm + i * kStepNm;
    const double band = std::exp(-0.5 * std::pow((nm - 602) / 47.0, 2));
    s(i) *= std::exp(-ozone * band);
  }
  return s;
}

Eigen::Vector2d chromaticity(const SpectralData& data, const Spectrum& power) {
  const Eigen::Vector3d xyz = xyz_of(data, power);
  return xyz.head<2>() / xyz.sum();
}

double correlated_colour_temperature(const SpectralData& data, const Spectrum& power) {
  const Eigen::Vector2d xy = chromaticity(data, power);
  const double n = (xy(0) - 0.3320) / (0.1858 - xy(1));
  return 449 * n * n * n + 3525 * n * n + 6823.3 * n + 5520.33;
}

double planckian_offset(const SpectralData& data, const Spectrum& power) {
  auto uv = [&](const Spectrum& p) {
    const Eigen::Vector3d xyz = xyz_of(data, p);
    const double d = xyz(0) + 15 * xyz(1) + 3 * xyz(2);
    return Eigen::Vector2d(4 * xyz(0) / d, 6 * xyz(1) / d);
  };
  const Eigen::Vector2d light = uv(power), locus = uv(blackbody(correlated_colour_temperature(data, power)));
  return (light(1) > locus(1) ? 1 : -1) * (light - locus).norm();
}

IlluminanceRange illuminance_range(const std::string& name) {
  const size_t plus = name.find('+');
  if (plus != std::string::npos) {
    const IlluminanceRange a = illuminance_range(name.substr(0, plus)), b = illuminance_range(name.substr(plus + 1));
    return {std::min(a.low_lux, b.low_lux), std::max(a.high_lux, b.high_lux)};
  }
  auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  auto kelvin_after = [&](const char* prefix) { return std::atof(name.c_str() + std::strlen(prefix)); };
  // Daylight: a room lit through its window (about 200 lux) to full sun
  // (about 100 000 lux); dusk's dimmer skies are the twilight's.
  const IlluminanceRange daylight_range{200, 100000};
  // Lamps: from a dark scene lit by one far lamp (its mean as low as
  // moonlight's) to bright task lighting (EN 12464-1 asks 300-1000 lux of
  // offices and workshops).
  const IlluminanceRange incandescent_range{0.005, 1000};
  if (starts("daylight-") || starts("CIE-D") || name == "CIE-B" || name == "CIE-C" || name == "CIE-E")
    return daylight_range;
  if (starts("blackbody-")) {
    const double kelvin = kelvin_after("blackbody-");
    if (kelvin < 3500) return incandescent_range;  // filament lamps, candles
    if (kelvin >= 4500) return daylight_range;     // the sun's
    return {incandescent_range.low_lux, daylight_range.high_lux};
  }
  if (name == "CIE-A" || name == "ISO7589-tungsten") return incandescent_range;
  if (starts("CIE-F")) return {0.005, 2000};  // a lit doorway at night to offices and shops
  // Street lighting: EN 13201 classes ask 2-50 lux on the road; a night
  // scene's mean, with its unlit parts and the lamps far away, is far lower.
  if (starts("low-pressure-sodium") || starts("high-pressure-sodium")) return {0.005, 50};
  if (starts("mercury") || starts("metal-halide")) return {0.005, 500};  // roads to floodlit squares
  if (starts("white-led") || starts("rgb-led")) return {0.005, 2000};    // street, shop and home
  // Moonlight: about 0.1-0.3 lux from a full moon high in a clear sky.
  if (starts("moonlight")) return {0.005, 0.3};
  // The sky after sunset: about 400 lux at sunset, 3 at the end of civil
  // twilight and about 0.01 at the end of nautical twilight, its light
  // still the blue of the ozone-filtered sky; a dark scene may be lit so.
  if (starts("twilight")) return {0.005, 400};
  return {0.005, 100000};  // unknown: anywhere
}

Illuminant random_light(const SpectralData& data, LightFamily family, std::mt19937_64& rng) {
  auto measured = [&](const std::string& name) {
    for (const Illuminant& m : data.measured)
      if (m.name == name) return m;
    return Illuminant{name + " (missing)", blackbody(3000)};
  };
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  switch (family) {
    case LightFamily::kDaylight: {
      const int k = pick(3);
      if (k == 0) {
        const double kelvin = kelvin_uniform_in_mired(rng, 4000, 25000);
        return {"daylight-" + std::to_string(int(kelvin)), daylight(data, kelvin)};
      }
      if (k == 1) {
        static const char* kSeries[] = {"CIE-D50", "CIE-D55", "CIE-D65", "CIE-D93", "CIE-B", "CIE-C"};
        return measured(kSeries[pick(6)]);
      }
      const double kelvin = kelvin_uniform_in_mired(rng, 4500, 7000);
      return {"blackbody-" + std::to_string(int(kelvin)), blackbody(kelvin)};
    }
    case LightFamily::kIncandescent: {
      const int k = pick(4);
      if (k == 0) return measured("CIE-A");
      if (k == 1) return measured("ISO7589-tungsten");
      const double kelvin = k == 2 ? uniform(rng, 2800, 3400)  // halogen
                                   : kelvin_uniform_in_mired(rng, 2000, 3000);  // tungsten, candles' end
      return {"blackbody-" + std::to_string(int(kelvin)), blackbody(kelvin)};
    }
    case LightFamily::kFluorescent:
      return measured("CIE-F" + std::to_string(1 + pick(12)));
    case LightFamily::kSodium:
      return pick(3) == 0 ? Illuminant{"low-pressure-sodium", low_pressure_sodium()}
                          : Illuminant{"high-pressure-sodium", high_pressure_sodium()};
    case LightFamily::kMercury: {
      const int k = pick(3);
      if (k == 0) return {"mercury-clear", mercury_vapour(false)};
      if (k == 1) return {"mercury-deluxe", mercury_vapour(true)};
      return {"metal-halide", metal_halide()};
    }
    case LightFamily::kLed: {
      if (pick(4) == 0) {
        const double r = uniform(rng, 0.2, 1), g = uniform(rng, 0.2, 1), b = uniform(rng, 0.2, 1);
        return {"rgb-led", rgb_led(r, g, b)};
      }
      const double kelvin = kelvin_uniform_in_mired(rng, 2700, 6500);
      return {"white-led-" + std::to_string(int(kelvin)), white_led(data, kelvin, uniform(rng, 445, 460))};
    }
    case LightFamily::kMoonTwilight:
      if (pick(2) == 0) {
        // The Moon low to high, then its sky in shade (daylight's own range
        // is 4000-25000 K; a scene in the moonlit sky's shade alone is dark
        // beyond a handheld burst's reach).
        const double kelvin = kelvin_uniform_in_mired(rng, 4000, 12000);
        return {"moonlight-" + std::to_string(int(kelvin)), moonlight(data, kelvin)};
      }
      return {"twilight", twilight(data, kelvin_uniform_in_mired(rng, 10000, 25000), uniform(rng, 0.2, 1.0))};
    case LightFamily::kTwoLights: {
      static const LightFamily kSingle[] = {LightFamily::kDaylight, LightFamily::kIncandescent,
                                            LightFamily::kFluorescent, LightFamily::kSodium,
                                            LightFamily::kMercury, LightFamily::kLed, LightFamily::kMoonTwilight};
      return random_light(data, kSingle[pick(7)], rng);
    }
  }
  return {"?", blackbody(5000)};
}

}  // namespace nb::awb
