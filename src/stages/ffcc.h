// Learned white balance: Fast Fourier Color Constancy (Barron & Tsai 2017).
//
// A thumbnail's pixels, its local-contrast image and its brightest pixels
// become three log-chroma histograms (u = log(g/r), v = log(g/b)) on a torus
// of bins x bins cells. Each is convolved with a learned filter (by FFT), a
// learned bias (the prior over illuminants) is added, and a softmax gives a posterior over the
// illuminant's chroma; a bivariate von Mises fit gives a sub-bin estimate.
//
// One model serves every camera: pixels are mapped through the camera's
// colour matrix into a common "canonical camera" space, the estimate is made
// there and mapped back. The model is data (a small file; see
// apps/awb/README.md for the command that trains it); a default is compiled in.
#pragma once

#include <Eigen/Dense>
#include <complex>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "nightburst/awb_model.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"
#include "stages/white_balance.h"

namespace nb {

struct FfccModel {
  int bins = 64;
  float bin_size = 1.0f / 32;  // log-chroma units per bin
  float u_start = 0;           // log(g/r) at the lower edge of bin 0
  float v_start = 0;           // log(g/b) at the lower edge of bin 0
  // The common space: canonical RGB = canonical_from_xyz * XYZ.
  Eigen::Matrix3f canonical_from_xyz = Eigen::Matrix3f::Identity();
  // bins * bins maps, index u_bin * bins + v_bin: one filter per histogram
  // channel (ChromaChannel order), and the bias.
  std::vector<std::vector<float>> filters;
  std::vector<float> bias;
  // The prior's dependence on the scene's brightness (FFCC's metadata-
  // conditioned bias; Night Sight's AWB uses the exposure the same way):
  // knots in log2 of the scene's mean luminance (cd/m^2, see
  // scene_log2_luminance), increasing, and a map per knot added to `bias`
  // with linear interpolation weights between the two nearest (the end
  // knot's alone beyond the ends). Empty: the prior is `bias` alone, as it
  // is for any scene whose exposure is unknown.
  std::vector<float> luminance_knots;
  std::vector<std::vector<float>> luminance_bias;
  // The chroma of the lights it was trained under (their smallest and
  // largest u and v, in u_start's and v_start's units), where the training
  // recorded it: what beyond_model_lights tests a scene's mean against.
  // Without it, the window stands for them.
  struct ChromaRange {
    float u_min, u_max, v_min, v_max;
  };
  std::optional<ChromaRange> trained_lights;
  // Where above 0, the histograms are taken from the thumbnail coarsened
  // until its noise is at most 1/histogram_snr of its mean green
  // (noise_coarsening_factor). A log-chroma histogram of a noisy thumbnail
  // is biased: where noise is near the signal, a pixel is kept only when
  // its noise lifts its weakest channel above zero. A model trained so must
  // be used so; 0 (the built-in model): the thumbnail as it is.
  float histogram_snr = 0;
};
// The histograms' signal to noise that `nightburst_awb train --coarsen-noisy`
// records in the model.
constexpr float kCoarsenedHistogramSnr = 12;

// Model files: "NBFFCC05", int32 bins, int32 channels (= kChromaChannels),
// float32 bin_size, u_start, v_start, canonical_from_xyz (9, row-major),
// int32 knot count, the knots (float32), the trained lights' range (float32
// u_min, u_max, v_min, v_max), float32 histogram_snr, then one filter per
// channel, the bias and one map per knot (bins * bins each); little-endian.
// "NBFFCC04" files have no histogram_snr (0), "NBFFCC03" neither it nor the
// range, and "NBFFCC02" none of them nor the knots (no knot count, knots or
// knot maps); each model is written in the oldest format that holds it, so
// every file read writes back byte for byte. (A model with a histogram_snr
// but no range, which training never makes, is written with its window as
// the range.)
// `source` names the file in errors.
Status parse_ffcc_model(const uint8_t* data, size_t size, const std::string& source,
                        FfccModel* model);
std::vector<uint8_t> serialize_ffcc_model(const FfccModel& model);

// What the public nb::AwbModel holds.
struct AwbModel::Impl {
  FfccModel ffcc;
};

// The compiled-in model (src/models/awb_ffcc_default.bin).
const FfccModel& default_ffcc_model();

// Maps camera RGB to the model's canonical space: canonical_from_xyz *
// inverse(camera_from_xyz). Identity when the camera has no colour matrix
// (its RGB is then taken as canonical).
Eigen::Matrix3f canonical_from_camera(const FfccModel& model, const RawMetadata& meta);

// 2D discrete Fourier transform on a square torus (Eigen's FFT along rows,
// then columns). `inverse` includes the 1/(n*n) scale.
class TorusFft {
 public:
  explicit TorusFft(int n);
  void forward(const float* in, std::complex<float>* out);
  void inverse(const std::complex<float>* in, float* out);

 private:
  void transform(std::vector<std::complex<float>>* data, bool inverse);
  int n_;
  std::vector<std::complex<float>> buffer_, line_in_, line_out_;
};

// The histograms of a thumbnail in canonical space, each summing to one (all
// zero when no pixel is usable): every usable pixel; the local absolute
// deviation (FFCC's edge channel); and the brightest 5% of usable pixels,
// where specular highlights and lights show the illuminant most directly
// (the white-patch idea, given to the model to weigh). A model with a
// histogram_snr takes them from the thumbnail coarsened for it.
enum ChromaChannel { kPixelChannel = 0, kEdgeChannel = 1, kBrightChannel = 2, kChromaChannels = 3 };
constexpr double kBrightestFraction = 0.05;
struct ChromaHistograms {
  std::vector<std::vector<float>> channels;  // kChromaChannels of bins * bins
  // What the camera's exposure says of the scene: log2 of its mean
  // luminance in cd/m^2 (scene_log2_luminance); NaN when unknown.
  double log2_luminance = std::numeric_limits<double>::quiet_NaN();
};

// The scene's mean luminance in cd/m^2, log2, from the exposure and the
// thumbnail's mean green level (a fraction of the raw white level). A
// sensor's ISO speed S is defined by the focal-plane exposure that saturates
// it (ISO 12232: H_sat = 78 / S lux s), and the focal-plane exposure is
// H = q L t / N^2 with q = 0.65; so a raw level l comes from the luminance
// L = l * 78 / 0.65 * N^2 / (t S) = l * 120 N^2 / (t S). (The meter
// equation's K = 12.5 puts a metered scene at l = 0.10.) NaN when the
// exposure time or ISO is unknown or the thumbnail has no signal; an unknown
// aperture is taken as kAssumedFNumber (phone lenses are f/1.5 to f/2.4: at
// most 1.2 stops off, against knots 4 stops apart).
constexpr double kAssumedFNumber = 2.0;
double scene_log2_luminance(const RawMetadata& meta, const RgbThumbnail& thumbnail);

// Interpolation weights of the model's luminance knots for a scene (all zero
// when the luminance is NaN or the model has no knots), and the bias they
// give: `bias` plus each knot's map times its weight.
std::vector<float> luminance_knot_weights(const FfccModel& model, double log2_luminance);
std::vector<float> bias_for_knot_weights(const FfccModel& model, const std::vector<float>& knot_weights);
inline std::vector<float> bias_for_luminance(const FfccModel& model, double log2_luminance) {
  return bias_for_knot_weights(model, luminance_knot_weights(model, log2_luminance));
}
// How far (log-chroma units) a canonical RGB's chroma lies past the lights
// the model knows: past its trained lights' range, or for a model without
// that range, past its window (before wrapping). 0 within them; infinite
// for an RGB that is not positive.
double distance_beyond_model_lights(const FfccModel& model, const Eigen::Vector3f& canonical_rgb);
// Whether a scene whose mean colour is `canonical_mean` is lit beyond the
// lights the model knows: its mean lies past them by more than the margin
// (kBeyondLightsMargin, or kBeyondWindowMargin for a model without its
// lights' range), or past them at all while its colours spread no further
// than one light's own do (colour_spread_over_noise below kOneLightSpread).
bool beyond_model_lights(const FfccModel& model, const Eigen::Vector3f& canonical_mean, double colour_spread);

// How far the scene's colours spread, at most, the noise's share taken
// out: the root mean square angle (radians) of blocks' mean colours off the
// scene's mean colour direction, weighted by the blocks' brightness
// squared, less the part their pixels' noise explains plus two standard
// deviations of that part (so noise that hides the colours reads as spread,
// not as one colour). Near 0 when every surface has the light's own colour,
// as under one spectral line (each pixel a brightness times the light's
// camera RGB, plus noise); about 0.03-0.3 under broadband light, whose
// surfaces differ in colour, less in a scene of one grey surface. Infinite
// for a thumbnail with no block of unclipped pixels.
double colour_spread_over_noise(const RgbThumbnail& thumbnail);
// Thumbnail pixels per side of colour_spread_over_noise's blocks.
constexpr int kSpreadBlock = 8;

ChromaHistograms chroma_histograms(const FfccModel& model, const RgbThumbnail& thumbnail,
                                   const Eigen::Matrix3f& canonical_from_camera);

// Bin index i wrapped onto the torus of n bins.
inline int wrap_bin(int i, int n) { return ((i % n) + n) % n; }

// (u, v) = (log g/r, log g/b) of a canonical RGB: the chroma the
// histograms, the window and the trained lights' range are laid out in.
Eigen::Vector2d log_chroma(const Eigen::Vector3f& canonical_rgb);
// Bin coordinates (continuous, bin centres at integers) of a canonical RGB.
Eigen::Vector2d chroma_bin(const FfccModel& model, const Eigen::Vector3f& canonical_rgb);
// Canonical RGB (G = 1) at continuous bin coordinates.
Eigen::Vector3f rgb_at_bin(const FfccModel& model, const Eigen::Vector2d& bin);

// Scores before the softmax: sum over channels of filter (*) histogram, plus
// the bias for the scene's luminance; circular convolution on the torus.
std::vector<float> ffcc_scores(const FfccModel& model, const ChromaHistograms& histograms);
// Same by direct summation: the reference the FFT path is tested against.
std::vector<float> ffcc_scores_reference(const FfccModel& model,
                                         const ChromaHistograms& histograms);

// Softmax in place.
void softmax(std::vector<float>* scores);

// Mean (wrapped, in bin coordinates within [0, bins)) and covariance (bins^2)
// of a posterior on the torus, by marginal circular means.
struct VonMisesFit {
  Eigen::Vector2d mean;
  Eigen::Matrix2d covariance;
};
VonMisesFit fit_von_mises(const std::vector<float>& posterior, int bins);

struct AwbEstimate {
  Illuminant illuminant_rgb{1, 1, 1};  // camera RGB, G = 1
  // Posterior probability that the illuminant lies within kConfidenceRadius
  // (about 2 degrees) of the estimate.
  float confidence = 0;
  // The scene's mean colour lies beyond the lights the model knows
  // (beyond_model_lights: a monochromatic light such as low-pressure
  // sodium, whose chroma is some 3 log units from daylight's, makes every
  // surface its colour): the model cannot place the light, so the estimate
  // is gray-world's (that mean) and the confidence 0.
  bool beyond_model = false;
  // What the prior was chosen by: scene_log2_luminance (NaN when unknown).
  double scene_log2_luminance = std::numeric_limits<double>::quiet_NaN();
};
// Log-chroma units past the window's edge, for models without their
// trained lights' range (the window holds those lights with a fifth to
// spare; a scene of warm colours under the warmest of them can have its mean
// just past it).
constexpr double kBeyondWindowMargin = 0.25;
// Log-chroma units past the trained lights' range. Measured with the night
// lights' model (bins of 1/16, whose window is twice as wide as its lights
// need) on the held-out cameras: no mean of 880 scenes, ordinary or
// night-lit, lay past its range (a range from 40 scenes per camera, not
// 600, was crossed by up to 0.02); 54 of 110 low-pressure-sodium scenes
// lay more than 0.15 past it (77 past it at all). Nearer, a scene falls
// back only when its colours are one light's (kOneLightSpread): a smaller
// margin alone would hand a warm room under the warmest lamp to gray-world.
constexpr double kBeyondLightsMargin = 0.15;
// Radians of colour_spread_over_noise (about 1.1 degrees). Measured on the
// held-out cameras: 106 of 110 low-pressure-sodium scenes spread less (all
// less than 0.03), 14 of 440 ordinary scenes too (a desaturated surface or
// two filling the frame) but none of those lay past the lights; an
// ordinary scene's median is 0.09 (apps/awb/README.md).
constexpr double kOneLightSpread = 0.02;
// Log-chroma units (3 bins of 1/32: about 2 degrees).
constexpr double kConfidenceRadius = 3.0 / 32;
inline double confidence_radius_bins(const FfccModel& model) { return kConfidenceRadius / model.bin_size; }

// What the estimate looked at, for a visual report.
struct FfccTrace {
  Eigen::Matrix3f canonical_from_camera;
  std::vector<float> histogram;  // the pixel channel
  std::vector<float> posterior;
  Eigen::Vector2d mean_bin;      // the von Mises fit's mean
};
AwbEstimate estimate_illuminant_ffcc(const FfccModel& model, const RgbThumbnail& thumbnail,
                                     const RawMetadata& meta, FfccTrace* trace = nullptr);

}  // namespace nb
