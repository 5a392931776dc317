// nb_finish_basic: Malvar-He-Cutler demosaic, white balance with highlight clamp,
// camera -> linear sRGB matrix, exposure and local tone gain, the sRGB curve
// and the look's S-curve, chroma denoise and sharpening, to 16-bit.
// Built twice: from a mosaic (image.dim=2, nb_finish_basic) and from camera
// RGB that needs no demosaicing (image.dim=3, nb_finish_rgb: Super Res Zoom).
#include "Halide.h"
#include "demosaic.h"
#include "target_class.h"
#include "stages/finish_detail.h"

namespace {

using namespace Halide;

class FinishBasicGenerator : public Generator<FinishBasicGenerator> {
 public:
  // Normalised to [0, 1] (black subtracted, / (white - black)): a mosaic
  // (x, y) or camera RGB (x, y, c), as image.dim says.
  Input<Buffer<float>> image{"image"};
  // Position of the red sample inside the 2x2 CFA tile (blue is opposite);
  // unused for RGB.
  Input<int> red_x{"red_x", 0, 0, 1};
  Input<int> red_y{"red_y", 0, 0, 1};
  Input<Buffer<float, 1>> wb_gains{"wb_gains"};                  // R, G, B
  Input<Buffer<float, 2>> srgb_from_camera{"srgb_from_camera"};  // (camera channel, sRGB channel)
  Input<float> exposure_gain{"exposure_gain", 1.0f, 0.0f, 4096.0f};
  // The look's S-curve on the encoded value (s_curve() in src/stages/tone_look.h).
  Input<float> curve_contrast{"curve_contrast", 0.0f, 0.0f, 1.0f};
  Input<float> curve_pivot{"curve_pivot", 0.5f, 0.0f, 1.0f};
  // Chroma denoise strength and sharpening amount (src/stages/finish_detail.h).
  Input<float> chroma_denoise{"chroma_denoise", 1.0f, 0.0f, 1.0f};
  Input<float> sharpen{"sharpen", 0.5f, 0.0f, 4.0f};
  // Local tone mapping gain, one value per 4x4 sensor pixels (src/stages/local_tone.h).
  Input<Buffer<float, 2>> tone_gain{"tone_gain"};
  Output<Buffer<uint16_t, 3>> srgb{"srgb"};                      // (x, y, c), sRGB-encoded

  void generate() {
    if (image.dims() == 3) {
      camera(x, y, c) = BoundaryConditions::repeat_edge(image)(x, y, c);
    } else {
      // Mirroring about the edge sample keeps the CFA phase (x = -1 reads x = 1).
      Func in = BoundaryConditions::mirror_interior(image);
      camera = nb::demosaic::malvar_he_cutler(in, red_x, red_y, x, y, c);
    }
    // The tone gain, bilinear, as sample_tone_gain() in finish_basic.h, with
    // its columns read past the map's edges as the edge's (the same value
    // the clamped sample gives: there both neighbours are the edge).
    // Its column is floor(gx) = (x - 2) / 4 (gx has 3 fraction bits): in
    // each of the four phases of x = 4 q + r that is q plus a constant, so
    // the schedule loads the map's columns as vectors along q, where the
    // float index of every x was a gather per pixel.
    tone_columns = BoundaryConditions::repeat_edge(tone_gain);
    Expr gx = (cast<float>(x) + 0.5f) * 0.25f - 0.5f;
    Expr ax = (x - 2) / 4;
    Expr tx = gx - cast<float>(ax);
    Expr gy = min(max((cast<float>(y) + 0.5f) * 0.25f - 0.5f, 0.0f), cast<float>(tone_gain.height() - 1));
    Expr ay = cast<int>(gy), by = min(ay + 1, tone_gain.height() - 1), ty = gy - cast<float>(ay);
    Expr top = tone_columns(ax, ay) + tx * (tone_columns(ax + 1, ay) - tone_columns(ax, ay));
    Expr bottom = tone_columns(ax, by) + tx * (tone_columns(ax + 1, by) - tone_columns(ax, by));
    local_gain(x, y) = top + ty * (bottom - top);
    // Clamping the balanced channels at 1 makes clipped highlights neutral:
    // every channel ends at the same value, and the matrix maps (1,1,1) to white.
    balanced(x, y, c) = min(camera(x, y, c) * wb_gains(c), 1.0f);
    linear(x, y, c) = (srgb_from_camera(0, c) * balanced(x, y, 0) +
                       srgb_from_camera(1, c) * balanced(x, y, 1) +
                       srgb_from_camera(2, c) * balanced(x, y, 2)) * exposure_gain * local_gain(x, y);
    // The display curves (the sRGB encoding, then the look's S-curve) of
    // v = clamp(linear, 0, 1), from a table of 4098 values computed once
    // per call with the exact pow and exp: 256 an octave for v in
    // [2^-16, 1], indexed by v's float bits (exponent and the mantissa's top
    // 8 bits), so that each entry spans a fixed fraction of its value and
    // linear interpolation is within 1.3e-6 (a twelfth of a 16-bit step)
    // everywhere, the sRGB curve's steep foot included, for any contrast
    // and pivot. Below 2^-16 both curves are straight lines to 0 at this
    // precision. Per pixel, fast_pow and fast_exp were a fifth of the stage
    // and less exact: Halide's output differed from the reference's on
    // 0.84 % of the samples, now on 0.33 %. BM_FinishHalide 12 MP, 1
    // thread, 6 runs alternating: median 194.5 -> 183.5 ms.
    Expr table_v = reinterpret<float>(kTableLowBits + (table_index << kTableFractionBits));
    Expr table_encoded = select(table_v <= 0.0031308f, 12.92f * table_v, 1.055f * pow(table_v, 1.0f / 2.4f) - 0.055f);
    auto logistic = [](Expr t) { return 1.0f / (1.0f + exp(-6.0f * t)); };
    Expr lo = logistic(-curve_pivot), hi = logistic(1.0f - curve_pivot);
    Expr curved = (1.0f - curve_contrast) * table_encoded +
                  curve_contrast * (logistic(table_encoded - curve_pivot) - lo) / (hi - lo);
    display_table(table_index) = clamp(curved, 0.0f, 1.0f);

    Expr v = clamp(linear(x, y, c), 0.0f, 1.0f);
    Expr offset = reinterpret<int32_t>(v) - kTableLowBits;
    Expr entry = clamp(offset >> kTableFractionBits, 0, kTableEntries - 2);
    Expr fraction = cast<float>(offset & ((1 << kTableFractionBits) - 1)) * (1.0f / (1 << kTableFractionBits));
    Expr interpolated = display_table(entry) + fraction * (display_table(entry + 1) - display_table(entry));
    display(x, y, c) = select(v < kTableLow, v * (display_table(0) * (1.0f / kTableLow)), interpolated);

    // Chroma denoise and sharpening, as detail_pixel() in finish_detail.h.
    namespace detail = nb::detail;
    Expr luma = 0.299f * display(x, y, 0) + 0.587f * display(x, y, 1) + 0.114f * display(x, y, 2);
    ycc(x, y) = Tuple(luma, display(x, y, 2) - luma, display(x, y, 0) - luma);
    // The cross-bilateral weight of two pixels is symmetric, bit for bit:
    // float subtraction negates exactly, so w(p, p + d) = w(p + d, p). Each
    // pair is weighed once, from its first pixel in raster order: the 12
    // taps of the window's second half give pair_weight(p), the 12 of its
    // first half read pair_weight(p - d). 13 exp per pixel instead of 25;
    // the sums still run over the taps in raster order, as the reference's.
    // fast_exp (about 18 correct bits; below -87 it gives 0 where exp gives
    // a denormal, nothing beside the centre tap's weight of 1; the display
    // range keeps the argument above about -70): Halide against the reference
    // differed on 0.83% of the samples before and after, never by more
    // than one step; BM_FinishHalide 12 MP, 1 thread, alternating:
    // 200-215 -> 188-195 ms.
    auto weight = [&](Expr px, Expr py, Expr qx, Expr qy) {
      Expr dy = ycc(qx, qy)[0] - ycc(px, py)[0], dcb = ycc(qx, qy)[1] - ycc(px, py)[1],
           dcr = ycc(qx, qy)[2] - ycc(px, py)[2];
      return fast_exp(-dy * dy * (0.5f / (detail::kLumaSigma * detail::kLumaSigma)) -
                 (dcb * dcb + dcr * dcr) * (0.5f / (detail::kChromaSigma * detail::kChromaSigma)));
    };
    struct Tap {
      int dx, dy;
    };
    std::vector<Tap> second_half;
    for (int j = 0; j <= detail::kChromaTaps; ++j)
      for (int i = -detail::kChromaTaps; i <= detail::kChromaTaps; ++i)
        if (j > 0 || i > 0) second_half.push_back({detail::kChromaStride * i, detail::kChromaStride * j});
    std::vector<Expr> pair_weights;
    for (const Tap& d : second_half) pair_weights.push_back(weight(x, y, x + d.dx, y + d.dy));
    pair_weight(x, y) = Tuple(pair_weights);
    auto pair_index = [&](int dx, int dy) {
      for (size_t n = 0; n < second_half.size(); ++n)
        if (second_half[n].dx == dx && second_half[n].dy == dy) return int(n);
      return -1;
    };
    Expr y0 = ycc(x, y)[0], cb0 = ycc(x, y)[1], cr0 = ycc(x, y)[2];
    Expr sum_w = 0.0f, sum_cb = 0.0f, sum_cr = 0.0f;
    for (int j = -detail::kChromaTaps; j <= detail::kChromaTaps; ++j)
      for (int i = -detail::kChromaTaps; i <= detail::kChromaTaps; ++i) {
        const int dx = detail::kChromaStride * i, dy = detail::kChromaStride * j;
        Expr w;
        if (dx == 0 && dy == 0) {
          w = weight(x, y, x, y);
        } else if (pair_index(dx, dy) >= 0) {
          w = pair_weight(x, y)[pair_index(dx, dy)];
        } else {
          w = pair_weight(x + dx, y + dy)[pair_index(-dx, -dy)];
        }
        sum_w = sum_w + w;
        sum_cb = sum_cb + w * ycc(x + dx, y + dy)[1];
        sum_cr = sum_cr + w * ycc(x + dx, y + dy)[2];
      }
    chroma_sums(x, y) = Tuple(sum_w, sum_cb, sum_cr);
    Expr cb_out = cb0 + chroma_denoise * (chroma_sums(x, y)[1] / chroma_sums(x, y)[0] - cb0);
    Expr cr_out = cr0 + chroma_denoise * (chroma_sums(x, y)[2] / chroma_sums(x, y)[0] - cr0);
    Expr blur = 0.0f, luma_lo = y0, luma_hi = y0;
    const float k[3] = {1, 2, 1};
    for (int j = -1; j <= 1; ++j)
      for (int i = -1; i <= 1; ++i) {
        Expr l = ycc(x + i, y + j)[0];
        blur += k[i + 1] * k[j + 1] * l;
        luma_lo = min(luma_lo, l);
        luma_hi = max(luma_hi, l);
      }
    blur = blur * (1.0f / 16);
    sharpened(x, y) = Tuple(clamp(y0 + sharpen * (y0 - blur), luma_lo, luma_hi), cb_out, cr_out);
    Expr ys = sharpened(x, y)[0], red = ys + sharpened(x, y)[2], blue = ys + sharpened(x, y)[1];
    Expr green = (ys - 0.299f * red - 0.114f * blue) * (1.0f / 0.587f);
    srgb(x, y, c) = cast<uint16_t>(clamp(mux(c, {red, green, blue}), 0.0f, 1.0f) * 65535.0f + 0.5f);

    if (image.dims() == 3) {
      image.set_estimates({{0, 4000}, {0, 3000}, {0, 3}});
    } else {
      image.set_estimates({{0, 4000}, {0, 3000}});
    }
    wb_gains.set_estimates({{0, 3}});
    srgb_from_camera.set_estimates({{0, 3}, {0, 3}});
    red_x.set_estimate(0);
    red_y.set_estimate(0);
    exposure_gain.set_estimate(4.0f);
    curve_contrast.set_estimate(1.0f);
    curve_pivot.set_estimate(0.5f);
    chroma_denoise.set_estimate(1.0f);
    sharpen.set_estimate(0.5f);
    tone_gain.set_estimates({{0, 1000}, {0, 750}});
    srgb.set_estimates({{0, 4000}, {0, 3000}, {0, 3}});
  }

  void schedule() {
    if (get_auto_schedule()) return;  // Halide 14 spelling of using_autoscheduler()
    const int vector_width = natural_vector_size<float>();
    const int strip_rows = nb::schedule_class(get_target()).finish_rows;
    // Strips of rows in parallel, each in tiles of 256 columns, so
    // that a tile's rows of pair weights (12 floats per pixel, 5 rows
    // deep) stay in L2 while the rows below reuse them.
    const int tile_width = 256;
    srgb.bound(c, 0, 3)
        .reorder(c, x, y)
        .unroll(c)
        .split(y, yo, yi, strip_rows, TailStrategy::GuardWithIf)
        .split(x, xo, xi, tile_width, TailStrategy::GuardWithIf)
        .reorder(c, xi, yi, xo, yo)
        .parallel(yo)
        .vectorize(xi, vector_width, TailStrategy::GuardWithIf);
    // The luma and chroma per strip (with the 4-pixel apron the chroma
    // window needs), the display image inlined in them: stored on its own,
    // its three planes per strip (6.5 MB at 4000 columns) went out of the
    // caches and back. BM_FinishHalide 12 MP, 2 threads, 8 runs
    // alternating: minimum 95.6 -> 86.3 ms with the table above. The pair
    // weights a row at a time, each row once per tile (the window slides
    // down); the sums per row. (The luma and chroma per 256-column tile
    // instead of per strip: 1 thread 190 -> 224 ms.)
    display_table.compute_root().bound(table_index, 0, kTableEntries).vectorize(table_index, vector_width);
    // The map with its edges repeated, once (1/16 of the image), so that
    // the phases load without a clamp. (Per strip it was the whole map
    // each time: the rows a strip needs come through float arithmetic,
    // which bounds inference does not narrow.)
    tone_columns.compute_root().vectorize(tone_columns.args()[0], vector_width, TailStrategy::GuardWithIf);
    local_gain.compute_at(srgb, yo)
        .split(x, q, r, 4)
        .reorder(r, q, y)
        .unroll(r)
        .vectorize(q, vector_width, TailStrategy::GuardWithIf);
    // The colour transform a row at a time: from it the display curves'
    // lookups, the luma and the chroma run in full vectors; inlined, the
    // demosaic's two CFA phases split them into half vectors. Stored per
    // strip (one row, folded), not allocated per row: halide_malloc and
    // halide_free were 4.7 of the stage's 111 ms in Halide's profiler,
    // now 1.0.
    linear.store_at(srgb, yo)
        .compute_at(ycc, y)
        .reorder(c, x)
        .unroll(c)
        .vectorize(x, vector_width, TailStrategy::GuardWithIf);
    ycc.compute_at(srgb, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    pair_weight.store_at(srgb, xo).compute_at(srgb, yi).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    chroma_sums.compute_at(srgb, yi).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    sharpened.compute_at(srgb, yi).vectorize(x, vector_width, TailStrategy::GuardWithIf);
  }

 private:
  Var x{"x"}, y{"y"}, c{"c"}, yo{"yo"}, yi{"yi"}, xo{"xo"}, xi{"xi"}, q{"q"}, r{"r"};
  Func camera{"camera"}, balanced{"balanced"}, linear{"linear"}, display{"display"}, ycc{"ycc"},
      pair_weight{"pair_weight"}, chroma_sums{"chroma_sums"}, sharpened{"sharpened"}, local_gain{"local_gain"},
      tone_columns, display_table{"display_table"};
  Var table_index{"table_index"};
  // display_table's range: 16 octaves below 1, 2^(23 - kTableFractionBits) entries each.
  static constexpr float kTableLow = 1.0f / 65536;
  static constexpr int32_t kTableLowBits = (127 - 16) << 23;  // the float bits of kTableLow
  static constexpr int kTableFractionBits = 23 - 8;
  static constexpr int kTableEntries = 16 * 256 + 2;  // up to v = 1, and the entry after it
};

}  // namespace

HALIDE_REGISTER_GENERATOR(FinishBasicGenerator, nb_finish_basic)
