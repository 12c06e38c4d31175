#include "widgets/loss_surface.h"

#include <numeric>

#include "engine/backend/backend.h"
#include "engine/core/errors.h"

namespace batchlab {

LossSurface compute_loss_surface(const MlpSpec& spec, const Dataset& data, double p0_lo,
                                 double p0_hi, double p1_lo, double p1_hi, int n) {
  if (mlp_parameter_count(spec) != 2)
    throw Error("the loss surface needs a model with exactly 2 parameters (this one has " +
                std::to_string(mlp_parameter_count(spec)) + ")");
  if (data.rows == 0) throw Error("the loss surface needs training rows");
  LossSurface s;
  s.n = n;
  s.p0_lo = p0_lo;
  s.p0_hi = p0_hi;
  s.p1_lo = p1_lo;
  s.p1_hi = p1_hi;
  s.loss.resize(static_cast<std::size_t>(n) * n);
  auto backend = make_cpu_backend(1, 0);
  OptimizerConfig sgd;
  backend->prepare(spec, sgd, data.rows, 1);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(data.rows));
  std::iota(rows.begin(), rows.end(), 0);
  backend->stage_batch(data, rows);  // staged once: only the parameters change
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const float p[2] = {static_cast<float>(s.p0(i)), static_cast<float>(s.p1(j))};
      backend->set_parameters(p);
      const EvalTotals t = backend->evaluate_staged();
      s.loss[static_cast<std::size_t>(j) * n + i] = t.loss_sum / static_cast<double>(t.rows);
    }
  return s;
}

std::optional<std::pair<double, double>> least_squares_line(const Dataset& data) {
  if (data.features != 1 || data.rows < 2 || data.targets.size() < static_cast<std::size_t>(data.rows))
    return std::nullopt;
  double mx = 0, my = 0;
  for (std::int64_t r = 0; r < data.rows; ++r) {
    mx += data.x[static_cast<std::size_t>(r)];
    my += data.targets[static_cast<std::size_t>(r)];
  }
  mx /= static_cast<double>(data.rows);
  my /= static_cast<double>(data.rows);
  double sxx = 0, sxy = 0;
  for (std::int64_t r = 0; r < data.rows; ++r) {
    const double dx = data.x[static_cast<std::size_t>(r)] - mx;
    sxx += dx * dx;
    sxy += dx * (data.targets[static_cast<std::size_t>(r)] - my);
  }
  if (sxx <= 0) return std::nullopt;
  const double w = sxy / sxx;
  return std::pair{w, my - w * mx};
}

}  // namespace batchlab
