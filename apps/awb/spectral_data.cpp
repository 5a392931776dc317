// Loading and deriving spectra for white-balance training.
#include "spectral_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nb::awb {
namespace {

namespace fs = std::filesystem;

// Linear interpolation of (nm, value) samples onto the training grid; values
// outside the measured range repeat the nearest measured one.
Spectrum resample(const std::vector<double>& nm, const std::vector<double>& value) {
  Spectrum s;
  for (int i = 0; i < kSamples; ++i) {
    const double w = kFirstNm + i * kStepNm;
    auto hi = std::lower_bound(nm.begin(), nm.end(), w);
    if (hi == nm.begin()) {
      s(i) = value.front();
    } else if (hi == nm.end()) {
      s(i) = value.back();
    } else {
      const size_t k = size_t(hi - nm.begin());
      const double t = (w - nm[k - 1]) / (nm[k] - nm[k - 1]);
      s(i) = value[k - 1] + t * (value[k] - value[k - 1]);
    }
  }
  return s;
}

// rawtoaces-data JSON: spectral_data.data.main["<nm>"] = [one value per channel].
Status read_rawtoaces_json(const fs::path& path, std::vector<Spectrum>* channels) {
  std::ifstream in(path);
  if (!in) return io_error(path.string() + ": cannot open");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return bad_input(path.string() + ": not valid JSON");
  const nlohmann::json* main = nullptr;
  try {
    main = &j.at("spectral_data").at("data").at("main");
  } catch (const nlohmann::json::exception&) {
    return bad_input(path.string() + ": no spectral_data.data.main");
  }
  std::map<double, std::vector<double>> samples;
  for (auto it = main->begin(); it != main->end(); ++it) {
    if (!it.value().is_array())
      return bad_input(path.string() + ": sample " + it.key() + " is not an array");
    samples[std::stod(it.key())] = it.value().get<std::vector<double>>();
  }
  if (samples.size() < 2) return bad_input(path.string() + ": fewer than two wavelengths");
  const size_t n = samples.begin()->second.size();
  std::vector<double> nm;
  std::vector<std::vector<double>> values(n);
  for (const auto& [w, v] : samples) {
    if (v.size() != n)
      return bad_input(path.string() + ": channel count changes at " + std::to_string(w) + " nm");
    nm.push_back(w);
    for (size_t c = 0; c < n; ++c) values[c].push_back(v[c]);
  }
  channels->clear();
  for (const auto& v : values) channels->push_back(resample(nm, v));
  return Status();
}

// colord / CGATS .sp: SPECTRAL_START_NM, SPECTRAL_END_NM, SPECTRAL_BANDS, values between BEGIN_DATA
// and END_DATA.
Status read_colord_sp(const fs::path& path, Spectrum* spectrum) {
  std::ifstream in(path);
  if (!in) return io_error(path.string() + ": cannot open");
  double start = 0, end = 0;
  int bands = 0;
  std::vector<double> values;
  std::string line;
  bool in_data = false;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "SPECTRAL_START_NM")
      words >> start;
    else if (key == "SPECTRAL_END_NM")
      words >> end;
    else if (key == "SPECTRAL_BANDS")
      words >> bands;
    else if (key == "BEGIN_DATA")
      in_data = true;
    else if (key == "END_DATA")
      in_data = false;
    else if (in_data) {
      std::istringstream all(line);
      for (double v; all >> v;) values.push_back(v);
    }
  }
  if (bands < 2 || int(values.size()) != bands || !(end > start))
    return bad_input(path.string() + ": expected " + std::to_string(bands) +
                     " spectral values, found " + std::to_string(values.size()));
  std::vector<double> nm(bands);
  for (int i = 0; i < bands; ++i) nm[i] = start + (end - start) * i / (bands - 1);
  *spectrum = resample(nm, values);
  return Status();
}

// CIE daylight chromaticity and the weights of the S1, S2 basis (CIE 15).
void daylight_weights(double kelvin, double* m1, double* m2) {
  const double t = std::clamp(kelvin, 4000.0, 25000.0), t2 = t * t, t3 = t2 * t;
  const double x = t <= 7000 ? -4.6070e9 / t3 + 2.9678e6 / t2 + 0.09911e3 / t + 0.244063
                             : -2.0064e9 / t3 + 1.9018e6 / t2 + 0.24748e3 / t + 0.237040;
  const double y = -3.000 * x * x + 2.870 * x - 0.275;
  const double m = 0.0241 + 0.2562 * x - 0.7341 * y;
  *m1 = (-1.3515 - 1.7703 * x + 5.9114 * y) / m;
  *m2 = (0.0300 - 31.4424 * x + 30.0717 * y) / m;
}

// The D series is defined at 1.4388/1.4380 times its nominal temperature
// (the revised second radiation constant).
constexpr double kDaylightTemperatureScale = 1.4388 / 1.4380;

}  // namespace

Status load_spectral_data(const std::string& directory, const std::string& illuminant_directory,
                          SpectralData* data) {
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::is_directory(dir / "camera", ec))
    return io_error(directory + ": no camera/ folder of spectral sensitivities");
  std::vector<fs::path> camera_files;
  for (const auto& entry : fs::directory_iterator(dir / "camera", ec))
    if (entry.path().extension() == ".json") camera_files.push_back(entry.path());
  std::sort(camera_files.begin(), camera_files.end());
  data->cameras.clear();
  for (const fs::path& f : camera_files) {
    std::vector<Spectrum> rgb;
    NB_RETURN_IF_ERROR(read_rawtoaces_json(f, &rgb));
    if (rgb.size() != 3) return bad_input(f.string() + ": expected R, G, B sensitivities");
    Camera cam;
    cam.name = f.stem().string();
    const std::string suffix = "_380_780_5";
    if (cam.name.size() > suffix.size() &&
        cam.name.compare(cam.name.size() - suffix.size(), suffix.size(), suffix) == 0)
      cam.name.resize(cam.name.size() - suffix.size());
    for (int c = 0; c < 3; ++c) cam.sensitivity[c] = rgb[c];
    data->cameras.push_back(cam);
  }
  if (data->cameras.empty()) return bad_input(directory + "/camera: no camera files");

  NB_RETURN_IF_ERROR(read_rawtoaces_json(dir / "training_spectral.json", &data->reflectances));
  std::vector<Spectrum> cmf;
  NB_RETURN_IF_ERROR(read_rawtoaces_json(dir / "cmf_1931.json", &cmf));
  if (cmf.size() != 3) return bad_input(directory + "/cmf_1931.json: expected X, Y, Z");
  for (int c = 0; c < 3; ++c) data->cmf[c] = cmf[c];

  data->measured.clear();
  std::vector<Spectrum> tungsten;
  NB_RETURN_IF_ERROR(read_rawtoaces_json(dir / "iso7589_stutung_380_780_5.json", &tungsten));
  data->measured.push_back({"ISO7589-tungsten", tungsten.at(0)});
  std::vector<fs::path> sp_files;
  for (const auto& entry : fs::directory_iterator(illuminant_directory, ec))
    if (entry.path().extension() == ".sp") sp_files.push_back(entry.path());
  if (sp_files.empty())
    return io_error(illuminant_directory +
                    ": no illuminant .sp files (install Debian's colord-data)");
  std::sort(sp_files.begin(), sp_files.end());
  std::map<std::string, Spectrum> by_name;
  for (const fs::path& f : sp_files) {
    Illuminant ill;
    ill.name = f.stem().string();
    NB_RETURN_IF_ERROR(read_colord_sp(f, &ill.power));
    by_name[ill.name] = ill.power;
    data->measured.push_back(ill);
  }

  // S0, S1, S2 by least squares from the D illuminants colord ships: each is
  // S0 + M1 S1 + M2 S2 with M1, M2 known from its temperature.
  const std::pair<const char*, double> d_series[] = {
      {"CIE-D50", 5000}, {"CIE-D55", 5500}, {"CIE-D65", 6500}};
  Eigen::Matrix3d weights;
  Eigen::Matrix<double, 3, kSamples> spectra;
  for (int i = 0; i < 3; ++i) {
    auto it = by_name.find(d_series[i].first);
    if (it == by_name.end())
      return io_error(illuminant_directory + ": missing " + d_series[i].first + ".sp");
    double m1, m2;
    daylight_weights(d_series[i].second * kDaylightTemperatureScale, &m1, &m2);
    weights.row(i) << 1.0, m1, m2;
    spectra.row(i) = it->second.transpose();
  }
  const Eigen::Matrix<double, 3, kSamples> basis = weights.fullPivLu().solve(spectra);
  for (int k = 0; k < 3; ++k) data->daylight_basis[k] = basis.row(k).transpose();
  return Status();
}

Spectrum blackbody(double kelvin) {
  constexpr double c2 = 1.4388e-2;  // m K
  auto planck = [&](double nm) {
    const double l = nm * 1e-9;
    return 1.0 / (std::pow(l, 5) * (std::exp(c2 / (l * kelvin)) - 1.0));
  };
  Spectrum s;
  for (int i = 0; i < kSamples; ++i) s(i) = planck(kFirstNm + i * kStepNm);
  return s / planck(560);
}

Spectrum daylight(const SpectralData& data, double kelvin) {
  double m1, m2;
  daylight_weights(kelvin, &m1, &m2);
  Spectrum s = data.daylight_basis[0] + m1 * data.daylight_basis[1] + m2 * data.daylight_basis[2];
  return s.cwiseMax(0.0);
}

Eigen::Vector3d xyz_of(const SpectralData& data, const Spectrum& stimulus) {
  return {data.cmf[0].dot(stimulus), data.cmf[1].dot(stimulus), data.cmf[2].dot(stimulus)};
}

Eigen::Vector3d camera_rgb(const Camera& camera, const Spectrum& stimulus) {
  return {camera.sensitivity[0].dot(stimulus), camera.sensitivity[1].dot(stimulus),
          camera.sensitivity[2].dot(stimulus)};
}

Eigen::Matrix3d fit_camera_from_xyz(const SpectralData& data, const Camera& camera) {
  return fit_camera_from_xyz_under(data, camera, daylight(data, 6500 * kDaylightTemperatureScale));
}

Eigen::Matrix3d fit_camera_from_xyz_under(const SpectralData& data, const Camera& camera, const Spectrum& light) {
  const int n = int(data.reflectances.size());
  Eigen::MatrixXd xyz(n, 3), rgb(n, 3);
  for (int i = 0; i < n; ++i) {
    const Spectrum stimulus = light.cwiseProduct(data.reflectances[i]);
    xyz.row(i) = xyz_of(data, stimulus).transpose();
    rgb.row(i) = camera_rgb(camera, stimulus).transpose();
  }
  // rgb = xyz * M^T in the least-squares sense.
  Eigen::Matrix3d m = xyz.colPivHouseholderQr().solve(rgb).transpose();
  const Eigen::Vector3d white = m * xyz_of(data, light);
  return m / white(1);
}

}  // namespace nb::awb
