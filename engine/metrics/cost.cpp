#include "engine/metrics/cost.h"

#include <cmath>

namespace batchlab {

double cost_of(double seconds, double price_per_hour) {
  if (!std::isfinite(seconds) || !std::isfinite(price_per_hour) || seconds < 0 ||
      price_per_hour < 0)
    return kNaN;
  return seconds / 3600.0 * price_per_hour;
}

RunCost run_cost(const RunSummary& summary, double price_per_hour) {
  RunCost c;
  c.total = cost_of(summary.time_s, price_per_hour);
  if (summary.time_to_target_s) c.to_target = cost_of(*summary.time_to_target_s, price_per_hour);
  return c;
}

}  // namespace batchlab
