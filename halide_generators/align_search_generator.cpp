// nb_align_search: HDR+ coarse-to-fine tile search over the four pyramid
// levels of a reference and an alternate frame, then at level 0 the quadratic
// fit to the 3x3 L2 costs and Lucas-Kanade refinement. The same arithmetic as
// match_tiles_reference in src/stages/align_tiles.cpp: integer tile
// distances (exact in any summation order); for the sub-pixel steps, float
// sums down a tile's columns and doubles after.
#include "Halide.h"

#include <map>
#include "stages/align_tiles_params.h"

namespace {

using namespace Halide;
namespace align = nb::align;

class AlignSearchGenerator : public Generator<AlignSearchGenerator> {
 public:
  Input<Buffer<uint16_t, 2>> ref0{"ref0"}, ref1{"ref1"}, ref2{"ref2"}, ref3{"ref3"};
  Input<Buffer<uint16_t, 2>> alt0{"alt0"}, alt1{"alt1"}, alt2{"alt2"}, alt3{"alt3"};
  Output<Buffer<float, 3>> displacement{"displacement"};  // (tx, ty, {dx, dy}) at level 0
  Output<Buffer<float, 2>> curvature{"curvature"};        // smaller eigenvalue of the L2 cost's Hessian

  void generate() {
    static_assert(align::kLevels == 4, "one input per level");
    Input<Buffer<uint16_t, 2>>* refs[] = {&ref0, &ref1, &ref2, &ref3};
    Input<Buffer<uint16_t, 2>>* alts[] = {&alt0, &alt1, &alt2, &alt3};

    // Coarse to fine: integer displacement (Tuple dx, dy) per tile of each level.
    Func coarse;
    Expr coarse_tiles_x, coarse_tiles_y;
    for (int level = align::kLevels - 1; level >= 0; --level) {
      Level& l = levels[level];
      l.name(level);
      Func ref = BoundaryConditions::repeat_edge(*refs[level]);
      Func alt = padded(*alts[level], "alt_padded_" + std::to_string(level));
      padded_alts[level] = alt;
      // Displacements are bounded by construction; clamped to that bound so
      // that the padded copy has a finite extent (the clamp never binds).
      const int reach = align::search_reach(level);
      auto offset = [reach](Expr d) { return clamp(d, -reach, reach); };
      const bool l1 = align::uses_l1(level);
      const int tile = align::kTileSize[level], stride = align::tile_stride(level);
      const int radius = align::kSearchRadius[level];

      if (level == align::kLevels - 1) {
        l.guess(tx, ty) = Tuple(0, 0);
      } else {
        // The three coarse tiles nearest the tile's centre propose their
        // displacement, scaled up; the best fit wins (ties: first).
        const int factor = align::kFactors[level + 1];
        const int ctile = align::kTileSize[level + 1], cstride = align::tile_stride(level + 1);
        const int den = 2 * factor * cstride;
        Expr num_x = 2 * tx * stride + tile - factor * ctile, num_y = 2 * ty * stride + tile - factor * ctile;
        Expr nx = clamp(floor_div(2 * num_x + den, 2 * den), 0, coarse_tiles_x - 1);
        Expr ny = clamp(floor_div(2 * num_y + den, 2 * den), 0, coarse_tiles_y - 1);
        Expr sx = clamp(select(num_x > nx * den, nx + 1, nx - 1), 0, coarse_tiles_x - 1);
        Expr sy = clamp(select(num_y > ny * den, ny + 1, ny - 1), 0, coarse_tiles_y - 1);
        l.candidate(k, tx, ty) = Tuple(factor * coarse(mux(k, {nx, sx, nx}), mux(k, {ny, ny, sy}))[0],
                                       factor * coarse(mux(k, {nx, sx, nx}), mux(k, {ny, ny, sy}))[1]);
        l.candidate_cost = tile_sum("candidate_cost_" + std::to_string(level), {k, tx, ty}, level, l.candidate_columns,
                                    [&](Expr x, Expr y) {
                                      return std::vector<Expr>{distance(
                                          ref(x, y), alt(x + offset(l.candidate(k, tx, ty)[0]), y + offset(l.candidate(k, tx, ty)[1])), l1)};
                                    });
        RDom rk(0, 3);
        Expr candidate_cost = l.candidate_cost(rk, tx, ty);
        l.best_candidate(tx, ty) = Tuple(0, candidate_cost.type().max());
        Expr fits_better = candidate_cost < l.best_candidate(tx, ty)[1];  // strict: ties keep the first
        l.best_candidate(tx, ty) = Tuple(select(fits_better, rk, l.best_candidate(tx, ty)[0]),
                                         select(fits_better, candidate_cost, l.best_candidate(tx, ty)[1]));
        l.guess(tx, ty) = l.candidate(clamp(l.best_candidate(tx, ty)[0], 0, 2), tx, ty);
      }

      l.cost = tile_sum("cost_" + std::to_string(level), {sx, sy, tx, ty}, level, l.cost_columns,
                        [&](Expr x, Expr y) {
                          return std::vector<Expr>{
                              distance(ref(x, y), alt(x + offset(l.guess(tx, ty)[0] + sx), y + offset(l.guess(tx, ty)[1] + sy)), l1)};
                        });
      RDom rs(-radius, 2 * radius + 1, -radius, 2 * radius + 1);
      Type cost_type = l.cost.output_types()[0];
      l.best(tx, ty) = Tuple(0, 0, cost_type.max());
      Expr better = l.cost(rs.x, rs.y, tx, ty) < l.best(tx, ty)[2];  // strict: ties keep the first in raster order
      l.best(tx, ty) = Tuple(select(better, rs.x, l.best(tx, ty)[0]), select(better, rs.y, l.best(tx, ty)[1]),
                             select(better, l.cost(rs.x, rs.y, tx, ty), l.best(tx, ty)[2]));
      l.field(tx, ty) = Tuple(l.guess(tx, ty)[0] + l.best(tx, ty)[0], l.guess(tx, ty)[1] + l.best(tx, ty)[1]);

      coarse = l.field;
      coarse_tiles_x = tile_count_expr(refs[level]->width(), level);
      coarse_tiles_y = tile_count_expr(refs[level]->height(), level);
    }

    // Level 0, sub-pixel: quadratic fit to the 3x3 L2 costs around the integer optimum.
    Func ref = BoundaryConditions::repeat_edge(ref0);
    Func alt = padded_alts[0];
    Func field = levels[0].field;
    // The sub-pixel steps stay within 1 px of the integer field, and 1 more
    // each for the fit and Lucas-Kanade: the offsets' bounds, clamped as above.
    const int reach0 = align::search_reach(0);
    l2_costs = tile_sum("l2_costs", {sx, sy, tx, ty}, 0, l2_columns, [&](Expr x, Expr y) {
      return std::vector<Expr>{distance(
          ref(x, y), alt(x + clamp(field(tx, ty)[0] + sx, -reach0 - 1, reach0 + 1),
                         y + clamp(field(tx, ty)[1] + sy, -reach0 - 1, reach0 + 1)),
          false)};
    });
    {
      const Expr zero = cast<double>(0), one = cast<double>(1);
      Expr sum = zero, sxx = zero, syy = zero, sxy = zero, sx_ = zero, sy_ = zero;
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) {
          Expr v = cast<double>(l2_costs(i, j, tx, ty));
          sum += v;
          sxx += v * (i * i);
          syy += v * (j * j);
          sxy += v * (i * j);
          sx_ += v * i;
          sy_ += v * j;
        }
      Expr a = sxx / 2 - sum / 3, b = syy / 2 - sum / 3, e = sxy / 4, d = sx_ / 6, g = sy_ / 6;
      Expr h11 = 2 * a, h22 = 2 * b, h12 = e;
      Expr det = h11 * h22 - h12 * h12;
      Expr trace_half = (h11 + h22) / 2;
      Expr min_curvature = trace_half - sqrt(max(zero, trace_half * trace_half - det));
      Expr has_minimum = det > 0 && h11 > 0;
      Expr ox = select(has_minimum, clamp((-d * h22 + g * h12) / det, -one, one), zero);
      Expr oy = select(has_minimum, clamp((-g * h11 + d * h12) / det, -one, one), zero);
      quadratic(tx, ty) = Tuple(cast<double>(field(tx, ty)[0]) + ox, cast<double>(field(tx, ty)[1]) + oy,
                                cast<float>(min_curvature));
    }

    // Lucas-Kanade, inverse compositional: Hessian from the reference tile's gradients.
    Func r{"ref_f"}, a{"alt_f"};
    r(x, y) = cast<float>(ref(x, y));
    a(x, y) = cast<float>(alt(x, y));
    gradient(x, y) = Tuple(0.5f * (r(x + 1, y) - r(x - 1, y)), 0.5f * (r(x, y + 1) - r(x, y - 1)));
    hessian = tile_sum("hessian", {tx, ty}, 0, hessian_columns, [&](Expr x, Expr y) {
      Expr gx = gradient(x, y)[0], gy = gradient(x, y)[1];
      return std::vector<Expr>{gx * gx, gx * gy, gy * gy};
    }, /*double_total=*/true);
    Func estimate = quadratic;
    for (int it = 0; it < align::kLucasKanadeIterations; ++it) {
      Func step_sums{"lk_sums_" + std::to_string(it)};
      Func previous = estimate;
      Expr dx = previous(tx, ty)[0], dy = previous(tx, ty)[1];
      Expr ix = clamp(cast<int>(floor(dx)), -reach0 - 2, reach0 + 2), iy = clamp(cast<int>(floor(dy)), -reach0 - 2, reach0 + 2);
      Expr fx = cast<float>(dx - ix), fy = cast<float>(dy - iy);
      Func columns{"lk_columns_" + std::to_string(it)};
      step_sums = tile_sum("lk_sums_" + std::to_string(it), {tx, ty}, 0, columns, [&](Expr x, Expr y) {
        Expr top = a(x + ix, y + iy) + fx * (a(x + ix + 1, y + iy) - a(x + ix, y + iy));
        Expr bottom = a(x + ix, y + iy + 1) + fx * (a(x + ix + 1, y + iy + 1) - a(x + ix, y + iy + 1));
        Expr err = top + fy * (bottom - top) - r(x, y);
        return std::vector<Expr>{gradient(x, y)[0] * err, gradient(x, y)[1] * err};
      }, /*double_total=*/true);
      lk_columns.push_back(columns);
      lk_sums.push_back(step_sums);
      Expr h11 = hessian(tx, ty)[0], h12 = hessian(tx, ty)[1], h22 = hessian(tx, ty)[2];
      Expr det = h11 * h22 - h12 * h12;
      Expr b1 = step_sums(tx, ty)[0], b2 = step_sums(tx, ty)[1];
      Expr start_x = quadratic(tx, ty)[0], start_y = quadratic(tx, ty)[1];
      Func next{"lk_" + std::to_string(it)};
      next(tx, ty) = Tuple(
          select(det > 0, clamp(dx - (h22 * b1 - h12 * b2) / det, start_x - 1, start_x + 1), dx),
          select(det > 0, clamp(dy - (h11 * b2 - h12 * b1) / det, start_y - 1, start_y + 1), dy));
      lk_estimates.push_back(next);
      estimate = next;
    }
    displacement(tx, ty, c) = cast<float>(mux(c, {estimate(tx, ty)[0], estimate(tx, ty)[1]}));
    curvature(tx, ty) = quadratic(tx, ty)[2];

    for (auto* in : refs) in->set_estimates({{0, 2000}, {0, 1500}});
    for (auto* in : alts) in->set_estimates({{0, 2000}, {0, 1500}});
    ref1.set_estimates({{0, 1000}, {0, 750}});
    alt1.set_estimates({{0, 1000}, {0, 750}});
    ref2.set_estimates({{0, 250}, {0, 187}});
    alt2.set_estimates({{0, 250}, {0, 187}});
    ref3.set_estimates({{0, 62}, {0, 46}});
    alt3.set_estimates({{0, 62}, {0, 46}});
    displacement.set_estimates({{0, 249}, {0, 186}, {0, 2}});
    curvature.set_estimates({{0, 249}, {0, 186}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    // Every per-tile field is computed whole, rows of tiles in parallel
    // (in_row_chunks); the per-pixel work inside a tile runs down the tile's
    // columns, vectorised across its width (one lane per column), then sums
    // the lanes. The same on both target classes: a task's working set is a
    // few rows of tiles (~64 KB of a level read), small for any cache.
    for (int level = 0; level < align::kLevels; ++level) {
      Level& l = levels[level];
      if (level < align::kLevels - 1) {
        in_row_chunks(l.guess.compute_root());
        l.best_candidate.compute_at(l.guess, tx);
        schedule_tile_sum(l.candidate_cost, l.candidate_columns, l.best_candidate, tx);
      }
      in_row_chunks(l.best.compute_root());
      in_row_chunks(l.best.update());
      schedule_tile_sum(l.cost, l.cost_columns, l.best, tx);
    }
    for (Func alt : padded_alts)
      alt.compute_root().parallel(y, 8).vectorize(x, natural_vector_size<uint16_t>(), TailStrategy::GuardWithIf);
    in_row_chunks(quadratic.compute_root());
    schedule_tile_sum(l2_costs, l2_columns, quadratic, tx);
    // The reference's gradients are computed where the Hessian and each
    // Lucas-Kanade step read them (four loads of the 16-bit level, cached),
    // not stored: stored, they were two float planes (24 MB at 12 MP)
    // streamed through each step, which waited on them.
    in_row_chunks(hessian.compute_root());
    in_row_chunks(hessian.update());
    schedule_tile_sum(hessian, hessian_columns, hessian, tx, /*inner=*/true);
    for (size_t i = 0; i < lk_estimates.size(); ++i) {
      in_row_chunks(lk_estimates[i].compute_root());
      schedule_tile_sum(lk_sums[i], lk_columns[i], lk_estimates[i], tx);
    }
    displacement.bound(c, 0, 2).reorder(c, tx, ty).unroll(c);
  }

 private:
  // Per level: the guess from the coarser level, the costs around it, the best.
  struct Level {
    Func candidate, candidate_cost, candidate_columns, best_candidate, guess;
    Func cost, cost_columns, best, field;
    void name(int level) {
      const std::string n = "_" + std::to_string(level);
      candidate = Func("candidate" + n);
      best_candidate = Func("best_candidate" + n);
      guess = Func("guess" + n);
      best = Func("best" + n);
      field = Func("field" + n);
    }
  };

  // The alternate's level with the edge repeated, materialised over the
  // window the search reads (the inputs, widened by the displacements'
  // bounds): reads at a tile's displacement are then plain vector loads, not
  // per-lane clamped gathers.
  Func padded(Input<Buffer<uint16_t, 2>>& level, const std::string& name) {
    Func edge = BoundaryConditions::repeat_edge(level);
    Func out(name);
    out(x, y) = edge(x, y);
    return out;
  }

  static Expr floor_div(Expr a, int b) { return a / b; }  // Halide's integer division rounds down

  static Expr tile_count_expr(Expr extent, int level) {
    const int tile = align::kTileSize[level], stride = align::tile_stride(level);
    return select(extent < tile, 1, (extent - tile) / stride + 1);
  }

  // |a - b| (L1) or its square (L2), exact integers: uint32 for L1 sums of a
  // tile (at most 256 * 65535), uint64 for L2.
  static Expr distance(Expr a, Expr b, bool l1) {
    Expr d = cast<uint32_t>(absd(a, b));
    return l1 ? d : cast<uint64_t>(d * d);
  }

  // Sum over the level's tile at (tx, ty) of value(x, y), where args ends with
  // tx, ty: per-column sums down the tile (`columns`, one lane per column),
  // then the sum of the lanes, in double if `double_total` (the columns stay
  // in the values' type: 16 floats to a vector, not 8 doubles).
  Func tile_sum(const std::string& name, std::vector<Var> args, int level, Func& columns,
                const std::function<std::vector<Expr>(Expr, Expr)>& value_fn, bool double_total = false) {
    const int tile = align::kTileSize[level], stride = align::tile_stride(level);
    Expr tile_x = args[args.size() - 2], tile_y = args.back();
    RDom down(0, tile, "down");
    RDom across(0, tile, "across");
    std::vector<Expr> sample = value_fn(tile_x * stride + lane, tile_y * stride + down);
    std::vector<Expr> zeros;
    for (const Expr& e : sample) zeros.push_back(cast(e.type(), 0));
    std::vector<Var> column_args = args;
    column_args.insert(column_args.begin(), lane);
    columns = Func(name + "_columns");
    column_rows.emplace(columns.name(), down);
    columns(column_args) = Tuple(zeros);
    std::vector<Expr> column_ref(column_args.begin(), column_args.end());
    std::vector<Expr> sums;
    // A one-valued Func is not a Tuple and cannot be indexed.
    auto element = [&](FuncRef f, size_t i) { return zeros.size() == 1 ? Expr(f) : f[i]; };
    for (size_t i = 0; i < zeros.size(); ++i) sums.push_back(element(columns(column_ref), i) + sample[i]);
    columns(column_args) = Tuple(sums);
    Func total(name);
    std::vector<Expr> total_ref(args.begin(), args.end());
    std::vector<Expr> total_zeros;
    for (const Expr& e : zeros) total_zeros.push_back(double_total ? cast<double>(0) : e);
    total(args) = Tuple(total_zeros);
    std::vector<Expr> lane_ref = total_ref;
    lane_ref.insert(lane_ref.begin(), across);
    std::vector<Expr> totals;
    for (size_t i = 0; i < zeros.size(); ++i) {
      Expr column = element(columns(lane_ref), i);
      totals.push_back(element(total(total_ref), i) + (double_total ? cast<double>(column) : column));
    }
    total(args) = Tuple(totals);
    return total;
  }

  // Rows of tiles in parallel, kRowsPerTask consecutive rows per task: a
  // tile row reads half the pixel rows the next one reads, and a task finds
  // them in its core's cache (with one row per task, the next row went to
  // the other core). 47 tasks per 12 MP frame at level 0, plenty to balance
  // a phone's big and little cores.
  void in_row_chunks(Stage s) {
    constexpr int kRowsPerTask = 4;
    Var chunk{"row_chunk"};
    s.split(ty, chunk, ty, kRowsPerTask, TailStrategy::GuardWithIf).parallel(chunk);
  }

  // `columns` computed per tile (inside `at`'s loop over `var`), vectorised
  // across the tile's columns; `sum` beside it unless it is `at` itself.
  void schedule_tile_sum(Func sum, Func columns, Func at, Var var, bool inner = false) {
    if (!inner) sum.compute_at(at, var);
    // Integer totals are exact in any order: the lanes are added as one
    // vector reduction (a scalar loop of 16 additions per offset was as
    // slow as the columns themselves at level 1). Float totals keep the
    // reference's order.
    if (!sum.output_types()[0].is_float()) sum.update().atomic().vectorize(RVar("across$x"));
    columns.compute_at(sum, sum.args()[sum.args().size() - 2]).vectorize(lane);
    columns.update().reorder(lane, column_rows.at(columns.name())).vectorize(lane);
  }

  Var x{"x"}, y{"y"}, c{"c"}, tx{"tx"}, ty{"ty"}, sx{"sx"}, sy{"sy"}, k{"k"}, lane{"lane"};
  Level levels[align::kLevels];
  Func l2_costs, l2_columns{"l2_columns"}, quadratic{"quadratic"};
  Func gradient{"gradient"}, hessian, hessian_columns{"hessian_columns"};
  std::vector<Func> lk_columns, lk_sums, lk_estimates;
  Func padded_alts[align::kLevels];
  std::map<std::string, RDom> column_rows;  // each `columns` Func's loop down the tile
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AlignSearchGenerator, nb_align_search)
