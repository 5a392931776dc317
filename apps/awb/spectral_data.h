// The spectral data white-balance training renders from: camera
// sensitivities, surface reflectances, CIE 1931 colour-matching functions
// (../shared/data/spectral, rawtoaces-data JSON), illuminant spectra (colord's
// CIE .sp files, ISO 7589 studio tungsten) and the blackbody and CIE daylight
// formulas. Every spectrum is sampled at 380..780 nm in 5 nm steps.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "nightburst/status.h"

namespace nb::awb {

constexpr int kFirstNm = 380, kLastNm = 780, kStepNm = 5;
constexpr int kSamples = (kLastNm - kFirstNm) / kStepNm + 1;
using Spectrum = Eigen::Matrix<double, kSamples, 1>;

struct Camera {
  std::string name;
  Spectrum sensitivity[3];  // R, G, B
};

struct Illuminant {
  std::string name;
  Spectrum power;
};

struct SpectralData {
  std::vector<Camera> cameras;  // sorted by name
  std::vector<Spectrum> reflectances;
  Spectrum cmf[3];                   // x-bar, y-bar, z-bar
  std::vector<Illuminant> measured;  // colord's CIE set and ISO 7589 tungsten
  Spectrum daylight_basis[3];        // CIE S0, S1, S2, fitted from colord's D series
};

// Reads `directory` (the spectral folder) and `illuminant_directory` (colord's).
Status load_spectral_data(const std::string& directory, const std::string& illuminant_directory,
                          SpectralData* data);

// Planck's law at `kelvin`, normalised to 1 at 560 nm.
Spectrum blackbody(double kelvin);
// CIE daylight at correlated colour temperature `kelvin` (4000..25000).
Spectrum daylight(const SpectralData& data, double kelvin);

// CIE XYZ of a spectrum (power x reflectance), unnormalised.
Eigen::Vector3d xyz_of(const SpectralData& data, const Spectrum& stimulus);
// Camera RGB of a stimulus.
Eigen::Vector3d camera_rgb(const Camera& camera, const Spectrum& stimulus);

// camera_from_xyz by least squares over the reflectances under D65, as a
// DNG ColorMatrix would give it; scaled so D65 white has G = 1.
Eigen::Matrix3d fit_camera_from_xyz(const SpectralData& data, const Camera& camera);
// The same fit under `light`, scaled so its white has G = 1.
Eigen::Matrix3d fit_camera_from_xyz_under(const SpectralData& data, const Camera& camera, const Spectrum& light);

}  // namespace nb::awb
