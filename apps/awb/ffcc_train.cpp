// FFCC training by L-BFGS on the log loss.
#include "ffcc_train.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <thread>

namespace nb::awb {
namespace {

using Complex = std::complex<float>;

// Bilinear split of the truth over the four nearest cells (wrapped): the soft
// target that keeps the loss smooth in the sub-bin position.
void add_soft_target(const Eigen::Vector2d& bin, int n,
                     std::vector<std::pair<size_t, double>>* cells) {
  const double fu = std::floor(bin(0)), fv = std::floor(bin(1));
  const double tu = bin(0) - fu, tv = bin(1) - fv;
  for (int du = 0; du < 2; ++du)
    for (int dv = 0; dv < 2; ++dv) {
      const double w = (du ? tu : 1 - tu) * (dv ? tv : 1 - tv);
      if (w > 0)
        cells->push_back({size_t(wrap_bin(int(fu) + du, n)) * n + wrap_bin(int(fv) + dv, n), w});
    }
}

// Squared differences to the right and lower neighbours on the torus, plus
// an L2 term; adds its gradient.
double regulariser(const double* x, int n, double smoothness, double l2, double* gradient) {
  double value = 0;
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      const size_t i = size_t(u) * n + v;
      for (const size_t j :
           {size_t(wrap_bin(u + 1, n)) * n + v, size_t(u) * n + wrap_bin(v + 1, n)}) {
        const double d = x[i] - x[j];
        value += smoothness * d * d;
        gradient[i] += 2 * smoothness * d;
        gradient[j] -= 2 * smoothness * d;
      }
      value += l2 * x[i] * x[i];
      gradient[i] += 2 * l2 * x[i];
    }
  return value;
}

}  // namespace

std::vector<PreparedExample> prepare_examples(const std::vector<TrainingExample>& examples,
                                              const FfccModel& grid) {
  const int bins = grid.bins;
  const size_t cells = size_t(bins) * bins;
  std::vector<Illuminant> cell_rgb(cells);
  for (int u = 0; u < bins; ++u)
    for (int v = 0; v < bins; ++v) {
      const Eigen::Vector3f c = rgb_at_bin(grid, Eigen::Vector2d(u, v));
      cell_rgb[size_t(u) * bins + v] = {c(0), c(1), c(2)};
    }
  std::vector<PreparedExample> prepared(examples.size());
  TorusFft fft(bins);
  for (size_t e = 0; e < examples.size(); ++e) {
    for (const std::vector<float>& histogram : examples[e].histograms.channels) {
      prepared[e].histograms_hat.emplace_back(cells);
      fft.forward(histogram.data(), prepared[e].histograms_hat.back().data());
    }
    add_soft_target(examples[e].truth_bin, bins, &prepared[e].target);
    const Eigen::Vector3f t = rgb_at_bin(grid, examples[e].truth_bin);
    prepared[e].error_deg.resize(cells);
    for (size_t i = 0; i < cells; ++i)
      prepared[e].error_deg[i] = float(angular_error_deg(cell_rgb[i], {t(0), t(1), t(2)}));
    prepared[e].knot_weights = luminance_knot_weights(grid, examples[e].histograms.log2_luminance);
  }
  return prepared;
}

double ffcc_loss(const std::vector<PreparedExample>& examples, const FfccModel& model, Loss loss,
                 std::vector<double>* gradient, int threads) {
  const int n = model.bins;
  const size_t cells = size_t(n) * n;
  TorusFft fft(n);
  const size_t channels = model.filters.size();
  std::vector<std::vector<Complex>> filters_hat(channels, std::vector<Complex>(cells));
  for (size_t c = 0; c < channels; ++c) fft.forward(model.filters[c].data(), filters_hat[c].data());

  threads = std::max(1, threads);
  std::vector<double> losses(threads, 0.0);
  // Per thread: the gradient of each filter (Fourier domain), then of the bias.
  std::vector<std::vector<std::vector<Complex>>> filter_acc(
      threads, std::vector<std::vector<Complex>>(channels, std::vector<Complex>(cells, 0.0f)));
  const size_t knots = model.luminance_bias.size();
  // Per thread: the gradient of the bias, then of each knot's map.
  std::vector<std::vector<double>> bias_acc(threads, std::vector<double>((1 + knots) * cells, 0.0));
  auto work = [&](int t) {
    TorusFft local_fft(n);
    std::vector<Complex> sum(cells), g_hat(cells);
    std::vector<float> scores(cells), g(cells);
    for (size_t e = size_t(t); e < examples.size(); e += size_t(threads)) {
      const std::vector<std::vector<Complex>>& h_hat = examples[e].histograms_hat;
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < cells; ++i) sum[i] += h_hat[c][i] * filters_hat[c][i];
      local_fft.inverse(sum.data(), scores.data());
      const std::vector<float>& knot_weights = examples[e].knot_weights;
      const std::vector<float> bias = bias_for_knot_weights(model, knot_weights);
      for (size_t i = 0; i < cells; ++i) scores[i] += bias[i];
      const float max = *std::max_element(scores.begin(), scores.end());
      double total = 0;
      for (size_t i = 0; i < cells; ++i) total += std::exp(double(scores[i] - max));
      const double log_total = std::log(total) + max;
      for (size_t i = 0; i < cells; ++i) g[i] = float(std::exp(double(scores[i]) - log_total));
      if (loss == Loss::kLog) {
        for (const auto& [cell, w] : examples[e].target) {
          losses[t] -= w * (double(scores[cell]) - log_total);
          g[cell] -= float(w);
        }
      } else {
        // d/dS_i of sum_j P_j E_j is P_i (E_i - expected error).
        double expected = 0;
        for (size_t i = 0; i < cells; ++i) expected += double(g[i]) * examples[e].error_deg[i];
        losses[t] += expected;
        for (size_t i = 0; i < cells; ++i) g[i] *= float(examples[e].error_deg[i] - expected);
      }
      for (size_t i = 0; i < cells; ++i) bias_acc[t][i] += g[i];
      for (size_t k = 0; k < knots; ++k)
        if (knot_weights[k] != 0)
          for (size_t i = 0; i < cells; ++i) bias_acc[t][(1 + k) * cells + i] += knot_weights[k] * g[i];
      local_fft.forward(g.data(), g_hat.data());
      for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < cells; ++i) filter_acc[t][c][i] += g_hat[i] * std::conj(h_hat[c][i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();

  const double scale = 1.0 / double(std::max<size_t>(1, examples.size()));
  double total = 0;
  for (int t = 0; t < threads; ++t) total += losses[t];
  gradient->assign((channels + 1 + knots) * cells, 0.0);
  for (int t = 1; t < threads; ++t) {
    for (size_t i = 0; i < cells; ++i)
      for (size_t c = 0; c < channels; ++c) filter_acc[0][c][i] += filter_acc[t][c][i];
    for (size_t i = 0; i < (1 + knots) * cells; ++i) bias_acc[0][i] += bias_acc[t][i];
  }
  std::vector<float> spatial(cells);
  for (size_t c = 0; c < channels; ++c) {
    fft.inverse(filter_acc[0][c].data(), spatial.data());
    for (size_t i = 0; i < cells; ++i) (*gradient)[c * cells + i] = spatial[i] * scale;
  }
  for (size_t i = 0; i < (1 + knots) * cells; ++i) (*gradient)[channels * cells + i] = bias_acc[0][i] * scale;
  return total * scale;
}

namespace {

template <typename Objective>
void minimise_lbfgs(const Objective& objective, int iterations, bool verbose,
                    Eigen::VectorXd* x_inout) {
  // L-BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo search.
  constexpr int kMemory = 10;
  Eigen::VectorXd x = *x_inout, g;
  double f = objective(x, &g);
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>> history;  // (s, y)
  for (int iteration = 0; iteration < iterations; ++iteration) {
    Eigen::VectorXd q = g;
    std::vector<double> alpha(history.size());
    for (int i = int(history.size()) - 1; i >= 0; --i) {
      const auto& [s, y] = history[size_t(i)];
      alpha[size_t(i)] = s.dot(q) / y.dot(s);
      q -= alpha[size_t(i)] * y;
    }
    if (!history.empty()) {
      const auto& [s, y] = history.back();
      q *= s.dot(y) / y.dot(y);
    } else {
      q /= std::max(1.0, g.norm());
    }
    for (size_t i = 0; i < history.size(); ++i) {
      const auto& [s, y] = history[i];
      const double beta = y.dot(q) / y.dot(s);
      q += s * (alpha[i] - beta);
    }
    Eigen::VectorXd direction = -q;
    double slope = g.dot(direction);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      history.clear();
      direction = -g / std::max(1.0, g.norm());
      slope = g.dot(direction);
    }
    double step = 1.0, f_new = f;
    Eigen::VectorXd x_new, g_new;
    bool accepted = false;
    for (int tries = 0; tries < 30; ++tries, step *= 0.5) {
      x_new = x + step * direction;
      f_new = objective(x_new, &g_new);
      if (f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    const Eigen::VectorXd s = x_new - x, y = g_new - g;
    if (s.dot(y) > 1e-12) {
      history.emplace_back(s, y);
      if (history.size() > kMemory) history.pop_front();
    }
    const double improvement = f - f_new;
    x = x_new;
    g = g_new;
    f = f_new;
    if (verbose && (iteration % 20 == 0 || iteration + 1 == iterations))
      std::fprintf(stderr, "  iteration %d: objective %.6f, |gradient| %.3g\n", iteration, f,
                   g.norm());
    if (improvement < 1e-9 * std::max(1.0, std::abs(f))) break;
  }
  *x_inout = x;
}

}  // namespace

void train_ffcc(const std::vector<TrainingExample>& training, const TrainOptions& options,
                FfccModel* model) {
  const int n = model->bins;
  const std::vector<PreparedExample> examples = prepare_examples(training, *model);
  const size_t cells = size_t(n) * n, channels = kChromaChannels, knots = model->luminance_knots.size(),
               count = (channels + 1 + knots) * cells;
  model->filters.assign(channels, std::vector<float>(cells, 0.0f));
  model->bias.assign(cells, 0.0f);
  model->luminance_bias.assign(knots, std::vector<float>(cells, 0.0f));

  auto set_parameters = [&](const Eigen::VectorXd& x) {
    for (size_t i = 0; i < cells; ++i) {
      for (size_t c = 0; c < channels; ++c)
        model->filters[c][i] = float(x(Eigen::Index(c * cells + i)));
      model->bias[i] = float(x(Eigen::Index(channels * cells + i)));
      for (size_t k = 0; k < knots; ++k)
        model->luminance_bias[k][i] = float(x(Eigen::Index((channels + 1 + k) * cells + i)));
    }
  };
  // Objective: data term + regularisers; returns the value, fills the gradient.
  Loss loss = Loss::kLog;
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd* grad) {
    set_parameters(x);
    std::vector<double> g;
    double value = ffcc_loss(examples, *model, loss, &g, options.threads);
    for (size_t c = 0; c < channels; ++c)
      value += regulariser(x.data() + c * cells, n, options.filter_smoothness, options.filter_l2,
                           g.data() + c * cells);
    value += regulariser(x.data() + channels * cells, n, options.bias_smoothness, options.bias_l2,
                         g.data() + channels * cells);
    for (size_t k = 0; k < knots; ++k)
      value += regulariser(x.data() + (channels + 1 + k) * cells, n, options.knot_smoothness, options.knot_l2,
                           g.data() + (channels + 1 + k) * cells);
    *grad = Eigen::Map<Eigen::VectorXd>(g.data(), Eigen::Index(count));
    return value;
  };

  Eigen::VectorXd x = Eigen::VectorXd::Zero(Eigen::Index(count));
  if (options.verbose) std::fprintf(stderr, "  log loss\n");
  minimise_lbfgs(objective, options.iterations, options.verbose, &x);
  loss = Loss::kExpectedAngularError;
  if (options.verbose) std::fprintf(stderr, "  expected angular error\n");
  minimise_lbfgs(objective, options.refine_iterations, options.verbose, &x);
  set_parameters(x);
}

}  // namespace nb::awb
