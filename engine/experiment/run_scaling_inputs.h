// defines: RunScalingInputs, scaling_inputs_for_run
// What the scaling model (metrics/scaling_model.h) needs from one stored run, gathered in one
// place for `batchlab-cli scale`, the window's scaling dialog and the report: the median compute
// time per sample of its steps, the median batch, the gradient size (4 bytes × the parameters of
// its stored model, else of the MLP its config and dataset imply) and its last B_simple. The
// link (bandwidth, latency) is the caller's: the result leaves those at 0.
#pragma once

#include <cstdint>
#include <string>

#include "engine/metrics/scaling_model.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

class RunStore;

struct RunScalingInputs {
  ScalingInputs in;             // bytes_per_s and latency_s left 0
  std::size_t steps_used = 0;   // steps in the compute median
  std::size_t steps_total = 0;  // steps stored
  std::int64_t parameters = 0;
  MlpSpec spec;
};

// Throws Error naming the store and run when the run is unknown or no step has a measured
// compute time ("the model needs a run that trained").
RunScalingInputs scaling_inputs_for_run(const RunStore& store, std::int64_t run_id);

}  // namespace batchlab
