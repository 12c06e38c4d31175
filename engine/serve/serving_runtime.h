// defines: ServingRuntime (a model prepared for serving and how its batches are timed),
//          serve_options_for, largest_batch
// What `serve` runs against: one backend prepared for inference at the largest batch any
// setting will use (its parameters set from the stored model, if any), and the ServiceTimes
// the clock calls for — real compute on the real clock, measured-once-per-size on the virtual
// clock, or the config's given times.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "engine/backend/backend.h"
#include "engine/serve/serving_config.h"
#include "engine/serve/serving_model.h"
#include "engine/serve/serving_sim.h"

namespace batchlab {

class ServingRuntime {
 public:
  // Prepares the backend (make_backend(model.config); OutOfMemoryError when max_batch does not
  // fit). With given service times no backend is made.
  ServingRuntime(const ServingModel& model, const ServingConfig& config, std::int64_t max_batch);

  ServiceTimes& service() { return *service_; }
  std::string device() const { return backend_ ? backend_->device_name() : "given service times"; }
  const Backend* backend() const { return backend_.get(); }
  // On the virtual clock with measured times: (batch size, seconds) measured so far.
  std::vector<std::pair<std::int64_t, double>> measured() const;

 private:
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<BackendService> real_;
  std::unique_ptr<MeasuredServiceTimes> measured_;
  std::unique_ptr<LinearServiceTimes> given_;
  ServiceTimes* service_ = nullptr;
};

// The simulation options of a config: workload (the trace read here: DataError file:line),
// batcher, clock and the rows of the model's data.
ServeOptions serve_options_for(const ServingConfig& config, const ServingModel& model);

// The largest batch any run of the config will form (the sweep's max_batches included).
std::int64_t largest_batch(const ServingConfig& config);

}  // namespace batchlab
