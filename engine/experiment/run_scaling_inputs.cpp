#include "engine/experiment/run_scaling_inputs.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/train/trainer.h"

namespace batchlab {
namespace {

// The run's model shape: the stored model's when it kept one, else the config's with the
// dataset loaded for its input and output widths (the same mlp_spec_for the Trainer uses).
MlpSpec spec_of(const RunStore& store, const RunRecord& run) {
  if (const auto m = store.model(run.id)) return m->spec;
  const std::string source = store.path().string() + ": run " + std::to_string(run.id);
  const RunConfig config = run_config_from_json(nlohmann::json::parse(run.config_json), source);
  const DatasetSplit data = load_dataset(config.dataset, config.seed, source);
  return mlp_spec_for(config, data.train);
}

// The median batch of the steps: the run's batch for a constant one, and a fair single number
// for a schedule or a full-batch run.
std::int64_t median_batch(std::vector<StepEvent> steps) {
  if (steps.empty()) return 0;
  const auto mid = steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2);
  std::nth_element(steps.begin(), mid, steps.end(), [](const StepEvent& a, const StepEvent& b) {
    return a.batch_size < b.batch_size;
  });
  return mid->batch_size;
}

}  // namespace

RunScalingInputs scaling_inputs_for_run(const RunStore& store, std::int64_t run_id) {
  const std::string who = store.path().string() + ": run " + std::to_string(run_id);
  const auto run = store.run(run_id);
  if (!run) throw Error(who + " is not in the store (batchlab-cli runs lists them)");
  RunScalingInputs out;
  const std::vector<StepEvent> steps = store.steps(run->id);
  out.steps_total = steps.size();
  out.in.compute_s_per_sample = compute_seconds_per_sample(steps, &out.steps_used);
  if (!std::isfinite(out.in.compute_s_per_sample))
    throw Error(who + ": no step with a measured compute time (" + std::to_string(steps.size()) +
                " steps stored); the model needs a run that trained");
  out.in.batch = median_batch(steps);
  out.spec = spec_of(store, *run);
  out.parameters = mlp_parameter_count(out.spec);
  out.in.gradient_bytes = 4.0 * static_cast<double>(out.parameters);  // float32 gradients
  out.in.b_noise = summary_from_json(run->summary_json).b_simple;
  return out;
}

}  // namespace batchlab
