// Procedural night scene for synthetic bursts.
#include "synth/scene.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace nb {
namespace {

using Rgb = std::array<float, 3>;

// Lattice value noise in [0, 1] with smoothstep interpolation.
float hash01(int x, int y, uint32_t seed) {
  uint32_t h = uint32_t(x) * 374761393u + uint32_t(y) * 668265263u + seed * 2246822519u;
  h = (h ^ (h >> 13)) * 1274126177u;
  return float((h ^ (h >> 16)) & 0xffffff) / float(0xffffff);
}

float value_noise(float x, float y, uint32_t seed) {
  int x0 = int(std::floor(x)), y0 = int(std::floor(y));
  float fx = x - x0, fy = y - y0;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  float a = hash01(x0, y0, seed), b = hash01(x0 + 1, y0, seed);
  float c = hash01(x0, y0 + 1, seed), d = hash01(x0 + 1, y0 + 1, seed);
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

float fractal(float x, float y, uint32_t seed) {
  float sum = 0, amp = 0.5f;
  for (int o = 0; o < 5; ++o) {
    sum += amp * value_noise(x, y, seed + o);
    x *= 2.03f;
    y *= 2.03f;
    amp *= 0.5f;
  }
  return sum;
}

struct Building {
  float x0, x1, top;  // in units of scene height
  Rgb facade;
  uint32_t seed;
};

struct Lamp {
  float x, y, r;
};

// Approximate sRGB values of the 24 ColorChecker patches.
const Rgb kChart[24] = {
    {0.45f, 0.32f, 0.26f}, {0.77f, 0.59f, 0.51f}, {0.38f, 0.48f, 0.61f}, {0.35f, 0.42f, 0.26f},
    {0.51f, 0.50f, 0.69f}, {0.39f, 0.74f, 0.67f}, {0.85f, 0.48f, 0.18f}, {0.29f, 0.36f, 0.65f},
    {0.76f, 0.33f, 0.38f}, {0.36f, 0.24f, 0.42f}, {0.62f, 0.74f, 0.25f}, {0.89f, 0.63f, 0.18f},
    {0.17f, 0.24f, 0.58f}, {0.28f, 0.58f, 0.29f}, {0.69f, 0.20f, 0.23f}, {0.93f, 0.78f, 0.12f},
    {0.73f, 0.33f, 0.59f}, {0.00f, 0.52f, 0.65f}, {0.95f, 0.95f, 0.95f}, {0.78f, 0.78f, 0.78f},
    {0.63f, 0.63f, 0.63f}, {0.48f, 0.48f, 0.48f}, {0.33f, 0.33f, 0.33f}, {0.20f, 0.20f, 0.20f}};

class NightScene {
 public:
  NightScene(int width, int height, uint64_t seed) : w_(width), h_(height), seed_(uint32_t(seed)) {
    std::mt19937 rng(seed_);
    std::uniform_real_distribution<float> u(0, 1);
    float aspect = float(w_) / h_;
    float x = -0.02f;
    while (x < aspect) {
      float width_u = 0.12f + 0.2f * u(rng);
      float grey = 0.18f + 0.2f * u(rng);
      buildings_.push_back({x, x + width_u, 0.12f + 0.35f * u(rng),
                            {grey * (0.9f + 0.2f * u(rng)), grey, grey * (0.85f + 0.2f * u(rng))},
                            uint32_t(rng())});
      x += width_u + 0.01f + 0.05f * u(rng);
    }
    for (int i = 0; i < 4; ++i) lamps_.push_back({aspect * (0.1f + 0.27f * i), 0.58f, 0.012f});
  }

  // sRGB colour at scene position (x, y) in pixels.
  Rgb at(float px, float py) const {
    float x = px / h_, y = py / h_;  // units of scene height
    float aspect = float(w_) / h_;
    Rgb c;
    // The test patterns cover whatever is under them: where one is, nothing
    // else needs computing.
    if (test_pattern(x, y, aspect, &c)) return c;
    // Sky, darker towards the top.
    c = {0.06f + 0.10f * y, 0.07f + 0.08f * y, 0.16f + 0.05f * y};
    // Buildings with a window grid; some windows lit.
    for (const Building& b : buildings_) {
      if (x >= b.x0 && x < b.x1 && y >= b.top && y < 0.62f) {
        float wx = (x - b.x0) / 0.03f, wy = (y - b.top) / 0.045f;
        float fx = wx - std::floor(wx), fy = wy - std::floor(wy);
        if (fx > 0.25f && fx < 0.75f && fy > 0.3f && fy < 0.8f && wy > 0.5f) {
          float lit = hash01(int(wx), int(wy), b.seed);
          if (lit > 0.55f) c = {1.0f, 0.82f, 0.52f};
          else c = {0.08f, 0.09f, 0.12f};
        } else {  // the facade's texture only where no window covers it
          float t = 0.85f + 0.3f * fractal(x * 40, y * 40, b.seed);
          c = {b.facade[0] * t, b.facade[1] * t, b.facade[2] * t};
        }
      }
    }
    // Street and pavement below the horizon, textured.
    if (y >= 0.62f) {
      float t = 0.75f + 0.5f * fractal(x * 60, y * 60, seed_ + 11);
      c = {0.32f * t, 0.30f * t, 0.28f * t};
      if (std::fabs(y - 0.8f) < 0.006f && std::fmod(x, 0.12f) < 0.07f) c = {0.9f, 0.88f, 0.8f};  // lane marks
    }
    // Lamp posts and lamps (bright enough to clip in the raw).
    for (const Lamp& l : lamps_) {
      if (std::fabs(x - l.x) < 0.004f && y > l.y && y < 0.75f) c = {0.12f, 0.12f, 0.13f};
      // Outside the glow's bounding square the distance is at least 4r.
      if (std::fabs(x - l.x) >= 4 * l.r || std::fabs(y - l.y) >= 4 * l.r) continue;
      float d = std::hypot(x - l.x, y - l.y);
      if (d < l.r) c = {1.0f, 1.0f, 1.0f};
      else if (d < 4 * l.r) {
        float g = 0.6f * (1 - (d - l.r) / (3 * l.r));
        c = {std::min(1.0f, c[0] + g), std::min(1.0f, c[1] + 0.9f * g), std::min(1.0f, c[2] + 0.6f * g)};
      }
    }
    for (float& v : c) v = std::clamp(v, 0.0f, 1.0f);
    return c;
  }

 private:
  // The colour chart (lower left), the Siemens star (lower right) and the bar
  // patterns (centre bottom), the later over the earlier; false where none is.
  static bool test_pattern(float x, float y, float aspect, Rgb* c) {
    // Bar patterns of rising frequency.
    float bx = aspect * 0.45f, by = 0.68f;
    if (x >= bx && x < bx + 0.3f && y >= by && y < by + 0.08f) {
      float f = 40 + 260 * (x - bx) / 0.3f;  // cycles per scene height
      float v = std::sin(2 * float(M_PI) * f * (x - bx)) > 0 ? 0.8f : 0.1f;
      *c = {v, v * 0.95f, v * 0.9f};
      return true;
    }
    // Siemens star (outside its bounding square, the distance is at least its radius).
    float sx = aspect - 0.16f, sy = 0.8f, sr = 0.13f;
    if (std::fabs(x - sx) < sr && std::fabs(y - sy) < sr && std::hypot(x - sx, y - sy) < sr) {
      float a = std::atan2(y - sy, x - sx);
      float v = std::sin(a * 24) > 0 ? 0.85f : 0.05f;
      *c = {v, v, v};
      return true;
    }
    // Colour chart.
    float cx0 = 0.05f, cy0 = 0.66f, cell = 0.05f;
    if (x >= cx0 && x < cx0 + 6 * cell && y >= cy0 && y < cy0 + 4 * cell) {
      int i = int((x - cx0) / cell), j = int((y - cy0) / cell);
      float fx = (x - cx0) / cell - i, fy = (y - cy0) / cell - j;
      *c = (fx > 0.08f && fx < 0.92f && fy > 0.08f && fy < 0.92f) ? kChart[j * 6 + i] : Rgb{0.03f, 0.03f, 0.03f};
      return true;
    }
    return false;
  }

  int w_, h_;
  uint32_t seed_;
  std::vector<Building> buildings_;
  std::vector<Lamp> lamps_;
};

}  // namespace

Halide::Runtime::Buffer<float, 3> render_night_scene(int width, int height, uint64_t seed) {
  NightScene scene(width, height, seed);
  Halide::Runtime::Buffer<float, 3> out(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      Rgb sum{0, 0, 0};
      for (int s = 0; s < 4; ++s) {
        Rgb v = scene.at(x + 0.25f + 0.5f * (s & 1), y + 0.25f + 0.5f * (s >> 1));
        for (int c = 0; c < 3; ++c) sum[c] += v[c];
      }
      for (int c = 0; c < 3; ++c) out(x, y, c) = sum[c] * 0.25f;
    }
  return out;
}

}  // namespace nb
