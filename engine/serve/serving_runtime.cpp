#include "engine/serve/serving_runtime.h"

#include <algorithm>

#include "engine/experiment/run_executor.h"

namespace batchlab {

ServingRuntime::ServingRuntime(const ServingModel& model, const ServingConfig& config,
                               std::int64_t max_batch) {
  if (config.service_fixed_s) {
    given_ = std::make_unique<LinearServiceTimes>(*config.service_fixed_s, config.service_per_row_s);
    service_ = given_.get();
    return;
  }
  backend_ = make_backend(model.config);
  backend_->prepare_inference(model.spec, max_batch, model.config.seed);
  if (!model.parameters.empty()) backend_->set_parameters(model.parameters);
  real_ = std::make_unique<BackendService>(*backend_, model.rows(), max_batch, model.spec.outputs);
  service_ = real_.get();
  if (config.virtual_clock) {
    measured_ = std::make_unique<MeasuredServiceTimes>(*real_);
    service_ = measured_.get();
  }
}

std::vector<std::pair<std::int64_t, double>> ServingRuntime::measured() const {
  return measured_ ? measured_->measured() : std::vector<std::pair<std::int64_t, double>>{};
}

ServeOptions serve_options_for(const ServingConfig& config, const ServingModel& model) {
  ServeOptions o;
  o.workload = config.workload;
  if (o.workload.arrivals == ArrivalKind::trace) o.trace = read_arrival_trace(o.workload.trace_path);
  o.batcher = config.batcher;
  o.virtual_clock = config.virtual_clock;
  o.rows = std::max<std::int64_t>(model.rows().rows, 1);
  return o;
}

std::int64_t largest_batch(const ServingConfig& config) {
  std::int64_t top = config.batcher.max_batch;
  for (const auto b : config.sweep.max_batches) top = std::max(top, b);
  return std::max<std::int64_t>(top, 1);
}

}  // namespace batchlab
