// Learned white balance: the FFT convolution against direct summation, the
// von Mises fit on a wrapped distribution, the model file format, and the
// built-in model on synthetic night bursts with a known illuminant.
#include "stages/ffcc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

FfccModel random_model(int bins, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 1);
  FfccModel m;
  m.bins = bins;
  m.filters.resize(kChromaChannels);
  for (int map = 0; map <= kChromaChannels; ++map) {
    std::vector<float>& values = map < kChromaChannels ? m.filters[size_t(map)] : m.bias;
    values.resize(size_t(bins) * bins);
    for (float& v : values) v = g(rng);
  }
  return m;
}

// With luminance knots at -4 and 4 (log2 cd/m^2), their maps random too.
FfccModel random_model_with_knots(int bins, uint64_t seed) {
  FfccModel m = random_model(bins, seed);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<float> g(0, 1);
  m.luminance_knots = {-4, 4};
  m.luminance_bias.assign(2, std::vector<float>(size_t(bins) * bins));
  for (std::vector<float>& map : m.luminance_bias)
    for (float& v : map) v = g(rng);
  return m;
}

TEST(Ffcc, FftScoresEqualDirectConvolution) {
  const FfccModel m = random_model_with_knots(16, 3);
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<float> u(0, 1);
  ChromaHistograms h;
  h.channels.assign(kChromaChannels, std::vector<float>(256));
  for (std::vector<float>& channel : h.channels)
    for (float& v : channel) v = u(rng) / 128;
  h.log2_luminance = 1;  // between the knots
  const std::vector<float> fast = ffcc_scores(m, h), reference = ffcc_scores_reference(m, h);
  double worst = 0;
  for (size_t i = 0; i < fast.size(); ++i)
    worst = std::max(worst, double(std::abs(fast[i] - reference[i])));
  EXPECT_LT(worst, 2e-5);
}

TEST(Ffcc, SceneLuminanceFromTheExposure) {
  RgbThumbnail t;
  t.width = 2;
  t.height = 1;
  t.rgb = {0.05f, 0.08f, 0.02f, 0.03f, 0.12f, 0.04f};  // mean green 0.1
  t.unclipped = {1, 1};
  RawMetadata meta;
  EXPECT_TRUE(std::isnan(scene_log2_luminance(meta, t)));  // no exposure
  meta.exposure_s = 1.0 / 30;
  meta.iso = 800;
  meta.f_number = 2.8;
  // L = l * 120 N^2 / (t S) = 0.1 * 120 * 7.84 / (800 / 30) = 3.528 cd/m^2.
  EXPECT_NEAR(scene_log2_luminance(meta, t), std::log2(3.528), 1e-5);
  meta.f_number = 0;  // unknown: f/2
  EXPECT_NEAR(scene_log2_luminance(meta, t), std::log2(1.8), 1e-5);
  meta.iso = 0;
  EXPECT_TRUE(std::isnan(scene_log2_luminance(meta, t)));
}

TEST(Ffcc, LuminanceKnotsInterpolateTheBias) {
  const FfccModel m = random_model_with_knots(8, 7);
  auto weights = [&](double l) { return luminance_knot_weights(m, l); };
  EXPECT_EQ(weights(std::nan("")), (std::vector<float>{0, 0}));
  EXPECT_EQ(weights(-10), (std::vector<float>{1, 0}));
  EXPECT_EQ(weights(10), (std::vector<float>{0, 1}));
  EXPECT_EQ(weights(2), (std::vector<float>{0.25f, 0.75f}));
  EXPECT_EQ(bias_for_luminance(m, std::nan("")), m.bias);
  const std::vector<float> between = bias_for_luminance(m, 2);
  for (size_t i = 0; i < between.size(); ++i)
    EXPECT_FLOAT_EQ(between[i], m.bias[i] + 0.25f * m.luminance_bias[0][i] + 0.75f * m.luminance_bias[1][i]);
  EXPECT_EQ(luminance_knot_weights(random_model(8, 7), 2), std::vector<float>{});
}

TEST(Ffcc, VonMisesFitAcrossTheWrap) {
  // A Gaussian centred at (63.3, 0.6) on a 64-bin torus: half its mass wraps.
  const int n = 64;
  const double mu_u = 63.3, mu_v = 0.6, su = 2.0, sv = 1.5;
  std::vector<float> p(size_t(n) * n);
  double total = 0;
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      double du = std::remainder(u - mu_u, double(n)), dv = std::remainder(v - mu_v, double(n));
      total += p[size_t(u) * n + v] =
          float(std::exp(-0.5 * (du * du / (su * su) + dv * dv / (sv * sv))));
    }
  for (float& v : p) v = float(v / total);
  const VonMisesFit fit = fit_von_mises(p, n);
  EXPECT_NEAR(fit.mean(0), mu_u, 0.01);
  EXPECT_NEAR(fit.mean(1), mu_v, 0.01);
  EXPECT_NEAR(fit.covariance(0, 0), su * su, 0.05 * su * su);
  EXPECT_NEAR(fit.covariance(1, 1), sv * sv, 0.05 * sv * sv);
  EXPECT_NEAR(fit.covariance(0, 1), 0.0, 0.01);
}

TEST(Ffcc, BinCoordinatesRoundTrip) {
  const FfccModel& m = default_ffcc_model();
  const Eigen::Vector3f rgb(0.45f, 1.0f, 0.7f);
  const Eigen::Vector3f back = rgb_at_bin(m, chroma_bin(m, rgb));
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(back(c), rgb(c), 1e-5);
}

TEST(Ffcc, ModelFileRoundTripsAndRejectsDamage) {
  const FfccModel& m = default_ffcc_model();
  const std::vector<uint8_t> bytes = serialize_ffcc_model(m);
  FfccModel parsed;
  ASSERT_TRUE(parse_ffcc_model(bytes.data(), bytes.size(), "m.bin", &parsed).ok());
  EXPECT_EQ(serialize_ffcc_model(parsed), bytes);

  auto error_of = [](std::vector<uint8_t> b) {
    FfccModel out;
    Status s = parse_ffcc_model(b.data(), b.size(), "damaged.bin", &out);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("damaged.bin"), std::string::npos) << s.message();
    return s.message();
  };
  for (size_t cut : {size_t(0), size_t(5), size_t(8), size_t(13), size_t(30), bytes.size() / 2,
                     bytes.size() - 1})
    error_of(std::vector<uint8_t>(bytes.begin(), bytes.begin() + cut));
  std::vector<uint8_t> bad = bytes;
  bad[0] = 'X';
  EXPECT_NE(error_of(bad).find("signature"), std::string::npos);
  bad = bytes;
  bad[8] = 0xff;  // bin count 255 + ...: size no longer matches
  error_of(bad);
  bad = bytes;
  bad[9] = 0x7f;  // an absurd bin count
  EXPECT_NE(error_of(bad).find("bin count"), std::string::npos);
  bad = bytes;
  const float nan = std::nanf("");
  std::memcpy(&bad[bad.size() - 4], &nan, 4);
  EXPECT_NE(error_of(bad).find("not finite"), std::string::npos);
  bad = bytes;
  bad.push_back(0);
  EXPECT_NE(error_of(bad).find("bytes of filters"), std::string::npos);

  std::shared_ptr<const AwbModel> model;
  EXPECT_TRUE(AwbModel::parse(bytes.data(), bytes.size(), "m.bin", &model).ok());
  ASSERT_NE(model, nullptr);

  // Knots and their maps round-trip; knots out of order are refused.
  const FfccModel with_knots = random_model_with_knots(8, 9);
  std::vector<uint8_t> knot_bytes = serialize_ffcc_model(with_knots);
  ASSERT_TRUE(parse_ffcc_model(knot_bytes.data(), knot_bytes.size(), "k.bin", &parsed).ok());
  EXPECT_EQ(parsed.luminance_knots, with_knots.luminance_knots);
  EXPECT_EQ(parsed.luminance_bias, with_knots.luminance_bias);
  const size_t first_knot = 8 + 5 * 4 + 9 * 4 + 4;
  std::memcpy(&knot_bytes[first_knot], &with_knots.luminance_knots[1], 4);
  EXPECT_NE(error_of(knot_bytes).find("knots not increasing"), std::string::npos);
}

TEST(Ffcc, ReadsTheFormatBeforeKnots) {
  // A model without knots is written as NBFFCC02 (the header without the
  // knot count), so a file read writes back byte for byte.
  const FfccModel m = random_model(8, 11);
  const std::vector<uint8_t> bytes = serialize_ffcc_model(m);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "NBFFCC02");
  EXPECT_EQ(bytes.size(), size_t(8 + 5 * 4 + 9 * 4 + 4 * 8 * 8 * 4));
  FfccModel parsed;
  const Status s = parse_ffcc_model(bytes.data(), bytes.size(), "old.bin", &parsed);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(parsed.luminance_knots.empty());
  EXPECT_EQ(parsed.bias, m.bias);
  EXPECT_EQ(parsed.filters, m.filters);
}

// The trained lights' range (NBFFCC04) round-trips; a range out of order is
// refused; the gray-world fallback tests a scene's mean against the range
// where there is one, against the window where there is none.
TEST(Ffcc, TrainedLightsRangeDecidesTheFallback) {
  FfccModel m = random_model_with_knots(8, 13);
  m.bin_size = 1.0f / 4;  // a window of 2 log-chroma units from u_start, v_start = 0
  m.trained_lights = FfccModel::ChromaRange{0.8f, 1.0f, 0.6f, 1.2f};
  std::vector<uint8_t> bytes = serialize_ffcc_model(m);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "NBFFCC04");
  FfccModel parsed;
  Status s = parse_ffcc_model(bytes.data(), bytes.size(), "range.bin", &parsed);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(parsed.trained_lights.has_value());
  EXPECT_EQ(parsed.trained_lights->u_max, 1.0f);
  EXPECT_EQ(parsed.trained_lights->v_min, 0.6f);
  EXPECT_EQ(serialize_ffcc_model(parsed), bytes);
  const size_t range_at = 8 + 5 * 4 + 9 * 4 + 4 + 4 * m.luminance_knots.size();
  const float below_min = 0.0f;
  std::memcpy(&bytes[range_at + 4], &below_min, 4);  // u_max < u_min
  s = parse_ffcc_model(bytes.data(), bytes.size(), "range.bin", &parsed);
  EXPECT_NE(s.message().find("range.bin"), std::string::npos);
  EXPECT_NE(s.message().find("not finite and ordered"), std::string::npos);

  // Canonical RGB of chroma (u, v) = (log g/r, log g/b).
  auto at = [](double u, double v) { return Eigen::Vector3f(float(std::exp(-u)), 1.0f, float(std::exp(-v))); };
  // Colours spread as a broadband light's do: only the margin counts.
  const double broadband = 0.09, one_light = kOneLightSpread / 2;
  EXPECT_DOUBLE_EQ(distance_beyond_model_lights(m, at(0.9, 0.9)), 0.0);
  EXPECT_NEAR(distance_beyond_model_lights(m, at(1.1, 0.9)), 0.1, 1e-6);
  EXPECT_FALSE(beyond_model_lights(m, at(0.9, 0.9), broadband));
  EXPECT_FALSE(beyond_model_lights(m, at(1.0 + kBeyondLightsMargin - 0.01, 0.9), broadband));
  EXPECT_TRUE(beyond_model_lights(m, at(1.0 + kBeyondLightsMargin + 0.01, 0.9), broadband));  // inside the window
  EXPECT_TRUE(beyond_model_lights(m, at(0.9, 0.6 - kBeyondLightsMargin - 0.01), broadband));
  // One light's colours: past the lights at all.
  EXPECT_FALSE(beyond_model_lights(m, at(0.99, 0.9), one_light));
  EXPECT_TRUE(beyond_model_lights(m, at(1.01, 0.9), one_light));
  m.trained_lights.reset();
  EXPECT_FALSE(beyond_model_lights(m, at(1.0 + kBeyondLightsMargin + 0.01, 0.9), broadband));
  EXPECT_FALSE(beyond_model_lights(m, at(2.0 + kBeyondWindowMargin - 0.01, 0.9), broadband));
  EXPECT_TRUE(beyond_model_lights(m, at(2.0 + kBeyondWindowMargin + 0.01, 0.9), broadband));
  EXPECT_TRUE(beyond_model_lights(m, at(0.9, -kBeyondWindowMargin - 0.01), broadband));
  EXPECT_TRUE(beyond_model_lights(m, Eigen::Vector3f(0.0f, 1.0f, 1.0f), broadband));
  EXPECT_FALSE(beyond_model_lights(m, at(1.99, 0.9), one_light));
  EXPECT_TRUE(beyond_model_lights(m, at(2.01, 0.9), one_light));
}

// The colour spread, measured on thumbnails of known colours: one colour at
// random brightnesses under heavy noise spreads by nearly nothing; blocks of
// two colours an angle apart spread by half that angle (each lies half of it
// off the mean direction), with or without noise.
// A model trained on coarsened histograms carries its signal to noise in
// NBFFCC05 and takes a noisy thumbnail's histograms from its block means,
// a clean one's from its pixels; a model without it (0) never coarsens.
TEST(Ffcc, HistogramSignalToNoiseTravelsWithTheModel) {
  FfccModel m = random_model_with_knots(8, 21);
  m.bin_size = 1.0f / 4;
  m.trained_lights = FfccModel::ChromaRange{0.2f, 1.0f, 0.4f, 1.2f};
  m.histogram_snr = 12;
  std::vector<uint8_t> bytes = serialize_ffcc_model(m);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "NBFFCC05");
  FfccModel parsed;
  Status s = parse_ffcc_model(bytes.data(), bytes.size(), "snr.bin", &parsed);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(parsed.histogram_snr, 12.0f);
  EXPECT_EQ(serialize_ffcc_model(parsed), bytes);
  const size_t snr_at = 8 + 5 * 4 + 9 * 4 + 4 + 4 * m.luminance_knots.size() + 4 * 4;
  const float negative = -1;
  std::memcpy(&bytes[snr_at], &negative, 4);
  s = parse_ffcc_model(bytes.data(), bytes.size(), "snr.bin", &parsed);
  EXPECT_NE(s.message().find("snr.bin"), std::string::npos);
  EXPECT_NE(s.message().find("histogram signal to noise"), std::string::npos);

  // Grey and a warm surface in 8x8 blocks, mean green 0.05, with noise.
  auto thumbnail = [](double sigma) {
    std::mt19937_64 rng(5);
    std::normal_distribution<float> noise(0.0f, float(sigma));
    RgbThumbnail t;
    t.width = 64;
    t.height = 48;
    t.unclipped.assign(size_t(t.width) * t.height, 1);
    for (int y = 0; y < t.height; ++y)
      for (int x = 0; x < t.width; ++x) {
        const bool warm = ((x / 8) + (y / 8)) % 2 == 1;
        const float rgb[3] = {warm ? 0.08f : 0.05f, 0.05f, warm ? 0.02f : 0.05f};
        for (float c : rgb) t.rgb.push_back(c + noise(rng));
      }
    return t;
  };
  const Eigen::Matrix3f identity = Eigen::Matrix3f::Identity();
  const RgbThumbnail noisy = thumbnail(0.05 / 3), clean = thumbnail(0);
  FfccModel as_is = m;
  as_is.histogram_snr = 0;
  ASSERT_EQ(noise_coarsening_factor(noisy, m.histogram_snr), 4);
  ASSERT_EQ(noise_coarsening_factor(clean, m.histogram_snr), 1);
  EXPECT_EQ(chroma_histograms(m, noisy, identity).channels,
            chroma_histograms(as_is, coarsened(noisy, 4), identity).channels);
  EXPECT_EQ(chroma_histograms(m, clean, identity).channels, chroma_histograms(as_is, clean, identity).channels);
  EXPECT_NE(chroma_histograms(as_is, noisy, identity).channels,
            chroma_histograms(as_is, coarsened(noisy, 4), identity).channels);
}

TEST(Ffcc, ColourSpreadTakesOutTheNoise) {
  auto thumbnail = [](const Eigen::Vector3d& a, const Eigen::Vector3d& b, double noise, uint64_t seed) {
    RgbThumbnail t;
    t.width = 128;
    t.height = 96;
    t.rgb.resize(size_t(t.width) * t.height * 3);
    t.unclipped.assign(size_t(t.width) * t.height, 1);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0, 1);
    std::uniform_real_distribution<double> level(0.05, 0.5);
    for (int by = 0; by < t.height; by += kSpreadBlock)
      for (int bx = 0; bx < t.width; bx += kSpreadBlock) {
        const Eigen::Vector3d colour = ((bx + by) / kSpreadBlock) % 2 ? a : b;
        const double brightness = level(rng);
        for (int y = by; y < by + kSpreadBlock; ++y)
          for (int x = bx; x < bx + kSpreadBlock; ++x)
            for (int c = 0; c < 3; ++c)
              t.rgb[(size_t(y) * t.width + x) * 3 + c] = float(brightness * colour(c) + noise * gauss(rng));
      }
    return t;
  };
  const Eigen::Vector3d sodium(1.0, 0.55, 0.02), grey = Eigen::Vector3d(1, 1, 1).normalized();
  // Noise of standard deviation 0.05 against levels of 0.05-0.5: signal to
  // noise 1-10 in a pixel. At 0.5 (0.1-1) nothing can be told, and the
  // spread's bound says so.
  for (double noise : {0.05, 0.5})
    std::printf("one colour, noise %.2f: spread %.4f\n", noise, colour_spread_over_noise(thumbnail(sodium, sodium, noise, 1)));
  EXPECT_LT(colour_spread_over_noise(thumbnail(sodium, sodium, 0.05, 1)), kOneLightSpread / 2);
  EXPECT_GT(colour_spread_over_noise(thumbnail(sodium, sodium, 0.5, 1)), kOneLightSpread);
  // Grey and a colour 0.1 rad from it, each at the same brightness along the mean.
  const Eigen::Vector3d tilt = grey.unitOrthogonal();
  const Eigen::Vector3d a = (grey + std::tan(0.05) * tilt).normalized(), b = (grey - std::tan(0.05) * tilt).normalized();
  EXPECT_NEAR(colour_spread_over_noise(thumbnail(a, b, 0.0, 2)), 0.05, 0.002);
  EXPECT_NEAR(colour_spread_over_noise(thumbnail(a, b, 0.05, 3)), 0.05, 0.005);
}

// With the built-in model the six bursts at a 12 MP thumbnail's noise
// measured 0.34 to 2.26 deg (gray-world 3.10 to 5.25; the model before it
// 0.85 to 2.59); the bound leaves room for a retrained model, not for a bug.
constexpr double kWorstSyntheticBurstDeg = 3.0;

// The white-balance thumbnail of these 384x256 bursts averages 2x2 quads a
// pixel, a 12 MP burst's 16x16 (awb_thumbnail). Given the test sensor's
// noise over that ratio, 1/64 in variance, their thumbnails have the noise a
// 12 MP burst of that sensor gives at each light level. With the full noise
// the 96x64 thumbnail at scene mean 0.002 has a signal to noise of about 3,
// which a 12 MP burst of this sensor reaches only near 0.0002; there the
// built-in model measured 2.70 deg mean and 3.93 worst (the model before it
// 1.22 and 1.89), so only the comparison with gray-world is asserted there.
// apps/awb/README.md has both.
constexpr double kTwelveMegapixelThumbnailNoise = 1.0 / 64;

struct SyntheticBurstErrors {
  double worst_learned = 0, mean_learned = 0, mean_gray_world = 0;
  float least_confidence = 1;
};

// The pipeline's default white balance on synthetic night bursts (a camera
// and a scene the model never saw) at two light levels and three lights.
SyntheticBurstErrors default_awb_on_synthetic_bursts(double noise_factor) {
  SyntheticBurstErrors e;
  int count = 0;
  for (double level : {0.04, 0.002})
    for (double kelvin : {2600.0, 4500.0, 6500.0}) {
      SynthOptions o = testing::small_options(3);
      o.frames = 6;
      o.shot_noise *= noise_factor;
      o.read_noise *= noise_factor;
      o.scene_mean = level;
      o.illuminant_kelvin = kelvin;
      const SynthBurst burst = testing::make_burst(o);
      ProcessOptions options;  // learned is the default
      ProcessResult r;
      Status s = process_burst(burst.frames, options, &r);
      EXPECT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(r.report.awb_method, "learned");
      const double learned = angular_error_deg(r.report.awb_illuminant_rgb, burst.illuminant_rgb);
      const double gw = angular_error_deg(
          gray_world(awb_thumbnail(r.merged, r.merged_meta.cfa), {1, 1, 1}), burst.illuminant_rgb);
      std::printf("noise x%.4f, level %.3f, %.0f K: learned %.2f deg (confidence %.2f), gray-world %.2f deg\n",
                  noise_factor, level, kelvin, learned, r.report.awb_confidence, gw);
      e.worst_learned = std::max(e.worst_learned, learned);
      e.least_confidence = std::min(e.least_confidence, r.report.awb_confidence);
      e.mean_learned += learned;
      e.mean_gray_world += gw;
      ++count;
    }
  e.mean_learned /= count;
  e.mean_gray_world /= count;
  return e;
}

TEST(Ffcc, BuiltInModelOnSyntheticNightBursts) {
  const SyntheticBurstErrors twelve_mp = default_awb_on_synthetic_bursts(kTwelveMegapixelThumbnailNoise);
  EXPECT_LE(twelve_mp.worst_learned, kWorstSyntheticBurstDeg);
  EXPECT_LT(twelve_mp.mean_learned, 0.5 * twelve_mp.mean_gray_world);
  EXPECT_GT(twelve_mp.least_confidence, 0.0f);
  // Measured: 2.05 deg mean against gray-world's 4.49.
  const SyntheticBurstErrors small_noisy = default_awb_on_synthetic_bursts(1.0);
  EXPECT_LT(small_noisy.mean_learned, 0.5 * small_noisy.mean_gray_world);
}

}  // namespace
}  // namespace nb
