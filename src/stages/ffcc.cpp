// Fast Fourier Color Constancy: histograms, FFT convolution, von Mises fit.
#include "stages/ffcc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unsupported/Eigen/FFT>

#include "core/color.h"

namespace nb {

extern const uint8_t kDefaultFfccModel[];
extern const size_t kDefaultFfccModelSize;

namespace {

constexpr char kMagicWithHistogramSnr[8] = {'N', 'B', 'F', 'F', 'C', 'C', '0', '5'};
constexpr char kMagicWithLightRange[8] = {'N', 'B', 'F', 'F', 'C', 'C', '0', '4'};
constexpr char kMagic[8] = {'N', 'B', 'F', 'F', 'C', 'C', '0', '3'};
// The format before luminance knots, still read.
constexpr char kMagicWithoutKnots[8] = {'N', 'B', 'F', 'F', 'C', 'C', '0', '2'};
constexpr int kMinBins = 8, kMaxBins = 256, kMaxKnots = 64;
// The largest histogram_snr read: 1000 already coarsens every thumbnail
// whose own is below 250 kMaxCoarsening times.
constexpr float kMaxHistogramSnr = 1000;

// Offset of bin i from `mean` on a torus of n bins, in [-n/2, n/2).
double wrapped_offset(double i, double mean, int n) {
  return std::fmod(i - mean + 1.5 * n, double(n)) - 0.5 * n;
}

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool read_u32(uint32_t* v) {
    if (size_ - pos_ < 4) return false;
    *v = uint32_t(data_[pos_]) | uint32_t(data_[pos_ + 1]) << 8 | uint32_t(data_[pos_ + 2]) << 16 |
         uint32_t(data_[pos_ + 3]) << 24;
    pos_ += 4;
    return true;
  }
  bool read_f32(float* v) {
    uint32_t bits;
    if (!read_u32(&bits)) return false;
    std::memcpy(v, &bits, 4);
    return true;
  }
  size_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

void append_u32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(uint8_t(v >> (8 * i)));
}
void append_f32(std::vector<uint8_t>* out, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  append_u32(out, bits);
}

}  // namespace

Status parse_ffcc_model(const uint8_t* data, size_t size, const std::string& source,
                        FfccModel* model) {
  auto fail = [&](const std::string& why) {
    return bad_input(source + ": not a usable FFCC model: " + why);
  };
  auto signature_is = [&](const char* magic) {
    return size >= sizeof(kMagic) && std::memcmp(data, magic, sizeof(kMagic)) == 0;
  };
  const bool has_histogram_snr = signature_is(kMagicWithHistogramSnr);
  const bool has_light_range = has_histogram_snr || signature_is(kMagicWithLightRange);
  const bool has_knots = has_light_range || signature_is(kMagic);
  if (!has_knots && !signature_is(kMagicWithoutKnots))
    return fail("missing the NBFFCC05 (or 04, 03 or 02) signature");
  ByteReader in(data + sizeof(kMagic), size - sizeof(kMagic));
  FfccModel m;
  uint32_t bins = 0, channels = 0;
  if (!in.read_u32(&bins) || !in.read_u32(&channels) || !in.read_f32(&m.bin_size) ||
      !in.read_f32(&m.u_start) || !in.read_f32(&m.v_start))
    return fail("truncated header");
  if (channels != uint32_t(kChromaChannels))
    return fail(std::to_string(channels) + " histogram channels; this version reads " +
                std::to_string(int(kChromaChannels)));
  if (bins < uint32_t(kMinBins) || bins > uint32_t(kMaxBins))
    return fail("bin count " + std::to_string(bins) + " outside " + std::to_string(kMinBins) +
                ".." + std::to_string(kMaxBins));
  m.bins = int(bins);
  if (!(m.bin_size > 0 && m.bin_size < 1) || !std::isfinite(m.u_start) || !std::isfinite(m.v_start))
    return fail("bin size or histogram origin out of range");
  for (int i = 0; i < 9; ++i) {
    float v;
    if (!in.read_f32(&v)) return fail("truncated colour matrix");
    if (!std::isfinite(v)) return fail("colour matrix is not finite");
    m.canonical_from_xyz(i / 3, i % 3) = v;
  }
  if (!(std::abs(m.canonical_from_xyz.determinant()) > 1e-6f))
    return fail("colour matrix is singular");
  uint32_t knots = 0;
  if (has_knots && !in.read_u32(&knots)) return fail("truncated knot count");
  if (knots > uint32_t(kMaxKnots)) return fail(std::to_string(knots) + " luminance knots, more than " + std::to_string(kMaxKnots));
  m.luminance_knots.resize(knots);
  for (float& knot : m.luminance_knots) {
    if (!in.read_f32(&knot)) return fail("truncated luminance knots");
    if (!std::isfinite(knot)) return fail("a luminance knot is not finite");
  }
  for (size_t k = 1; k < m.luminance_knots.size(); ++k)
    if (!(m.luminance_knots[k] > m.luminance_knots[k - 1])) return fail("luminance knots not increasing");
  if (has_light_range) {
    FfccModel::ChromaRange r;
    if (!in.read_f32(&r.u_min) || !in.read_f32(&r.u_max) || !in.read_f32(&r.v_min) || !in.read_f32(&r.v_max))
      return fail("truncated range of the trained lights");
    if (!(std::isfinite(r.u_min) && std::isfinite(r.u_max) && std::isfinite(r.v_min) &&
          std::isfinite(r.v_max) && r.u_min <= r.u_max && r.v_min <= r.v_max))
      return fail("range of the trained lights is not finite and ordered");
    m.trained_lights = r;
  }
  if (has_histogram_snr) {
    if (!in.read_f32(&m.histogram_snr)) return fail("truncated histogram signal to noise");
    if (!(m.histogram_snr > 0 && m.histogram_snr <= kMaxHistogramSnr))
      return fail("histogram signal to noise " + std::to_string(m.histogram_snr) + " outside (0, " +
                  std::to_string(int(kMaxHistogramSnr)) + "]");
  }
  const size_t cells = size_t(m.bins) * m.bins;
  const size_t expected = (kChromaChannels + 1 + knots) * cells * 4;
  if (in.remaining() != expected)
    return fail("expected " + std::to_string(expected) + " bytes of filters, found " +
                std::to_string(in.remaining()));
  m.filters.resize(kChromaChannels);
  m.luminance_bias.resize(knots);
  for (int map = 0; map <= kChromaChannels + int(knots); ++map) {
    std::vector<float>& values = map < kChromaChannels    ? m.filters[size_t(map)]
                                 : map == kChromaChannels ? m.bias
                                                          : m.luminance_bias[size_t(map - kChromaChannels - 1)];
    values.resize(cells);
    for (float& v : values) {
      in.read_f32(&v);
      if (!std::isfinite(v)) return fail("a filter value is not finite");
    }
  }
  *model = std::move(m);
  return Status();
}

std::vector<uint8_t> serialize_ffcc_model(const FfccModel& m) {
  // Each model in the oldest format that holds it, so every file read
  // writes back byte for byte.
  const bool has_histogram_snr = m.histogram_snr > 0;
  const bool has_light_range = has_histogram_snr || m.trained_lights.has_value();
  const bool has_knots = has_light_range || !m.luminance_knots.empty();
  const char* magic = has_histogram_snr ? kMagicWithHistogramSnr
                      : has_light_range ? kMagicWithLightRange
                      : has_knots       ? kMagic
                                        : kMagicWithoutKnots;
  std::vector<uint8_t> out(magic, magic + sizeof(kMagic));
  append_u32(&out, uint32_t(m.bins));
  append_u32(&out, uint32_t(m.filters.size()));
  append_f32(&out, m.bin_size);
  append_f32(&out, m.u_start);
  append_f32(&out, m.v_start);
  for (int i = 0; i < 9; ++i) append_f32(&out, m.canonical_from_xyz(i / 3, i % 3));
  if (has_knots) append_u32(&out, uint32_t(m.luminance_knots.size()));
  for (float knot : m.luminance_knots) append_f32(&out, knot);
  if (has_light_range) {
    const float window = float(m.bins) * m.bin_size;
    const FfccModel::ChromaRange r =
        m.trained_lights.value_or(FfccModel::ChromaRange{m.u_start, m.u_start + window, m.v_start, m.v_start + window});
    for (float v : {r.u_min, r.u_max, r.v_min, r.v_max}) append_f32(&out, v);
  }
  if (has_histogram_snr) append_f32(&out, m.histogram_snr);
  for (const std::vector<float>& filter : m.filters)
    for (float v : filter) append_f32(&out, v);
  for (float v : m.bias) append_f32(&out, v);
  for (const std::vector<float>& map : m.luminance_bias)
    for (float v : map) append_f32(&out, v);
  return out;
}

AwbModel::AwbModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AwbModel::~AwbModel() = default;

Status AwbModel::parse(const uint8_t* data, size_t size, const std::string& source,
                       std::shared_ptr<const AwbModel>* model) {
  auto impl = std::make_unique<Impl>();
  NB_RETURN_IF_ERROR(parse_ffcc_model(data, size, source, &impl->ffcc));
  model->reset(new AwbModel(std::move(impl)));
  return Status();
}

const FfccModel& default_ffcc_model() {
  static const FfccModel model = [] {
    FfccModel m;
    Status s = parse_ffcc_model(kDefaultFfccModel, kDefaultFfccModelSize, "built-in model", &m);
    if (!s.ok()) {
      // The build embeds a file the tests parse; failing here is a build bug.
      std::fprintf(stderr, "nightburst: internal error: %s\n", s.message().c_str());
      std::abort();
    }
    return m;
  }();
  return model;
}

Eigen::Matrix3f canonical_from_camera(const FfccModel& model, const RawMetadata& meta) {
  if (meta.calibrations.empty()) return Eigen::Matrix3f::Identity();
  // The model was trained through daylight (D65) matrices; a dual-illuminant
  // camera's are interpolated there.
  Eigen::FullPivLU<Eigen::Matrix3f> lu(camera_from_xyz(meta, light_source_kelvin(21)).cast<float>());
  if (!lu.isInvertible()) return Eigen::Matrix3f::Identity();
  return model.canonical_from_xyz * lu.inverse();
}

TorusFft::TorusFft(int n) : n_(n), buffer_(size_t(n) * n), line_in_(n), line_out_(n) {}

void TorusFft::transform(std::vector<std::complex<float>>* data, bool inverse) {
  // Eigen::FFT caches per-size plans and is not thread-safe: one per thread,
  // kept across calls so the plan is built once.
  thread_local Eigen::FFT<float> fft;
  std::vector<std::complex<float>>& d = *data;
  for (int pass = 0; pass < 2; ++pass)
    for (int line = 0; line < n_; ++line) {
      // Pass 0: rows (contiguous); pass 1: columns.
      const size_t start = pass == 0 ? size_t(line) * n_ : size_t(line);
      const size_t step = pass == 0 ? 1 : size_t(n_);
      for (int i = 0; i < n_; ++i) line_in_[i] = d[start + i * step];
      if (inverse)
        fft.inv(line_out_.data(), line_in_.data(), n_);
      else
        fft.fwd(line_out_.data(), line_in_.data(), n_);
      for (int i = 0; i < n_; ++i) d[start + i * step] = line_out_[i];
    }
}

void TorusFft::forward(const float* in, std::complex<float>* out) {
  for (size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = in[i];
  transform(&buffer_, false);
  std::copy(buffer_.begin(), buffer_.end(), out);
}

void TorusFft::inverse(const std::complex<float>* in, float* out) {
  std::copy(in, in + buffer_.size(), buffer_.begin());
  transform(&buffer_, true);  // Eigen's inverse divides by n per axis
  for (size_t i = 0; i < buffer_.size(); ++i) out[i] = buffer_[i].real();
}

double scene_log2_luminance(const RawMetadata& meta, const RgbThumbnail& t) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!(meta.exposure_s > 0 && meta.iso > 0) || t.rgb.empty()) return nan;
  double green = 0;
  for (size_t i = 1; i < t.rgb.size(); i += 3) green += t.rgb[i];
  green /= double(t.rgb.size() / 3);
  if (!(green > 0)) return nan;
  const double f_number = meta.f_number > 0 ? meta.f_number : kAssumedFNumber;
  return std::log2(green * 120 * f_number * f_number / (meta.exposure_s * meta.iso));
}

std::vector<float> luminance_knot_weights(const FfccModel& m, double log2_luminance) {
  const std::vector<float>& knots = m.luminance_knots;
  std::vector<float> weights(knots.size(), 0.0f);
  if (knots.empty() || std::isnan(log2_luminance)) return weights;
  if (log2_luminance <= knots.front()) {
    weights.front() = 1;
  } else if (log2_luminance >= knots.back()) {
    weights.back() = 1;
  } else {
    const size_t k = size_t(std::upper_bound(knots.begin(), knots.end(), float(log2_luminance)) - knots.begin());
    const float t = float((log2_luminance - knots[k - 1]) / (knots[k] - knots[k - 1]));
    weights[k - 1] = 1 - t;
    weights[k] = t;
  }
  return weights;
}

std::vector<float> bias_for_knot_weights(const FfccModel& m, const std::vector<float>& weights) {
  std::vector<float> bias = m.bias;
  for (size_t k = 0; k < weights.size(); ++k)
    if (weights[k] != 0)
      for (size_t i = 0; i < bias.size(); ++i) bias[i] += weights[k] * m.luminance_bias[k][i];
  return bias;
}

Eigen::Vector2d log_chroma(const Eigen::Vector3f& c) {
  return {std::log(double(c(1)) / c(0)), std::log(double(c(1)) / c(2))};
}

Eigen::Vector2d chroma_bin(const FfccModel& m, const Eigen::Vector3f& c) {
  const Eigen::Vector2d uv = log_chroma(c);
  return {(uv(0) - m.u_start) / m.bin_size - 0.5, (uv(1) - m.v_start) / m.bin_size - 0.5};
}

Eigen::Vector3f rgb_at_bin(const FfccModel& m, const Eigen::Vector2d& bin) {
  const double u = m.u_start + (bin(0) + 0.5) * m.bin_size,
               v = m.v_start + (bin(1) + 0.5) * m.bin_size;
  return Eigen::Vector3f(float(std::exp(-u)), 1.0f, float(std::exp(-v)));
}

// Adds each usable pixel's canonical chroma to `histogram` (nearest bin, wrapped); normalises.
static void accumulate_histogram(const FfccModel& m, const RgbThumbnail& t,
                                 const std::vector<uint8_t>& use,
                                 const Eigen::Matrix3f& to_canonical,
                                 std::vector<float>* histogram) {
  histogram->assign(size_t(m.bins) * m.bins, 0.0f);
  double total = 0;
  for (size_t i = 0; i < use.size(); ++i) {
    if (!use[i]) continue;
    const Eigen::Vector3f c = to_canonical * Eigen::Map<const Eigen::Vector3f>(&t.rgb[i * 3]);
    if (!(c(0) > 0 && c(1) > 0 && c(2) > 0)) continue;
    const Eigen::Vector2d b = chroma_bin(m, c);
    const int bu = wrap_bin(int(std::lround(b(0))), m.bins),
              bv = wrap_bin(int(std::lround(b(1))), m.bins);
    (*histogram)[size_t(bu) * m.bins + bv] += 1.0f;
    total += 1;
  }
  if (total > 0)
    for (float& v : *histogram) v = float(v / total);
}

double distance_beyond_model_lights(const FfccModel& m, const Eigen::Vector3f& canonical) {
  if (!(canonical(0) > 0 && canonical(1) > 0 && canonical(2) > 0)) return std::numeric_limits<double>::infinity();
  const Eigen::Vector2d uv = log_chroma(canonical);
  const double u = uv(0), v = uv(1);
  if (m.trained_lights) {
    const FfccModel::ChromaRange& r = *m.trained_lights;
    return std::max({0.0, r.u_min - u, u - r.u_max, r.v_min - v, v - r.v_max});
  }
  const double window = m.bins * double(m.bin_size);
  return std::max({0.0, m.u_start - u, u - (m.u_start + window), m.v_start - v, v - (m.v_start + window)});
}

bool beyond_model_lights(const FfccModel& m, const Eigen::Vector3f& canonical, double colour_spread) {
  const double distance = distance_beyond_model_lights(m, canonical);
  const double margin = m.trained_lights ? kBeyondLightsMargin : kBeyondWindowMargin;
  return distance > margin || (distance > 0 && colour_spread < kOneLightSpread);
}

double colour_spread_over_noise(const RgbThumbnail& t) {
  // Each unclipped pixel's colour off the scene's mean colour direction:
  // its components in a basis of the plane orthogonal to that direction.
  // Every pixel counts, the darkest and the negative ones too, so the
  // noise's mean stays zero.
  Eigen::Vector3d sum = Eigen::Vector3d::Zero();
  for (size_t i = 0; i < t.unclipped.size(); ++i)
    if (t.unclipped[i]) sum += Eigen::Map<const Eigen::Vector3f>(&t.rgb[i * 3]).cast<double>();
  if (!(sum.norm() > 0)) return std::numeric_limits<double>::infinity();
  const Eigen::Vector3d direction = sum.normalized();
  const Eigen::Vector3d e1 = direction.unitOrthogonal(), e2 = direction.cross(e1);
  // Blocks of kSpreadBlock^2 pixels: where the colours are noise about the
  // direction, the squared length of a block's mean off-direction colour
  // has the expectation of its pixels' variance over their count; far more
  // where surfaces differ.
  double between = 0, within = 0, within_squares = 0, brightness = 0;
  for (int by = 0; by + kSpreadBlock <= t.height; by += kSpreadBlock)
    for (int bx = 0; bx + kSpreadBlock <= t.width; bx += kSpreadBlock) {
      std::vector<Eigen::Vector2d> off;
      Eigen::Vector3d block_sum = Eigen::Vector3d::Zero();
      for (int y = by; y < by + kSpreadBlock; ++y)
        for (int x = bx; x < bx + kSpreadBlock; ++x) {
          if (!t.unclipped[size_t(y) * t.width + x]) continue;
          const Eigen::Vector3d p = Eigen::Map<const Eigen::Vector3f>(t.pixel(x, y)).cast<double>();
          off.emplace_back(p.dot(e1), p.dot(e2));
          block_sum += p;
        }
      if (off.size() < size_t(kSpreadBlock * kSpreadBlock / 2)) continue;  // mostly clipped
      Eigen::Vector2d mean = Eigen::Vector2d::Zero();
      for (const Eigen::Vector2d& o : off) mean += o;
      mean /= double(off.size());
      double variance = 0;
      for (const Eigen::Vector2d& o : off) variance += (o - mean).squaredNorm();
      const double noise_of_mean = variance / double(off.size() - 1) / double(off.size());
      within += noise_of_mean;
      within_squares += noise_of_mean * noise_of_mean;
      between += mean.squaredNorm();
      brightness += std::pow(block_sum.dot(direction) / double(off.size()), 2);
    }
  if (!(brightness > 0)) return std::numeric_limits<double>::infinity();
  // Noise alone makes each block's |mean|^2 its noise term times a
  // chi-square of two degrees of freedom over two: the sum's standard
  // deviation is the root of the squared noise terms' sum. Two of them are
  // added, so a spread too small to tell from the noise is not taken for none.
  const double bound = between - within + 2 * std::sqrt(within_squares);
  return std::sqrt(std::max(0.0, bound) / brightness);
}

ChromaHistograms chroma_histograms(const FfccModel& m, const RgbThumbnail& thumbnail,
                                   const Eigen::Matrix3f& to_canonical) {
  RgbThumbnail coarse;
  if (m.histogram_snr > 0) coarse = coarsened(thumbnail, noise_coarsening_factor(thumbnail, m.histogram_snr));
  const RgbThumbnail& t = m.histogram_snr > 0 ? coarse : thumbnail;
  ChromaHistograms h;
  h.channels.resize(kChromaChannels);
  const std::vector<uint8_t> use = usable_pixels(t);
  accumulate_histogram(m, t, use, to_canonical, &h.channels[kPixelChannel]);

  const RgbThumbnail edges = local_absolute_deviation(t);
  // An edge pixel is usable where its centre is and all its neighbours are unclipped.
  std::vector<uint8_t> edge_use(use.size());
  for (size_t i = 0; i < use.size(); ++i) edge_use[i] = use[i] && edges.unclipped[i];
  accumulate_histogram(m, edges, edge_use, to_canonical, &h.channels[kEdgeChannel]);

  std::vector<float> luminance;
  for (size_t i = 0; i < use.size(); ++i)
    if (use[i]) luminance.push_back(thumbnail_luminance(&t.rgb[i * 3]));
  std::vector<uint8_t> bright_use(use.size(), 0);
  if (!luminance.empty()) {
    const size_t k = size_t(double(luminance.size() - 1) * (1.0 - kBrightestFraction));
    std::nth_element(luminance.begin(), luminance.begin() + k, luminance.end());
    const float threshold = luminance[k];
    for (size_t i = 0; i < use.size(); ++i)
      bright_use[i] = use[i] && thumbnail_luminance(&t.rgb[i * 3]) >= threshold;
  }
  accumulate_histogram(m, t, bright_use, to_canonical, &h.channels[kBrightChannel]);
  return h;
}

std::vector<float> ffcc_scores(const FfccModel& m, const ChromaHistograms& h) {
  const size_t cells = size_t(m.bins) * m.bins;
  TorusFft fft(m.bins);
  std::vector<std::complex<float>> a(cells), b(cells), sum(cells, 0.0f);
  for (size_t c = 0; c < m.filters.size(); ++c) {
    fft.forward(h.channels[c].data(), a.data());
    fft.forward(m.filters[c].data(), b.data());
    for (size_t i = 0; i < cells; ++i) sum[i] += a[i] * b[i];
  }
  std::vector<float> scores(cells);
  fft.inverse(sum.data(), scores.data());
  const std::vector<float> bias = bias_for_luminance(m, h.log2_luminance);
  for (size_t i = 0; i < cells; ++i) scores[i] += bias[i];
  return scores;
}

std::vector<float> ffcc_scores_reference(const FfccModel& m, const ChromaHistograms& h) {
  const int n = m.bins;
  std::vector<float> scores = bias_for_luminance(m, h.log2_luminance);
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      double s = 0;
      for (int ju = 0; ju < n; ++ju)
        for (int jv = 0; jv < n; ++jv) {
          const size_t j = size_t(ju) * n + jv;
          const size_t k = size_t(wrap_bin(u - ju, n)) * n + wrap_bin(v - jv, n);
          for (size_t c = 0; c < m.filters.size(); ++c)
            s += double(h.channels[c][j]) * m.filters[c][k];
        }
      scores[size_t(u) * n + v] += float(s);
    }
  return scores;
}

void softmax(std::vector<float>* scores) {
  const float max = *std::max_element(scores->begin(), scores->end());
  double total = 0;
  for (float& s : *scores) total += (s = std::exp(s - max));
  for (float& s : *scores) s = float(s / total);
}

VonMisesFit fit_von_mises(const std::vector<float>& p, int n) {
  std::vector<double> marginal_u(n, 0.0), marginal_v(n, 0.0);
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      marginal_u[u] += p[size_t(u) * n + v];
      marginal_v[v] += p[size_t(u) * n + v];
    }
  auto circular_mean = [n](const std::vector<double>& marginal) {
    double s = 0, c = 0;
    for (int i = 0; i < n; ++i) {
      const double angle = 2 * M_PI * i / n;
      s += marginal[i] * std::sin(angle);
      c += marginal[i] * std::cos(angle);
    }
    double mean = std::atan2(s, c) * n / (2 * M_PI);
    return mean < 0 ? mean + n : mean;
  };
  VonMisesFit fit;
  fit.mean = {circular_mean(marginal_u), circular_mean(marginal_v)};
  // Covariance of the offsets from the mean, each wrapped into [-n/2, n/2).
  Eigen::Matrix2d cov = Eigen::Matrix2d::Zero();
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      const double w = p[size_t(u) * n + v];
      const Eigen::Vector2d d(wrapped_offset(u, fit.mean(0), n), wrapped_offset(v, fit.mean(1), n));
      cov += w * d * d.transpose();
    }
  fit.covariance = cov;
  return fit;
}

AwbEstimate estimate_illuminant_ffcc(const FfccModel& m, const RgbThumbnail& thumbnail,
                                     const RawMetadata& meta, FfccTrace* trace) {
  const Eigen::Matrix3f to_canonical = canonical_from_camera(m, meta);
  const Illuminant mean = gray_world(thumbnail, meta.as_shot_neutral);
  const double log2_luminance = scene_log2_luminance(meta, thumbnail);
  if (beyond_model_lights(m, to_canonical * Eigen::Vector3f(mean[0], mean[1], mean[2]),
                          colour_spread_over_noise(thumbnail))) {
    AwbEstimate estimate;
    estimate.illuminant_rgb = mean;
    estimate.scene_log2_luminance = log2_luminance;
    estimate.beyond_model = true;
    if (trace) {
      trace->canonical_from_camera = to_canonical;
      trace->histogram = chroma_histograms(m, thumbnail, to_canonical).channels[kPixelChannel];
      trace->posterior.clear();
      trace->mean_bin = Eigen::Vector2d::Zero();
    }
    return estimate;
  }
  ChromaHistograms histograms = chroma_histograms(m, thumbnail, to_canonical);
  histograms.log2_luminance = log2_luminance;
  std::vector<float> posterior = ffcc_scores(m, histograms);
  softmax(&posterior);
  const VonMisesFit fit = fit_von_mises(posterior, m.bins);
  if (trace) {
    trace->canonical_from_camera = to_canonical;
    trace->histogram = histograms.channels[kPixelChannel];
    trace->posterior = posterior;
    trace->mean_bin = fit.mean;
  }

  AwbEstimate estimate;
  estimate.scene_log2_luminance = log2_luminance;
  const Eigen::Vector3f camera = to_canonical.inverse() * rgb_at_bin(m, fit.mean);
  if (!(camera(0) > 0 && camera(1) > 0 && camera(2) > 0)) {
    estimate.illuminant_rgb = meta.as_shot_neutral;
    return estimate;
  }
  estimate.illuminant_rgb = {camera(0) / camera(1), 1.0f, camera(2) / camera(1)};
  double near = 0;
  const double radius = confidence_radius_bins(m);
  for (int u = 0; u < m.bins; ++u)
    for (int v = 0; v < m.bins; ++v) {
      const double du = wrapped_offset(u, fit.mean(0), m.bins),
                   dv = wrapped_offset(v, fit.mean(1), m.bins);
      if (du * du + dv * dv <= radius * radius)
        near += posterior[size_t(u) * m.bins + v];
    }
  estimate.confidence = float(near);
  return estimate;
}

}  // namespace nb
