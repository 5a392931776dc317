// Training an FFCC model: the convex log loss of Convolutional Color
// Constancy (Barron 2015) over log-chroma histograms, with FFCC's total
// variation and L2 regularisers on the filters and the bias, minimised by
// L-BFGS. The FFT-domain gradient makes one pass over the data cost two
// 64x64 FFTs per example.
#pragma once

#include <vector>

#include "stages/ffcc.h"

namespace nb::awb {

struct TrainingExample {
  ChromaHistograms histograms;
  Eigen::Vector2d truth_bin;  // continuous bin coordinates of the true illuminant
};

// Stage 1 minimises the convex log loss -log P(truth); stage 2 starts from
// there and minimises the expected angular error sum_i P(i) * error(i)
// (Barron 2015 shows it lowers the error statistics themselves).
enum class Loss { kLog, kExpectedAngularError };

struct TrainOptions {
  // Weights chosen on the validation split (nightburst_awb train --validate):
  // 1e-6 / 1e-8 gave a validation median of 1.98 deg where 1e-5 / 1e-7 gave
  // 3.76 and 1e-3 / 1e-5 5.23 (log-loss stage alone in the last two).
  double filter_smoothness = 1e-6;  // weight of squared differences between neighbouring cells
  double filter_l2 = 1e-8;
  double bias_smoothness = 1e-6;
  double bias_l2 = 1e-8;
  // For the luminance knots' maps (FfccModel::luminance_bias), which each
  // see a share of the scenes: a larger L2 keeps each a correction to `bias`.
  // Chosen on the validation split (night lights, exposure, 300 scenes per
  // camera): 1e-5 for both gave mean / median / worst 25% 2.72 / 1.81 /
  // 6.52 deg, 1e-4 2.76 / 1.86 / 6.62; with the earlier lights 1e-5 2.71 /
  // 1.80 / 6.51 and 1e-6 2.77 / 1.81 / 6.67.
  double knot_smoothness = 1e-5;
  double knot_l2 = 1e-5;
  int iterations = 250;         // log-loss stage
  int refine_iterations = 200;  // expected-angular-error stage
  int threads = 2;
  bool verbose = true;
};

// Fills `model`'s filters, bias and luminance knots' maps; its grid (bins,
// bin size, origin, matrix) and its knots must be set.
void train_ffcc(const std::vector<TrainingExample>& examples, const TrainOptions& options,
                FfccModel* model);

// An example as the loss uses it: its histograms' FFTs (computed once, not
// per iteration), the soft target cells with their weights, and the angular
// error (degrees) of every cell's illuminant against the truth.
struct PreparedExample {
  std::vector<std::vector<std::complex<float>>> histograms_hat;  // one per channel
  std::vector<std::pair<size_t, double>> target;
  std::vector<float> error_deg;
  std::vector<float> knot_weights;  // luminance_knot_weights of the example's scene
};
std::vector<PreparedExample> prepare_examples(const std::vector<TrainingExample>& examples,
                                              const FfccModel& grid);

// The data term and its gradient (per parameter: each channel's filter, then
// the bias, then each luminance knot's map, each bins*bins), averaged over
// examples; exposed for the gradient test.
double ffcc_loss(const std::vector<PreparedExample>& examples, const FfccModel& model, Loss loss,
                 std::vector<double>* gradient, int threads);

}  // namespace nb::awb
