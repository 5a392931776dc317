#include "stages/defective_pixels.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>

#include "core/buffer_copy.h"
#include "core/parallel_rows.h"
#include "stages/align_tiles.h"

namespace nb {
namespace {

// The eight same-colour neighbours, two pixels away.
constexpr int kRing[8][2] = {{-2, -2}, {0, -2}, {2, -2}, {-2, 0}, {2, 0}, {-2, 2}, {0, 2}, {2, 2}};
constexpr int kDirect[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
// A frame votes "defect" when the pixel's rise above its ring at the same
// sensor position agrees with the reference's (within this many deviations
// of their difference's noise) but its sample where the scene went does
// not; and "scene" the other way round.
constexpr double kAgreeSigmas = 3.0;
// Sensor pixels the scene must have moved for a frame to vote.
constexpr double kMinVotingMotion = 1.5;

// Past an edge, the sample mirrored about it (same CFA colour).
int mirrored(int v, int extent) {
  if (v < 0) return -v;
  if (v >= extent) return 2 * (extent - 1) - v;
  return v;
}

// Sorts v[0..3] ascending.
void sort4(float v[4]) {
  auto order = [&](int i, int j) {
    const float low = std::min(v[i], v[j]), high = std::max(v[i], v[j]);
    v[i] = low;
    v[j] = high;
  };
  order(0, 1);
  order(2, 3);
  order(0, 2);
  order(1, 3);
  order(1, 2);
}

// A frame's samples in normalised units (divided by `divide_by`: a
// bracket's frame in the reference's scale), edges mirrored.
class Normalised {
 public:
  explicit Normalised(const RawFrame& f, double divide_by = 1) : f_(f) {
    for (int i = 0; i < 4; ++i) {
      black_[i] = f.meta.black_level[size_t(i)];
      scale_[i] = divide_by == 1 ? 1.0f / (f.meta.white_level - black_[i])
                                 : float(1.0 / ((double(f.meta.white_level) - black_[i]) * divide_by));
    }
  }
  float operator()(int x, int y) const {
    x = mirrored(x, f_.mosaic.width());
    y = mirrored(y, f_.mosaic.height());
    const int i = cfa_index(x, y);
    return (f_.mosaic(x, y) - black_[i]) * scale_[i];
  }
  // The median of (x, y)'s eight same-colour neighbours: the mean of the
  // 4th and 5th smallest. Each half of the ring sorted (five compare-swaps),
  // then the two middle values of their union by merging the halves'
  // ranks: branch-free min and max, where nth_element branched on every
  // comparison (this is most of the defect search's time).
  float ring_median(int x, int y) const {
    float a[4], b[4];
    for (int k = 0; k < 4; ++k) {
      a[k] = (*this)(x + kRing[k][0], y + kRing[k][1]);
      b[k] = (*this)(x + kRing[k + 4][0], y + kRing[k + 4][1]);
    }
    sort4(a);
    sort4(b);
    const float fourth = std::min({b[3], std::max(a[0], b[2]), std::max(a[1], b[1]), std::max(a[2], b[0]), a[3]});
    const float fifth = std::max({b[0], std::min(a[3], b[1]), std::min(a[2], b[2]), std::min(a[1], b[3]), a[0]});
    return 0.5f * (fifth + fourth);
  }

 private:
  const RawFrame& f_;
  float black_[4], scale_[4];
};

double noise_sigma(const NoiseProfile& noise, int x, int y, double level) {
  return std::sqrt(std::max(noise.variance(cfa_index(x, y), std::max(level, 0.0)), 1e-12));
}

// Whether (x, y) is a single-sample spike in this frame: far from its ring's
// median, while its direct neighbours do not rise (or fall) with it. Its
// rise above the ring's median and the noise deviation there, if asked.
bool is_spike(const Normalised& f, const NoiseProfile& noise, const std::array<float, 3>& neutral, CfaPattern cfa,
              int x, int y, double* rise_out = nullptr, double* sigma_out = nullptr) {
  const double median = f.ring_median(x, y), rise = f(x, y) - median;
  const double sigma = noise_sigma(noise, x, y, median);
  if (rise_out) *rise_out = rise;
  if (sigma_out) *sigma_out = sigma;
  if (std::abs(rise) <= kSpikeSigmas * sigma) return false;
  // The lens spreads a point both ways; a defective row or column segment
  // rises along itself only. So the direction whose pair follows less. The
  // direct neighbours are of other colours: their rises are scaled by the
  // light's neutral to the pixel's colour (a white point under warm light
  // raises blue far less than green).
  double pair[2] = {0, 0};
  const int colour = cfa_color(cfa, x, y);
  for (int k = 0; k < 4; ++k) {
    const int nx = x + kDirect[k][0], ny = y + kDirect[k][1];
    const double to_colour = neutral[size_t(colour)] / neutral[size_t(cfa_color(cfa, nx & 1, ny & 1))];
    pair[k / 2] += (f(nx, ny) - f.ring_median(nx, ny)) * to_colour;
  }
  const double sign = rise > 0 ? 1 : -1, follow = std::min(sign * pair[0], sign * pair[1]) / 2;
  // The mean of two neighbours' deviations has about 0.75 of a sample's noise.
  return follow < kNeighbourShare * std::abs(rise) + 1.1 * sigma;
}

// A cheap first look over a whole frame: a sample far from both the larger
// of its horizontal same-colour neighbours and the larger of its vertical
// ones (or below both smaller ones), so that a defective row or column
// segment still stands out across it. In ADU, with the squared noise
// threshold linear in the level: no division or root per sample.
std::vector<int64_t> candidates(const RawFrame& frame, const NoiseProfile& noise) {
  const Normalised f(frame);
  const RawMetadata& m = frame.meta;
  const int w = frame.mosaic.width(), h = frame.mosaic.height();
  // (k sigma)^2 in ADU^2 at level L ADU: slope[p] * max(L, black) + intercept[p].
  float slope[4], intercept[4], black[4];
  for (int p = 0; p < 4; ++p) {
    black[p] = m.black_level[size_t(p)];
    const double range = m.white_level - black[p], k2 = kSpikeSigmas * kSpikeSigmas;
    slope[p] = float(k2 * range * noise.scale[size_t(p)]);
    intercept[p] = float(k2 * (range * range * noise.offset[size_t(p)] - range * noise.scale[size_t(p)] * black[p]));
  }
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(h));
  parallel_rows(h, 16, [&](int y) {
    std::vector<int64_t>& found = rows[size_t(y)];
    auto slow = [&](int x) {
      const float v = f(x, y), l = f(x - 2, y), r = f(x + 2, y), u = f(x, y - 2), d = f(x, y + 2);
      const float high = std::min(std::max(l, r), std::max(u, d)), low = std::max(std::min(l, r), std::min(u, d));
      if (v - high > kSpikeSigmas * noise_sigma(noise, x, y, high) ||
          low - v > kSpikeSigmas * noise_sigma(noise, x, y, low))
        found.push_back(int64_t(y) * w + x);
    };
    if (y < 2 || y >= h - 2 || w < 5) {
      for (int x = 0; x < w; ++x) slow(x);
      return;
    }
    const uint16_t *row = &frame.mosaic(0, y), *up = &frame.mosaic(0, y - 2), *down = &frame.mosaic(0, y + 2);
    slow(0);
    slow(1);
    // The row's two CFA positions' constants, chosen per sample by parity,
    // and a flag per sample: a loop of selects and arithmetic that vectorises.
    const int p0 = cfa_index(0, y), p1 = cfa_index(1, y);
    const float slope0 = slope[p0], slope1 = slope[p1], intercept0 = intercept[p0], intercept1 = intercept[p1],
                black0 = black[p0], black1 = black[p1];
    const int end = w - 2;
    std::vector<uint8_t> flags(size_t(w), 0);
    uint8_t* flag = flags.data();
    const int black_adu0 = int(std::lround(black0)), black_adu1 = int(std::lround(black1));
    for (int x = 2; x < end; ++x) {
      const int odd = x & 1;
      const float s = odd ? slope1 : slope0, c = odd ? intercept1 : intercept0;
      const int b = odd ? black_adu1 : black_adu0;
      const int v = row[x], l = row[x - 2], r = row[x + 2], u = up[x], d = down[x];
      const int high = std::min(std::max(l, r), std::max(u, d)), low = std::max(std::min(l, r), std::min(u, d));
      const float above = float(std::max(v - high, 0)), below = float(std::max(low - v, 0));
      const float high_threshold = s * float(std::max(high, b)) + c, low_threshold = s * float(std::max(low, b)) + c;
      flag[x] = uint8_t(int(above * above > high_threshold) | int(below * below > low_threshold));
    }
    // Candidates are rare: the flags are scanned eight at a time.
    for (int x = 2; x < end; ++x) {
      if (x % 8 == 0 && x + 8 <= end) {
        uint64_t eight;
        std::memcpy(&eight, flag + x, sizeof eight);
        if (eight == 0) {
          x += 7;
          continue;
        }
      }
      if (flag[x]) found.push_back(int64_t(y) * w + x);
    }
    slow(w - 2);
    slow(w - 1);
  });
  std::vector<int64_t> out;
  for (const auto& row : rows) out.insert(out.end(), row.begin(), row.end());
  return out;
}

}  // namespace

std::vector<int64_t> listed_defects(const RawFrame& frame) {
  const DefectList& d = frame.meta.defects;
  const int width = frame.meta.width, height = frame.meta.height;
  std::vector<int64_t> bad;
  for (const auto& [x, y] : d.points) bad.push_back(int64_t(y) * width + x);
  for (const auto& [left, top, right, bottom] : d.rects)
    for (int y = top; y < bottom; ++y)
      for (int x = left; x < right; ++x) bad.push_back(int64_t(y) * width + x);
  if (d.constant >= 0) {
    const uint16_t constant = uint16_t(d.constant);
    for (int y = 0; y < height; ++y) {
      const uint16_t* row = &frame.mosaic(0, y);
      for (int x = 0; x < width; ++x)
        if (row[x] == constant) bad.push_back(int64_t(y) * width + x);
    }
  }
  std::sort(bad.begin(), bad.end());
  bad.erase(std::unique(bad.begin(), bad.end()), bad.end());
  return bad;
}

void repair_listed_defects(RawFrame* frame, Samples samples) {
  if (!frame->meta.defects.empty()) repair_defects(frame, {}, samples);
}

void repair_defects(RawFrame* frame, const std::vector<int64_t>& found, Samples samples) {
  std::vector<int64_t> bad = listed_defects(*frame);
  if (!found.empty()) {
    std::vector<int64_t> both;
    std::set_union(bad.begin(), bad.end(), found.begin(), found.end(), std::back_inserter(both));
    bad.swap(both);
  }
  if (bad.empty()) return;
  // A shared frame is copied first even when it owns its memory: it may be
  // a shallow copy of the caller's RawFrame.
  if (samples == Samples::kShared) frame->mosaic = owned_copy(frame->mosaic);
  const int width = frame->meta.width, height = frame->meta.height;
  auto is_bad = [&](int x, int y) { return std::binary_search(bad.begin(), bad.end(), int64_t(y) * width + x); };
  // Same-colour pairs across the pixel: along the rows, the columns and
  // both diagonals at distance 2, and (greens) the diagonal neighbours.
  static const int pairs[6][2] = {{2, 0}, {0, 2}, {2, 2}, {2, -2}, {1, 1}, {1, -1}};
  // Replacements computed from the unrepaired samples first, then written:
  // no repaired pixel feeds another's value.
  std::vector<std::pair<int64_t, uint16_t>> replaced;
  for (int64_t index : bad) {
    const int x = int(index % width), y = int(index / width);
    const bool green = cfa_color(frame->meta.cfa, x, y) == 1;
    auto usable = [&](int nx, int ny) { return nx >= 0 && ny >= 0 && nx < width && ny < height && !is_bad(nx, ny); };
    // The pair across the pixel that differs least (the direction of an
    // edge through it, not across it), as a demosaicker interpolates.
    int best_difference = -1;
    uint32_t best_sum = 0;
    for (int p = 0; p < (green ? 6 : 4); ++p) {
      const int dx = pairs[p][0], dy = pairs[p][1];
      if (!usable(x - dx, y - dy) || !usable(x + dx, y + dy)) continue;
      const int a = frame->mosaic(x - dx, y - dy), b = frame->mosaic(x + dx, y + dy);
      if (best_difference < 0 || std::abs(a - b) < best_difference) {
        best_difference = std::abs(a - b);
        best_sum = uint32_t(a + b);
      }
    }
    if (best_difference >= 0) {
      replaced.push_back({index, uint16_t((best_sum + 1) / 2)});
      continue;
    }
    // No whole pair (a cluster, an edge of the frame): the mean of what is
    // usable around it at distance 2, else at distance 4.
    uint32_t sum = 0;
    int n = 0;
    for (int radius : {2, 4}) {
      for (int dy = -radius; dy <= radius; dy += radius)
        for (int dx = -radius; dx <= radius; dx += radius)
          if ((dx || dy) && usable(x + dx, y + dy)) {
            sum += frame->mosaic(x + dx, y + dy);
            ++n;
          }
      if (n) break;
    }
    if (n > 0) replaced.push_back({index, uint16_t((sum + n / 2) / n)});
  }
  for (const auto& [index, value] : replaced) frame->mosaic(int(index % width), int(index / width)) = value;
}

std::vector<int64_t> find_unlisted_defects(const RawFrame& reference, const std::vector<const RawFrame*>& alternates,
                                           const std::vector<const AlignmentField*>& fields,
                                           const NoiseProfile& noise,
                                           const std::vector<double>& exposure_ratios) {
  std::vector<int64_t> out;
  if (alternates.empty()) return out;
  const int w = reference.mosaic.width(), h = reference.mosaic.height();
  const Normalised ref(reference);
  std::vector<Normalised> alt;
  for (size_t k = 0; k < alternates.size(); ++k)
    alt.emplace_back(*alternates[k], exposure_ratios.empty() ? 1.0 : exposure_ratios[k]);
  const std::vector<int64_t> looked_at = candidates(reference, noise);
  std::vector<CameraMotion> motions;
  for (const AlignmentField* field : fields) motions.push_back(camera_motion(*field));
  // Each candidate judged on its own: in chunks over the thread pool.
  constexpr int kChunk = 256;
  const int chunks = int((looked_at.size() + kChunk - 1) / kChunk);
  std::vector<std::vector<int64_t>> found(static_cast<size_t>(chunks));
  parallel_rows(chunks, 1, [&](int chunk) {
    const size_t first = size_t(chunk) * kChunk, last = std::min(looked_at.size(), first + kChunk);
    for (size_t n = first; n < last; ++n) {
      const int x = int(looked_at[n] % w), y = int(looked_at[n] / w);
      double rise, sigma;
      if (!is_spike(ref, noise, reference.meta.as_shot_neutral, reference.meta.cfa, x, y, &rise, &sigma)) continue;
      int still = 0, moved = 0;  // frames whose votes say defective, and scene
      for (size_t k = 0; k < alt.size(); ++k) {
        // Where the scene at (x, y) went in frame k, in sensor pixels, by
        // the camera's motion (fitted on the planes), not the tile's (see
        // camera_motion).
        const double sx = 2 * motions[k].dx(x / 2, y / 2), sy = 2 * motions[k].dy(x / 2, y / 2);
        // A frame the scene moved less than this in cannot tell a point the
        // lens spread from a fixed one; nor one whose sample there lies
        // outside the frame.
        if (sx * sx + sy * sy < kMinVotingMotion * kMinVotingMotion) continue;
        if (x + sx < 2 || y + sy < 2 || x + sx > w - 3 || y + sy > h - 3) continue;
        // At the same sensor position, the rise above the same-colour ring
        // (a defect's offset is fixed while the scene under it changes).
        const double fixed = rise - (alt[k](x, y) - alt[k].ring_median(x, y));
        // The scene's sample: the frame's nearest of the pixel's colour to
        // where the scene went; a bilinear mix would take some of the
        // defect itself (or of its column) in after a shake of 1-2 px.
        const int gx = int(std::lround(sx / 2)), gy = int(std::lround(sy / 2));
        if (gx == 0 && gy == 0) continue;
        const double with_scene = ref(x, y) - alt[k](x + 2 * gx, y + 2 * gy);
        // The noise of a difference of two samples at the pixel's own level
        // (a bright point's is far above its ring's).
        const double spread = std::sqrt(2.0) * std::max(sigma, noise_sigma(noise, x, y, ref(x, y)));
        const bool fixed_agrees = std::abs(fixed) < kAgreeSigmas * spread,
                   scene_agrees = std::abs(with_scene) < kAgreeSigmas * spread;
        if (fixed_agrees && !scene_agrees) ++still;   // it stays where the sensor is
        if (scene_agrees && !fixed_agrees) ++moved;   // it goes where the scene goes
      }
      if (still > 0 && still >= 2 * moved) found[size_t(chunk)].push_back(looked_at[n]);
    }
  });
  for (const auto& f : found) out.insert(out.end(), f.begin(), f.end());
  return out;  // ascending: the candidates were, and the chunks are in order
}

}  // namespace nb
