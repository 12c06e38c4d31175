// defines: LossSurface, compute_loss_surface, least_squares_line
// The loss of a two-parameter model over a grid of its two parameters, evaluated with the
// engine's own forward pass and loss (a CPU backend, set_parameters + evaluate_staged per grid
// point), so the contours are the loss the Trainer descends and nothing approximated. Pure and
// thread-safe: the view computes it on a pool thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

struct LossSurface {
  int n = 0;              // n × n grid
  double p0_lo = 0, p0_hi = 1;  // parameter 0 (the weight) across
  double p1_lo = 0, p1_hi = 1;  // parameter 1 (the bias) up
  std::vector<double> loss;     // n rows (parameter 1) of n (parameter 0): loss[j * n + i]
  double p0(int i) const { return p0_lo + (p0_hi - p0_lo) * i / (n - 1); }
  double p1(int j) const { return p1_lo + (p1_hi - p1_lo) * j / (n - 1); }
  double at(int i, int j) const { return loss[static_cast<std::size_t>(j) * n + i]; }
};

// Throws Error unless mlp_parameter_count(spec) == 2.
LossSurface compute_loss_surface(const MlpSpec& spec, const Dataset& data, double p0_lo,
                                 double p0_hi, double p1_lo, double p1_hi, int n);

// For a one-input regression set: the least-squares w and b of y = w·x + b (the minimum of the
// surface of a linear model), or nullopt when x does not vary.
std::optional<std::pair<double, double>> least_squares_line(const Dataset& data);

}  // namespace batchlab
