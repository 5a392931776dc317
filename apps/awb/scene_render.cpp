// Rendering random patch scenes from spectra.
#include "scene_render.h"

#include <algorithm>
#include <cmath>

namespace nb::awb {
namespace {

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
double log_uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::exp(uniform(rng, std::log(lo), std::log(hi)));
}
// A temperature drawn uniformly in mired (perceptually even steps).
double kelvin_uniform_in_mired(std::mt19937_64& rng, double lo, double hi) {
  return 1e6 / uniform(rng, 1e6 / hi, 1e6 / lo);
}

Illuminant single_illuminant(const SpectralData& data, std::mt19937_64& rng) {
  const double pick = uniform(rng, 0, 1);
  if (pick < 0.3) {
    const auto& m =
        data.measured[std::uniform_int_distribution<size_t>(0, data.measured.size() - 1)(rng)];
    return m;
  }
  if (pick < 0.65) {
    const double k = kelvin_uniform_in_mired(rng, 2000, 10000);
    return {"blackbody-" + std::to_string(int(k)), blackbody(k)};
  }
  const double k = kelvin_uniform_in_mired(rng, 4000, 25000);
  return {"daylight-" + std::to_string(int(k)), daylight(data, k)};
}

}  // namespace

Illuminant random_illuminant(const SpectralData& data, std::mt19937_64& rng) {
  if (uniform(rng, 0, 1) >= 0.2) return single_illuminant(data, rng);
  const Illuminant a = single_illuminant(data, rng), b = single_illuminant(data, rng);
  // Mix at equal luminance times a random share.
  const double share = uniform(rng, 0.2, 0.8);
  const double ya = xyz_of(data, a.power)(1), yb = xyz_of(data, b.power)(1);
  return {a.name + "+" + b.name, share * a.power / ya + (1 - share) * b.power / yb};
}

RenderedScene render_scene(const SpectralData& data, const Camera& camera, const Illuminant& light,
                           std::mt19937_64& rng, int width, int height, const Illuminant* second_light,
                           double snr) {
  // A second light lights the scene from one side: its share falls off
  // smoothly across a random line, and its brightness against the first's is
  // random. (Drawn first and only then, so one-light scenes stay as before.)
  double side_x = 0, side_y = 0, side_offset = 0, side_width = 1, second_gain = 1;
  if (second_light) {
    const double angle = uniform(rng, 0, 2 * M_PI);
    side_x = std::cos(angle);
    side_y = std::sin(angle);
    side_offset = uniform(rng, -0.3, 0.3);
    side_width = log_uniform(rng, 0.02, 0.3);
    second_gain = log_uniform(rng, 0.3, 3.0);
  }
  auto first_share = [&](int x, int y) {
    if (!second_light) return 1.0;
    const double t = (x / double(width) - 0.5) * side_x + (y / double(height) - 0.5) * side_y - side_offset;
    return 1.0 / (1.0 + std::exp(-t / side_width));
  };
  const Eigen::Vector3d white = camera_rgb(camera, light.power);
  const Eigen::Vector3d white_b = second_light ? camera_rgb(camera, second_light->power) : white;
  // A surface under each light: the first's white has G = 1, the second's G = second_gain.
  struct Colours {
    Eigen::Vector3d a, b;
    Colours operator*(double k) const { return {a * k, b * k}; }
    Eigen::Vector3d at(double share) const { return share * a + (1 - share) * b; }
  };
  auto surface = [&](size_t index) {
    return Colours{camera_rgb(camera, light.power.cwiseProduct(data.reflectances[index])) / white(1),
                   second_light ? Eigen::Vector3d(camera_rgb(camera, second_light->power.cwiseProduct(
                                                                     data.reflectances[index])) *
                                                  (second_gain / white_b(1)))
                                : Eigen::Vector3d::Zero()};
  };
  const Eigen::Vector3d white_g1 = white / white(1), white_b_g1 = white_b / white_b(1);
  const Colours white_light{white_g1, white_b_g1 * second_gain};
  // A surface: a measured reflectance desaturated toward a flat spectrum of
  // its own mean by a random share. The measured set is a calibration set,
  // far more saturated than what photographs show (paints mixed with white,
  // dust, weathering); with this, gray-world's errors come near its errors on
  // public camera datasets instead of twice them.
  auto random_surface = [&] {
    const size_t index =
        std::uniform_int_distribution<size_t>(0, data.reflectances.size() - 1)(rng);
    const double desaturation = uniform(rng, 0.0, 0.75);
    const double grey = desaturation * data.reflectances[index].mean();
    const Colours c = surface(index);
    return Colours{(1 - desaturation) * c.a + grey * white_light.a, (1 - desaturation) * c.b + grey * white_light.b};
  };

  // Background with a smooth illumination falloff.
  const Colours background = random_surface();
  const double gx = uniform(rng, -0.6, 0.6), gy = uniform(rng, -0.6, 0.6);
  std::vector<Colours> image(size_t(width) * height);
  std::vector<double> shading(size_t(width) * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double s = std::clamp(
          0.7 + gx * (x / double(width) - 0.5) + gy * (y / double(height) - 0.5), 0.15, 1.0);
      shading[size_t(y) * width + x] = s;
      image[size_t(y) * width + x] = background * s;
    }

  // Patches: rectangles and ellipses, flat or striped with a second surface.
  const int patches = std::uniform_int_distribution<int>(8, 60)(rng);
  for (int p = 0; p < patches; ++p) {
    const Colours a = random_surface(), b = random_surface();
    const bool striped = uniform(rng, 0, 1) < 0.25, ellipse = uniform(rng, 0, 1) < 0.5;
    const double cx = uniform(rng, 0, width), cy = uniform(rng, 0, height);
    const double rx = log_uniform(rng, 2, width / 3.0), ry = log_uniform(rng, 2, height / 3.0);
    const double brightness = log_uniform(rng, 0.1, 1.0), period = uniform(rng, 2, 8);
    for (int y = std::max(0, int(cy - ry)); y < std::min(height, int(cy + ry) + 1); ++y)
      for (int x = std::max(0, int(cx - rx)); x < std::min(width, int(cx + rx) + 1); ++x) {
        const double dx = (x - cx) / rx, dy = (y - cy) / ry;
        if (ellipse && dx * dx + dy * dy > 1) continue;
        const bool second = striped && std::fmod(x + y, 2 * period) < period;
        image[size_t(y) * width + x] =
            (second ? b : a) * brightness * shading[size_t(y) * width + x];
      }
  }

  // Specular highlights reflect the light itself.
  if (uniform(rng, 0, 1) < 0.4) {
    const int spots = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int s = 0; s < spots; ++s) {
      const double cx = uniform(rng, 0, width), cy = uniform(rng, 0, height),
                   r = uniform(rng, 1, 4);
      const double strength = log_uniform(rng, 0.2, 3.0);
      for (int y = std::max(0, int(cy - 3 * r)); y < std::min(height, int(cy + 3 * r) + 1); ++y)
        for (int x = std::max(0, int(cx - 3 * r)); x < std::min(width, int(cx + 3 * r) + 1); ++x) {
          const double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
          const double k = strength * std::exp(-0.5 * d2);
          image[size_t(y) * width + x].a += white_light.a * k;
          image[size_t(y) * width + x].b += white_light.b * k;
        }
    }
  }

  // Exposure: the 95th percentile of green lands at a random level; then
  // noise whose signal-to-noise ratio at the scene's mean is drawn from 2
  // (a dark burst) to 300, then clipping.
  // The lights mixed; the truth is their mean weighted by the green each
  // puts in the scene (what one global white balance can best do).
  std::vector<Eigen::Vector3d> mixed(image.size());
  double green_a = 0, green_b = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const size_t i = size_t(y) * width + x;
      const double share = first_share(x, y);
      mixed[i] = image[i].at(share);
      green_a += share * image[i].a(1);
      green_b += (1 - share) * image[i].b(1);
    }
  std::vector<double> greens;
  double mean = 0;
  for (const auto& v : mixed) {
    greens.push_back(v(1));
    mean += v(1);
  }
  std::nth_element(greens.begin(), greens.begin() + greens.size() * 95 / 100, greens.end());
  const double exposure =
      log_uniform(rng, 0.05, 1.2) / std::max(1e-9, greens[greens.size() * 95 / 100]);
  mean *= exposure / double(image.size());
  const double drawn_snr = log_uniform(rng, 2, 300);  // drawn either way: the scenes after stay as they were
  const bool burst_noise = snr > 0;
  if (!burst_noise) snr = drawn_snr;
  const double shot = mean / (snr * snr), read = std::pow(0.3 * mean / snr, 2);
  std::normal_distribution<double> gauss(0, 1);

  RenderedScene scene;
  RgbThumbnail& t = scene.thumbnail;
  t.width = width;
  t.height = height;
  t.rgb.resize(size_t(width) * height * 3);
  t.unclipped.assign(size_t(width) * height, 1);
  for (size_t i = 0; i < image.size(); ++i)
    for (int c = 0; c < 3; ++c) {
      double v = mixed[i](c) * exposure;
      // A burst thumbnail's green is the mean of each quad's two.
      const double share = burst_noise && c == 1 ? 0.5 : 1.0;
      v += std::sqrt(share * (shot * std::max(v, 0.0) + read)) * gauss(rng);
      if (v >= kClippedLevel) {
        t.unclipped[i] = 0;
        v = 1.0;
      }
      t.rgb[i * 3 + c] = float(v);
    }
  const Eigen::Vector3d truth = second_light ? Eigen::Vector3d(green_a * white_g1 + green_b * white_b_g1) /
                                                   (green_a + green_b)
                                             : white_g1;
  scene.truth = {float(truth(0)), 1.0f, float(truth(2))};
  return scene;
}

}  // namespace nb::awb
