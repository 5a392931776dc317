#include "stages/defective_pixels.h"

#include <algorithm>

#include "core/buffer_copy.h"

namespace nb {

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

void repair_listed_defects(RawFrame* frame) {
  if (frame->meta.defects.empty()) return;
  const std::vector<int64_t> bad = listed_defects(*frame);
  if (bad.empty()) return;
  if (!frame->mosaic.owns_host_memory()) frame->mosaic = owned_copy(frame->mosaic);
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

}  // namespace nb
