// defines: cost_of, run_cost, RunCost
// What a run costs at a price per device-hour (DESIGN: issue "Cost"). The currency is whatever
// the price is in; the engine never names one.
#pragma once

#include <optional>

#include "engine/core/events.h"

namespace batchlab {

// seconds / 3600 · price_per_hour. NaN when either is negative or not finite.
double cost_of(double seconds, double price_per_hour);

struct RunCost {
  double total = kNaN;              // the whole run's wall time
  std::optional<double> to_target;  // up to the stop target, when it was reached
};
RunCost run_cost(const RunSummary& summary, double price_per_hour);

}  // namespace batchlab
