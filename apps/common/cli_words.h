// Words in the CLI's messages: counts with the right plural, and the nearest
// known name to a mistyped one.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace nb::apps {

// "1 frame", "3 frames".
inline std::string count_of(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Edit distance (insertions, deletions, substitutions, transpositions of
// neighbours): how far a typed word is from a known one.
inline int edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = int(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = int(j);
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The known word nearest to `typed`, if it is near enough to be a typo
// (at most a third of its letters off, and at least one); else "".
inline std::string nearest_word(const std::string& typed, const std::vector<std::string>& known) {
  std::string best;
  int best_distance = std::max<int>(1, int(typed.size()) / 3) + 1;
  for (const std::string& k : known) {
    const int distance = edit_distance(typed, k);
    if (distance < best_distance) {
      best = k;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace nb::apps
