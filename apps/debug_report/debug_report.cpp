// The visual report: pictures drawn with OpenCV's imgproc (lines, arrows,
// text, colour maps; a Debian package the tools already use, not linked into
// the core), written as PNG by the I/O library, tied together by an HTML page
// that needs nothing from the network.
#include "debug_report/debug_report.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stages/ffcc.h"

namespace nb::apps {
namespace {

namespace fs = std::filesystem;

// Images are 8-bit RGB in channel order R, G, B (OpenCV's colour maps give
// B, G, R and are swapped on the way in).
using Rgb = cv::Scalar;

const Rgb kWhite(255, 255, 255), kGrey(150, 150, 150), kDark(24, 24, 24), kText(235, 235, 235);

std::string frame_stem(size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "frame_%02zu", index);
  return name;
}

std::string fmt(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string html_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

cv::Mat to_mat(const Halide::Runtime::Buffer<uint16_t, 3>& image) {
  cv::Mat out(image.height(), image.width(), CV_8UC3);
  for (int y = 0; y < image.height(); ++y) {
    auto* row = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.width(); ++x)
      for (int c = 0; c < 3; ++c) row[x][c] = uint8_t((image(x, y, c) * 255u + 32767u) / 65535u);
  }
  return out;
}

Status write_image(const std::string& dir, const std::string& name, const cv::Mat& rgb) {
  Halide::Runtime::Buffer<uint16_t, 3> buffer(rgb.cols, rgb.rows, 3);
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* row = rgb.ptr<cv::Vec3b>(y);
    for (int x = 0; x < rgb.cols; ++x)
      for (int c = 0; c < 3; ++c) buffer(x, y, c) = uint16_t(row[x][c] * 257);
  }
  return write_png((fs::path(dir) / name).string(), buffer, 8);
}

void label(cv::Mat* image, const std::string& text, cv::Point at, double size = 0.5, Rgb colour = kText) {
  cv::putText(*image, text, at + cv::Point(1, 1), cv::FONT_HERSHEY_SIMPLEX, size, kDark, 2, cv::LINE_AA);
  cv::putText(*image, text, at, cv::FONT_HERSHEY_SIMPLEX, size, colour, 1, cv::LINE_AA);
}

// A colour map (OpenCV's, B-G-R) applied to values in 0..1, as R-G-B.
cv::Mat coloured(const cv::Mat& unit_values, int colormap) {
  cv::Mat bytes, bgr, rgb;
  unit_values.convertTo(bytes, CV_8U, 255.0);
  cv::applyColorMap(bytes, bgr, colormap);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// A grey, dimmed copy: the backdrop the per-tile maps are drawn over.
cv::Mat dimmed_grey(const cv::Mat& rgb, double gain) {
  cv::Mat grey, out;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  grey.convertTo(grey, CV_8U, gain);
  cv::cvtColor(grey, out, cv::COLOR_GRAY2RGB);
  return out;
}

// A horizontal colour bar with its two ends named.
void colour_bar(cv::Mat* image, cv::Rect where, int colormap, const std::string& low, const std::string& high) {
  cv::Mat ramp(1, where.width, CV_32F);
  for (int x = 0; x < where.width; ++x) ramp.at<float>(0, x) = float(x) / float(std::max(1, where.width - 1));
  cv::Mat bar;
  cv::resize(coloured(ramp, colormap), bar, where.size(), 0, 0, cv::INTER_NEAREST);
  bar.copyTo((*image)(where));
  label(image, low, {where.x, where.y - 5}, 0.42);
  int baseline = 0;
  const cv::Size size = cv::getTextSize(high, cv::FONT_HERSHEY_SIMPLEX, 0.42, 1, &baseline);
  label(image, high, {where.x + where.width - size.width, where.y - 5}, 0.42);
}

cv::Mat luma(const cv::Mat& rgb) {
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  grey.convertTo(grey, CV_32F);
  return grey;
}

// The noise in an 8-bit crop: the standard deviation of its luma less its
// 3x3 mean (scene structure mostly removed, noise mostly kept).
double high_pass_sigma(const cv::Mat& rgb) {
  const cv::Mat y = luma(rgb);
  cv::Mat smooth;
  cv::blur(y, smooth, {3, 3}, {-1, -1}, cv::BORDER_REFLECT);
  cv::Scalar mean, sigma;
  cv::meanStdDev(y - smooth, mean, sigma);
  return sigma[0];
}

double variance_of(const cv::Mat& values) {
  cv::Scalar mean, sigma;
  cv::meanStdDev(values, mean, sigma);
  return sigma[0] * sigma[0];
}

struct Crop {
  cv::Rect rect;
  double reference_sigma = 0, merged_sigma = 0;
};

// The three noisiest flat regions: among the blocks whose merged content is
// flattest (the lowest 15 % by the largest of its quarters' mean gradient,
// so an edge in any corner counts), those where the reference alone differs most from the
// merged result (its noise), not overlapping.
std::vector<Crop> noisiest_flat_regions(const cv::Mat& reference, const cv::Mat& merged) {
  const int side = std::clamp(std::min(merged.cols, merged.rows) / 8 / 16 * 16, 32, 160);
  if (merged.cols < side || merged.rows < side) return {};
  const cv::Mat ref_y = luma(reference), merged_y = luma(merged);
  cv::Mat gx, gy, gradient;
  cv::Sobel(merged_y, gx, CV_32F, 1, 0);
  cv::Sobel(merged_y, gy, CV_32F, 0, 1);
  gradient = cv::abs(gx) + cv::abs(gy);
  struct Block {
    cv::Rect rect;
    double structure, noise;
  };
  std::vector<Block> blocks;
  for (int y = 0; y + side <= merged.rows; y += side / 2)
    for (int x = 0; x + side <= merged.cols; x += side / 2) {
      const cv::Rect r(x, y, side, side);
      double structure = 0;
      for (int q = 0; q < 4; ++q)
        structure = std::max(
            structure, cv::mean(gradient(cv::Rect(x + (q & 1) * side / 2, y + (q >> 1) * side / 2, side / 2, side / 2)))[0]);
      blocks.push_back({r, structure, variance_of(ref_y(r) - merged_y(r))});
    }
  std::vector<double> structure;
  for (const Block& b : blocks) structure.push_back(b.structure);
  const size_t flattest = structure.size() * 15 / 100;
  std::nth_element(structure.begin(), structure.begin() + flattest, structure.end());
  const double flat_below = structure[flattest];
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.noise > b.noise; });
  std::vector<Crop> crops;
  for (const Block& b : blocks) {
    if (b.structure > flat_below) continue;
    const bool overlaps = std::any_of(crops.begin(), crops.end(),
                                      [&](const Crop& c) { return (c.rect & b.rect).area() > 0; });
    if (overlaps) continue;
    crops.push_back({b.rect, high_pass_sigma(reference(b.rect)), high_pass_sigma(merged(b.rect))});
    if (crops.size() == 3) break;
  }
  return crops;
}

// The reference alone and the merged result side by side (each at most
// kPanelWidth across), the crops' places outlined and numbered.
constexpr int kPanelWidth = 720;
constexpr int kGap = 8;

cv::Mat side_by_side(const cv::Mat& reference, const cv::Mat& merged, const std::vector<Crop>& crops,
                     const std::string& merged_name) {
  const double scale = std::min(1.0, double(kPanelWidth) / merged.cols);
  const cv::Size panel(std::max(1, int(std::lround(merged.cols * scale))),
                       std::max(1, int(std::lround(merged.rows * scale))));
  cv::Mat out(panel.height + 28, 2 * panel.width + kGap, CV_8UC3, kDark);
  cv::Mat left = out(cv::Rect(0, 28, panel.width, panel.height)),
          right = out(cv::Rect(panel.width + kGap, 28, panel.width, panel.height));
  cv::resize(reference, left, panel, 0, 0, cv::INTER_AREA);
  cv::resize(merged, right, panel, 0, 0, cv::INTER_AREA);
  label(&out, "reference frame alone", {4, 19});
  label(&out, merged_name, {panel.width + kGap + 4, 19});
  for (size_t i = 0; i < crops.size(); ++i) {
    const cv::Rect& r = crops[i].rect;
    const cv::Rect scaled(int(r.x * scale), int(r.y * scale), std::max(2, int(r.width * scale)),
                          std::max(2, int(r.height * scale)));
    for (cv::Mat* side : {&left, &right}) {
      cv::rectangle(*side, scaled, Rgb(255, 220, 60), 1, cv::LINE_AA);
      label(side, std::to_string(i + 1), {scaled.x + 3, scaled.y + 14}, 0.45, Rgb(255, 220, 60));
    }
  }
  return out;
}

// The crop of the reference alone and of the merged result, 1:1.
cv::Mat crop_pair(const cv::Mat& reference, const cv::Mat& merged, const cv::Rect& r) {
  cv::Mat out(r.height, 2 * r.width + kGap, CV_8UC3, kDark);
  reference(r).copyTo(out(cv::Rect(0, 0, r.width, r.height)));
  merged(r).copyTo(out(cv::Rect(r.width + kGap, 0, r.width, r.height)));
  return out;
}

// Value of a per-tile map at sensor position (sx, sy): bilinear between tile
// centres, clamped at the edges.
float tile_value(const TileGrid& grid, const std::vector<float>& values, double sx, double sy) {
  auto axis = [](double v, double first, double stride, int tiles, int* a, int* b, float* t) {
    const double g = std::clamp((v - first) / stride, 0.0, double(tiles - 1));
    *a = int(g);
    *b = std::min(*a + 1, tiles - 1);
    *t = float(g - *a);
  };
  int x0, x1, y0, y1;
  float tx, ty;
  axis(sx, grid.first_x_px, grid.stride_px, grid.tiles_x, &x0, &x1, &tx);
  axis(sy, grid.first_y_px, grid.stride_px, grid.tiles_y, &y0, &y1, &ty);
  auto at = [&](int x, int y) { return values[size_t(y) * grid.tiles_x + x]; };
  const float top = at(x0, y0) + tx * (at(x1, y0) - at(x0, y0));
  const float bottom = at(x0, y1) + tx * (at(x1, y1) - at(x0, y1));
  return top + ty * (bottom - top);
}

constexpr int kLegendHeight = 44;

// The merge's robustness weight over the frame: viridis over the dimmed reference.
cv::Mat weight_map(const cv::Mat& backdrop, int step, const FrameDiagnostics& frame, const std::string& title) {
  cv::Mat weights(backdrop.rows, backdrop.cols, CV_32F);
  for (int y = 0; y < backdrop.rows; ++y)
    for (int x = 0; x < backdrop.cols; ++x)
      weights.at<float>(y, x) = std::clamp(
          tile_value(frame.merge, frame.merge_weight, (x + 0.5) * step, (y + 0.5) * step), 0.0f, 1.0f);
  cv::Mat blended;
  cv::addWeighted(coloured(weights, cv::COLORMAP_VIRIDIS), 0.7, dimmed_grey(backdrop, 1.0), 0.3, 0, blended);
  cv::Mat out(backdrop.rows + kLegendHeight, std::max(backdrop.cols, 320), CV_8UC3, kDark);
  blended.copyTo(out(cv::Rect(0, kLegendHeight, backdrop.cols, backdrop.rows)));
  label(&out, title, {4, 16});
  colour_bar(&out, {out.cols - 250, 24, 240, 12}, cv::COLORMAP_VIRIDIS, "0: reference kept", "1: merged");
  return out;
}

// Confidence 0 (red) through 0.5 (yellow) to 1 (green).
Rgb confidence_colour(float c) {
  c = std::clamp(c, 0.0f, 1.0f);
  return c < 0.5f ? Rgb(255, 510 * c, 40) : Rgb(255 * (2 - 2 * c), 255, 40);
}

// Arrows per tile (every k-th tile, at most about 40 across), lengthened by
// a stated factor so typical hand-held motion is visible.
cv::Mat alignment_arrows(const cv::Mat& backdrop, int step, const FrameDiagnostics& frame, const std::string& title) {
  const TileGrid& g = frame.alignment;
  cv::Mat out(backdrop.rows + kLegendHeight, std::max(backdrop.cols, 320), CV_8UC3, kDark);
  dimmed_grey(backdrop, 0.55).copyTo(out(cv::Rect(0, kLegendHeight, backdrop.cols, backdrop.rows)));
  const int every = std::max(1, (g.tiles_x + 39) / 40);
  const double spacing = every * g.stride_px / step;  // backdrop pixels between arrows
  // The gain makes the confident tiles' typical motion (the camera's) about
  // half the spacing; flat tiles' guesses (red) can be far longer and are
  // cut at 1.5 spacings so they do not hide the rest.
  std::vector<double> lengths;
  for (size_t i = 0; i < frame.dx_px.size(); ++i)
    if (frame.confidence[i] >= 0.5f) lengths.push_back(std::hypot(frame.dx_px[i], frame.dy_px[i]) / step);
  std::sort(lengths.begin(), lengths.end());
  const double typical = lengths.empty() ? 0 : lengths[lengths.size() * 3 / 4];
  const double gain = typical > 0 ? std::clamp(std::floor(0.5 * spacing / typical), 1.0, 50.0) : 1.0;
  const double longest = 1.5 * spacing;
  for (int ty = 0; ty < g.tiles_y; ty += every)
    for (int tx = 0; tx < g.tiles_x; tx += every) {
      const size_t i = size_t(ty) * g.tiles_x + tx;
      const cv::Point2d from((g.first_x_px + tx * g.stride_px) / step,
                             kLegendHeight + (g.first_y_px + ty * g.stride_px) / step);
      cv::Point2d arrow = cv::Point2d(frame.dx_px[i], frame.dy_px[i]) * (gain / step);
      if (cv::norm(arrow) > longest) arrow *= longest / cv::norm(arrow);
      const cv::Point2d to = from + arrow;
      const Rgb colour = confidence_colour(frame.confidence[i]);
      if (cv::norm(to - from) < 1.5) {
        cv::circle(out, from, 1, colour, cv::FILLED, cv::LINE_AA);
      } else {
        cv::arrowedLine(out, from, to, colour, 1, cv::LINE_AA, 0, 0.3);
      }
    }
  label(&out, title + "  (arrows x" + fmt("%.0f", gain) + ", cut at " + fmt("%.0f", longest * step / gain) +
                  " px)",
        {4, 16});
  const cv::Rect bar(out.cols - 250, 24, 240, 12);
  for (int x = 0; x < bar.width; ++x)
    cv::line(out, {bar.x + x, bar.y}, {bar.x + x, bar.y + bar.height - 1},
             confidence_colour(float(x) / float(bar.width - 1)));
  label(&out, "confidence 0", {bar.x, bar.y - 5}, 0.42);
  label(&out, "1", {bar.x + bar.width - 8, bar.y - 5}, 0.42);
  return out;
}

// A log-log plot's frame: data ranges (whole decades) to pixels, axes with
// a tick per decade and titles.
struct LogPlot {
  cv::Rect area;
  double x_low, x_high, y_low, y_high;  // powers of ten
  cv::Point2d at(double x, double y) const {
    auto unit = [](double v, double low, double high) { return std::log10(v / low) / std::log10(high / low); };
    return {area.x + unit(x, x_low, x_high) * area.width, area.y + area.height - unit(y, y_low, y_high) * area.height};
  }
};

double decade_below(double v) { return std::pow(10.0, std::floor(std::log10(v))); }
double decade_above(double v) { return std::pow(10.0, std::ceil(std::log10(v))); }

void draw_axes(cv::Mat* image, const LogPlot& plot, const std::string& x_title, const std::string& y_title) {
  const cv::Rect& a = plot.area;
  cv::rectangle(*image, a, kGrey, 1);
  for (double x = plot.x_low; x <= plot.x_high * 1.001; x *= 10) {
    const cv::Point2d p = plot.at(x, plot.y_low);
    cv::line(*image, p, p + cv::Point2d(0, 5), kGrey);
    label(image, fmt("%.0e", x), {int(p.x) - 18, a.y + a.height + 20}, 0.4);
  }
  for (double y = plot.y_low; y <= plot.y_high * 1.001; y *= 10) {
    const cv::Point2d p = plot.at(plot.x_low, y);
    cv::line(*image, p, p - cv::Point2d(5, 0), kGrey);
    label(image, fmt("%.0e", y), {4, int(p.y) + 4}, 0.4);
  }
  label(image, x_title, {a.x + a.width / 2 - 150, a.y + a.height + 42}, 0.45);
  label(image, y_title, {4, a.y - 12}, 0.45);
}

// variance = shot * x + read over the plot's x range, as a polyline (a
// curve on log axes), dashed or solid.
void profile_curve(cv::Mat* image, const LogPlot& plot, const NoiseProfile& profile, int position, Rgb colour,
                   bool dashed) {
  constexpr int kSteps = 64;
  cv::Point2d previous;
  for (int i = 0; i <= kSteps; ++i) {
    const double x = plot.x_low * std::pow(plot.x_high / plot.x_low, double(i) / kSteps);
    const cv::Point2d p = plot.at(x, std::max(profile.variance(position, x), plot.y_low));
    if (i > 0 && (!dashed || i % 2 == 1)) cv::line(*image, previous, p, colour, 1, cv::LINE_AA);
    previous = p;
  }
}

Rgb cfa_colour(char c, int position) {
  switch (c) {
    case 'R': return Rgb(240, 80, 70);
    case 'B': return Rgb(80, 140, 255);
    default: return position == 1 || position == 2 ? Rgb(90, 220, 90) : Rgb(170, 240, 120);
  }
}

// Measured variance against signal per CFA position, the fitted lines, and
// the file's NoiseProfile (dashed) when it has one.
cv::Mat noise_plot(const NoiseDiagnostics& noise, const NoiseProfile& metadata, bool from_metadata) {
  cv::Mat out(460, 680, CV_8UC3, kDark);
  double x_min = 1, x_max = 1e-4, y_min = 1, y_max = 1e-12;
  auto include_y = [&](double y) {
    if (y <= 0) return;
    y_min = std::min(y_min, y);
    y_max = std::max(y_max, y);
  };
  for (int p = 0; p < 4; ++p)
    for (size_t i = 0; i < noise.level[p].size(); ++i) {
      if (noise.level[p][i] <= 0) continue;  // black: no place on a log axis
      x_min = std::min(x_min, noise.level[p][i]);
      x_max = std::max(x_max, noise.level[p][i]);
      include_y(noise.variance[p][i]);
    }
  x_min = std::min(x_min, x_max / 10);
  for (int p = 0; p < 4; ++p)
    for (double x : {x_min, x_max}) {
      include_y(noise.fitted.variance(p, x));
      if (from_metadata) include_y(metadata.variance(p, x));
    }
  const LogPlot plot{{80, 40, 580, 350}, decade_below(x_min), decade_above(x_max), decade_below(y_min),
                     decade_above(y_max)};
  draw_axes(&out, plot, "signal (normalised: black 0, white 1), log scale", "noise variance, log scale");
  for (int p = 0; p < 4; ++p) {
    const char c = p < int(noise.cfa.size()) ? noise.cfa[size_t(p)] : 'G';
    const Rgb colour = cfa_colour(c, p);
    profile_curve(&out, plot, noise.fitted, p, colour, false);
    if (from_metadata) profile_curve(&out, plot, metadata, p, colour, true);
    for (size_t i = 0; i < noise.level[p].size(); ++i)
      if (noise.level[p][i] > 0 && noise.variance[p][i] > 0)
        cv::circle(out, plot.at(noise.level[p][i], noise.variance[p][i]), 3, colour, cv::FILLED, cv::LINE_AA);
    label(&out, std::string(1, c) + " (position " + std::to_string(p) + ")", {100, 62 + 18 * p}, 0.42, colour);
  }
  label(&out, "dots: measured (flattest blocks per level)", {300, 62}, 0.42);
  label(&out, from_metadata ? "line: fitted; dashed: the file's NoiseProfile" : "line: fitted (no NoiseProfile in the file)",
        {300, 80}, 0.42);
  return out;
}

// The log-chroma histogram and the posterior side by side, estimate (+),
// confidence radius (circle) and, for a synthetic burst, the truth (square).
constexpr int kBinPixels = 6;

cv::Mat awb_plot(const AwbDiagnostics& awb, float confidence, const BurstTruth& truth, const ProcessReport& report) {
  const int side = awb.bins * kBinPixels;
  cv::Mat out(side + 116, 2 * side + 3 * 20, CV_8UC3, kDark);
  // Both on a log scale below the peak, so the histogram's sparse colours
  // and the posterior's tails show (a sharp posterior needs more decades).
  auto panel = [&](const std::vector<float>& values, int decades, int colormap) {
    cv::Mat unit(awb.bins, awb.bins, CV_32F);
    const float top = std::max(*std::max_element(values.begin(), values.end()), 1e-30f);
    for (int u = 0; u < awb.bins; ++u)
      for (int v = 0; v < awb.bins; ++v) {
        const double value = std::max(double(values[size_t(u) * awb.bins + v] / top), std::pow(10.0, -decades));
        unit.at<float>(v, u) = float((std::log10(value) + decades) / decades);
      }
    cv::Mat big;
    cv::resize(coloured(unit, colormap), big, {side, side}, 0, 0, cv::INTER_NEAREST);
    return big;
  };
  const cv::Rect left(20, 40, side, side), right(side + 40, 40, side, side);
  panel(awb.histogram, 4, cv::COLORMAP_VIRIDIS).copyTo(out(left));
  panel(awb.posterior, 12, cv::COLORMAP_INFERNO).copyTo(out(right));
  label(&out, "scene log-chroma histogram (log, 4 decades)", {left.x, 28}, 0.45);
  label(&out, "posterior over the illuminant (log, 12 decades)", {right.x, 28}, 0.45);
  auto wrapped = [&](double b) { return std::fmod(std::fmod(b, awb.bins) + awb.bins, awb.bins); };
  auto place = [&](const cv::Rect& r, double u_bin, double v_bin) {
    return cv::Point2d(r.x + (wrapped(u_bin) + 0.5) * kBinPixels, r.y + (wrapped(v_bin) + 0.5) * kBinPixels);
  };
  for (const cv::Rect& r : {left, right}) {
    const cv::Point2d e = place(r, awb.estimate_u_bin, awb.estimate_v_bin);
    cv::drawMarker(out, e, kWhite, cv::MARKER_CROSS, 10, 1, cv::LINE_AA);
    cv::circle(out, e, int(std::lround(awb.confidence_radius_bins * kBinPixels)), kWhite, 1, cv::LINE_AA);
    if (truth.known) {
      const auto t = awb.bin_of(truth.illuminant_rgb);
      cv::drawMarker(out, place(r, t[0], t[1]), Rgb(60, 230, 255), cv::MARKER_SQUARE, 12, 2, cv::LINE_AA);
    }
  }
  const int y = side + 62;
  label(&out, "u = log(g/r) across, v = log(g/b) down; " + fmt("%.4f", awb.bin_size) + " per bin, wrapped", {20, y},
        0.42);
  std::string said = "+ estimate, circle: " + fmt("%.1f", awb.confidence_radius_bins) +
                     " bins, posterior inside = confidence " + fmt("%.2f", confidence);
  if (truth.known) said += "; square: the synthetic burst's truth";
  label(&out, said, {20, y + 20}, 0.42);
  label(&out, "illuminant (camera RGB) " + fmt("%.3f", report.awb_illuminant_rgb[0]) + ", 1, " +
                  fmt("%.3f", report.awb_illuminant_rgb[2]),
        {20, y + 40}, 0.42);
  return out;
}

double angle_deg(const std::array<float, 3>& a, const std::array<float, 3>& b) {
  double dot = 0, na = 0, nb2 = 0;
  for (int i = 0; i < 3; ++i) {
    dot += double(a[size_t(i)]) * b[size_t(i)];
    na += double(a[size_t(i)]) * a[size_t(i)];
    nb2 += double(b[size_t(i)]) * b[size_t(i)];
  }
  return std::acos(std::clamp(dot / std::sqrt(na * nb2), -1.0, 1.0)) * 180.0 / M_PI;
}

// The page: numbers from the report beside the pictures; one inline script
// (no network) counts images that failed to load and says so on the page.
std::string index_html(const FileBurstOutput& run, const std::string& report_json, const BurstTruth& truth,
                       const std::vector<Crop>& crops, bool have_awb_plot, const std::vector<std::string>& frame_images) {
  const ProcessReport& r = run.report;
  std::ostringstream h;
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nightburst: "
    << html_escaped(r.frames.empty() ? "" : r.frames[size_t(r.reference)]) << "</title>\n<style>\n"
    << "body{font:14px/1.45 sans-serif;margin:24px;background:#111;color:#ddd;max-width:1500px}\n"
    << "h1,h2{color:#fff;font-weight:600}h2{margin-top:2em;border-bottom:1px solid #333}\n"
    << "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #333;padding:3px 8px;text-align:right}"
    << "th{background:#1d1d1d}td.l,th.l{text-align:left}\n"
    << "img{display:block;max-width:100%;margin:6px 0}.crop img{image-rendering:pixelated}\n"
    << ".rejected{color:#ff7b6b}.grid{display:flex;flex-wrap:wrap;gap:16px}.grid figure{margin:0}.frames figure{width:calc(50% - 8px)}\n"
    << "pre{background:#1a1a1a;padding:10px;overflow:auto;font-size:12px}#image-check{color:#9c9}\n"
    << "</style></head>\n<body>\n";
  h << "<h1>nightburst debug report</h1>\n<p>" << r.frames.size() << " frames; reference frame " << r.reference
    << " (<code>" << html_escaped(r.frames.empty() ? "" : r.frames[size_t(r.reference)]) << "</code>); look "
    << html_escaped(r.look) << "; exposure gain " << fmt("%.3g", r.exposure_gain)
    << (r.superres_scale > 0 ? "; Super Res Zoom x" + fmt("%.2g", r.superres_scale) : std::string())
    << ".</p>\n<p id=\"image-check\">Images: not checked (the page's inline script did not run).</p>\n";

  h << "<h2>Reference alone and merged</h2>\n<p>Both finished with the merged result's white balance, exposure "
       "and tone mapping: the difference is the merge.</p>\n<img src=\"compare.png\" alt=\"reference alone and "
       "merged, side by side\">\n";
  h << "<p>The three noisiest flat regions at 1:1 (left: reference alone, right: merged), noise as the "
       "standard deviation of 8-bit luma less its 3x3 mean:</p>\n<div class=\"grid crop\">\n";
  for (size_t i = 0; i < crops.size(); ++i)
    h << "<figure><img src=\"crop_" << i + 1 << ".png\" alt=\"crop " << i + 1 << "\" width=\""
      << 2 * (2 * crops[i].rect.width + kGap) << "\"><figcaption>" << i + 1 << ": x " << crops[i].rect.x << ", y "
      << crops[i].rect.y << ", " << crops[i].rect.width << " px; noise " << fmt("%.2f", crops[i].reference_sigma)
      << " &rarr; " << fmt("%.2f", crops[i].merged_sigma) << " (shown at 2x)</figcaption></figure>\n";
  h << "</div>\n";

  h << "<h2>Frames</h2>\n<table><tr><th>frame</th><th class=\"l\">file</th><th>dx px</th><th>dy px</th>";
  if (truth.known) h << "<th>truth dx</th><th>truth dy</th>";
  h << "<th>spread px</th><th>low confidence</th><th>scene corr.</th><th>exposure</th><th>merge weight</th>"
       "<th class=\"l\">merged?</th></tr>\n";
  for (size_t i = 0; i < r.motion.size(); ++i) {
    const FrameMotion& m = r.motion[i];
    h << "<tr><td>" << i << "</td><td class=\"l\"><code>" << html_escaped(r.frames[i]) << "</code></td><td>"
      << fmt("%.2f", m.median_dx_px) << "</td><td>" << fmt("%.2f", m.median_dy_px) << "</td>";
    if (truth.known) {  // the truth is each frame's own offset; the report's, from the reference
      const size_t ref = size_t(r.reference);
      const bool has = i < truth.motion_px.size() && ref < truth.motion_px.size();
      h << "<td>" << (has ? fmt("%.2f", truth.motion_px[i][0] - truth.motion_px[ref][0]) : "") << "</td><td>"
        << (has ? fmt("%.2f", truth.motion_px[i][1] - truth.motion_px[ref][1]) : "") << "</td>";
    }
    h << "<td>" << fmt("%.2f", m.spread_px) << "</td><td>" << fmt("%.0f %%", 100 * m.low_confidence_fraction)
      << "</td><td>" << fmt("%.2f", m.scene_correlation) << "</td><td>" << fmt("%.3gx", m.exposure_ratio)
      << "</td><td>" << fmt("%.2f", m.mean_merge_weight) << "</td><td class=\"l\">";
    if (int(i) == r.reference) {
      h << "reference";
    } else if (m.rejected) {
      h << "<span class=\"rejected\">rejected: " << html_escaped(m.rejected_because) << "</span>";
    } else {
      h << "merged";
    }
    h << "</td></tr>\n";
  }
  h << "</table>\n<p>Per alternate frame: the merge's robustness weight per tile (where it kept the reference's "
       "content), and where the alignment found each tile of the reference (tile centres, arrows lengthened as "
       "stated, coloured by confidence).</p>\n";
  h << "<div class=\"grid frames\">\n";
  for (const std::string& image : frame_images)
    h << "<figure><img src=\"" << image << "\" alt=\"" << image << "\"></figure>\n";
  h << "</div>\n";

  const NoiseProfile& fitted = run.diagnostics.noise.fitted;
  h << "<h2>Noise model</h2>\n<img src=\"noise.png\" alt=\"noise variance against signal\">\n"
       "<table><tr><th class=\"l\">variance = shot &middot; signal + read</th><th>position 0</th><th>1</th>"
       "<th>2</th><th>3</th></tr>\n";
  auto row = [&](const char* name, const std::array<double, 4>& v) {
    h << "<tr><td class=\"l\">" << name << "</td>";
    for (double x : v) h << "<td>" << fmt("%.3g", x) << "</td>";
    h << "</tr>\n";
  };
  row("fitted shot", fitted.scale);
  row("fitted read", fitted.offset);
  if (r.noise_from_metadata) {
    row("file's NoiseProfile shot", r.noise.scale);
    row("file's NoiseProfile read", r.noise.offset);
  }
  h << "</table><p>The merge used " << (r.noise_from_metadata ? "the file's NoiseProfile" : "the fitted model")
    << ".</p>\n";

  h << "<h2>White balance</h2>\n<p>Method " << html_escaped(r.awb_method) << "; illuminant (camera RGB) "
    << fmt("%.3f", r.awb_illuminant_rgb[0]) << ", 1, " << fmt("%.3f", r.awb_illuminant_rgb[2]) << "; gains "
    << fmt("%.3f", r.awb_gains[0]) << ", " << fmt("%.3f", r.awb_gains[1]) << ", " << fmt("%.3f", r.awb_gains[2]);
  if (r.awb_confidence >= 0) h << "; confidence " << fmt("%.2f", r.awb_confidence);
  if (r.awb_scene_luminance > 0)
    h << "; prior for a scene of " << fmt("%.3g", r.awb_scene_luminance) << " cd/m&sup2; (from the exposure)";
  if (!r.awb_fallback.empty()) h << "; the model was not used: " << html_escaped(r.awb_fallback);
  if (r.color_temperature_k > 0) h << "; " << fmt("%.0f", r.color_temperature_k) << " K";
  if (truth.known)
    h << "; truth " << fmt("%.3f", truth.illuminant_rgb[0] / truth.illuminant_rgb[1]) << ", 1, "
      << fmt("%.3f", truth.illuminant_rgb[2] / truth.illuminant_rgb[1]) << ", angular error "
      << fmt("%.2f", angle_deg(r.awb_illuminant_rgb, truth.illuminant_rgb)) << "&deg;";
  h << ".</p>\n";
  if (have_awb_plot) {
    h << "<img src=\"awb.png\" alt=\"log-chroma histogram and posterior\">\n";
  } else if (r.awb_fallback.empty()) {
    h << "<p>The histogram and posterior belong to the learned method (<code>--awb learned</code>).</p>\n";
  }

  h << "<h2>Stages</h2>\n<table><tr><th class=\"l\">stage</th><th>ms</th></tr>\n";
  const nlohmann::json parsed = nlohmann::json::parse(report_json, nullptr, false);
  if (parsed.is_object() && parsed.contains("stage_ms") && parsed["stage_ms"].is_object())
    for (const auto& [stage, ms] : parsed["stage_ms"].items())
      if (ms.is_number()) h << "<tr><td class=\"l\">" << html_escaped(stage) << "</td><td>" << fmt("%.1f", ms.get<double>()) << "</td></tr>\n";
  h << "</table>\n";
  for (const std::string& warning : r.warnings) h << "<p>Warning: " << html_escaped(warning) << "</p>\n";
  h << "<h2>JSON report</h2>\n<details><summary>the report as --report writes it</summary><pre>"
    << html_escaped(report_json) << "</pre></details>\n";
  h << "<script>\nwindow.addEventListener('load', function () {\n"
       "  var images = Array.prototype.slice.call(document.images);\n"
       "  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });\n"
       "  document.body.setAttribute('data-images-loaded', String(images.length - broken.length));\n"
       "  document.body.setAttribute('data-images-broken', String(broken.length));\n"
       "  var line = document.getElementById('image-check');\n"
       "  line.textContent = broken.length === 0 ? 'All ' + images.length + ' images loaded.'\n"
       "    : broken.length + ' of ' + images.length + ' images did not load: ' +\n"
       "      broken.map(function (i) { return i.getAttribute('src'); }).join(', ');\n"
       "  if (broken.length) line.style.color = '#ff7b6b';\n"
       "});\n</script>\n</body></html>\n";
  return h.str();
}

}  // namespace

std::vector<std::string> debug_report_files(const std::string& dir, size_t frames) {
  std::vector<std::string> names = {"compare.png", "crop_1.png", "crop_2.png", "crop_3.png", "noise.png", "awb.png"};
  for (size_t i = 0; i < frames; ++i) {
    names.push_back(frame_stem(i) + "_weights.png");
    names.push_back(frame_stem(i) + "_alignment.png");
  }
  names.push_back("index.html");
  std::vector<std::string> paths;
  for (const std::string& name : names) paths.push_back((fs::path(dir) / name).string());
  return paths;
}

Status read_burst_truth(const std::string& first_frame, BurstTruth* truth) {
  *truth = BurstTruth();
  const fs::path path = fs::path(first_frame).parent_path() / "truth" / "truth.json";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status();
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  const auto number = [](const nlohmann::json& v) { return v.is_number(); };
  if (!j.is_object() || !j.contains("illuminant_rgb") || !j["illuminant_rgb"].is_array() ||
      j["illuminant_rgb"].size() != 3 || !std::all_of(j["illuminant_rgb"].begin(), j["illuminant_rgb"].end(), number))
    return bad_input(path.string() + ": not a synthetic burst's truth (no illuminant_rgb of three numbers)");
  for (int c = 0; c < 3; ++c) truth->illuminant_rgb[size_t(c)] = j["illuminant_rgb"][size_t(c)].get<float>();
  if (j.contains("motion") && j["motion"].is_array())
    for (const auto& m : j["motion"])
      if (m.is_object() && m.contains("dx_px") && m.contains("dy_px") && m["dx_px"].is_number() &&
          m["dy_px"].is_number())
        truth->motion_px.push_back({m["dx_px"].get<double>(), m["dy_px"].get<double>()});
  truth->known = true;
  return Status();
}

Status write_debug_report(const std::string& dir, const FileBurstOutput& run, const std::string& report_json,
                          const BurstTruth& truth) {
  const Diagnostics& d = run.diagnostics;
  if (!d.collected || !d.reference_srgb.data() || !d.backdrop.data())
    return internal_error("debug report: the run kept no diagnostics");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return bad_input(dir + ": cannot create the debug directory: " + ec.message());

  const cv::Mat merged = to_mat(run.srgb);
  cv::Mat reference = to_mat(d.reference_srgb);
  if (reference.size() != merged.size()) {  // Super Res Zoom's grid is larger
    cv::Mat resized;
    cv::resize(reference, resized, merged.size(), 0, 0, cv::INTER_LINEAR);
    reference = resized;
  }
  const std::vector<Crop> crops = noisiest_flat_regions(reference, merged);
  const ProcessReport& r = run.report;
  const std::string merged_name =
      "merged (" + std::to_string(r.frames.size()) + (r.frames.size() == 1 ? " frame)" : " frames)");
  NB_RETURN_IF_ERROR(write_image(dir, "compare.png", side_by_side(reference, merged, crops, merged_name)));
  for (size_t i = 0; i < 3; ++i) {
    const fs::path path = fs::path(dir) / ("crop_" + std::to_string(i + 1) + ".png");
    if (i < crops.size()) {
      NB_RETURN_IF_ERROR(write_image(dir, path.filename().string(), crop_pair(reference, merged, crops[i].rect)));
    } else {
      fs::remove(path, ec);  // an older run's, which the page no longer shows
    }
  }

  const cv::Mat backdrop = to_mat(d.backdrop);
  std::vector<std::string> frame_images;
  for (size_t i = 0; i < d.frames.size(); ++i) {
    const FrameDiagnostics& f = d.frames[i];
    const std::string stem = frame_stem(i), title = "frame " + std::to_string(i);
    const fs::path weights = fs::path(dir) / (stem + "_weights.png"), arrows = fs::path(dir) / (stem + "_alignment.png");
    fs::remove(weights, ec);
    fs::remove(arrows, ec);
    if (int(i) == r.reference) continue;
    const FrameMotion& m = r.motion[i];
    const std::string state = m.rejected ? " - rejected" : "";
    if (!f.merge_weight.empty()) {
      NB_RETURN_IF_ERROR(write_image(dir, weights.filename().string(),
                                     weight_map(backdrop, d.backdrop_step, f, title + ": merge weight" + state)));
      frame_images.push_back(weights.filename().string());
    }
    if (!f.dx_px.empty()) {
      NB_RETURN_IF_ERROR(write_image(dir, arrows.filename().string(),
                                     alignment_arrows(backdrop, d.backdrop_step, f, title + ": alignment" + state)));
      frame_images.push_back(arrows.filename().string());
    }
  }
  NB_RETURN_IF_ERROR(write_image(dir, "noise.png", noise_plot(d.noise, r.noise, r.noise_from_metadata)));
  const bool have_awb_plot = d.awb.bins > 0 && !d.awb.posterior.empty();
  if (have_awb_plot) {
    NB_RETURN_IF_ERROR(write_image(dir, "awb.png", awb_plot(d.awb, r.awb_confidence, truth, r)));
  } else {
    fs::remove(fs::path(dir) / "awb.png", ec);
  }
  return write_text_file((fs::path(dir) / "index.html").string(),
                         index_html(run, report_json, truth, crops, have_awb_plot, frame_images));
}

}  // namespace nb::apps
