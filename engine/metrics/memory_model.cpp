#include "engine/metrics/memory_model.h"

#include "engine/model/activation_layout.h"

namespace batchlab {
namespace {

constexpr std::int64_t kFloat = 4;  // float32 values and int32 labels alike

// Per row of micro-batch, in 4-byte values: the activation layout table's buffer, which both
// backends carve (model/activation_layout.h).
std::int64_t activation_values_per_row(const MlpSpec& spec, Pass pass) {
  return mlp_activation_layout(spec, pass).values_per_row;
}

// The staged input rows plus one int32 label (classification) or the target row (regression).
std::int64_t batch_values_per_row(const MlpSpec& spec) {
  return spec.inputs + (spec.task == Task::classification ? 1 : spec.outputs);
}

}  // namespace

MemoryBytes predict_mlp_memory(const MlpSpec& spec, const OptimizerConfig& opt,
                               std::int64_t max_rows) {
  const std::int64_t p = mlp_parameter_count(spec);
  MemoryBytes m{};
  m[static_cast<int>(MemCategory::parameters)] = kFloat * p;
  m[static_cast<int>(MemCategory::gradients)] = kFloat * p;
  m[static_cast<int>(MemCategory::optimizer)] = kFloat * optimizer_state_values(p, opt);
  m[static_cast<int>(MemCategory::activations)] =
      kFloat * activation_values_per_row(spec, Pass::training) * max_rows;
  m[static_cast<int>(MemCategory::batch)] = kFloat * batch_values_per_row(spec) * max_rows;
  // The backward pass works in place (deltas overwrite activations), so no workspace.
  m[static_cast<int>(MemCategory::workspace)] = 0;
  return m;
}

std::int64_t optimizer_state_values(std::int64_t parameters, const OptimizerConfig& opt) {
  if (opt.kind == OptimizerKind::adam) return 2 * parameters;  // first and second moments
  return opt.momentum != 0.0 ? parameters : 0;                 // momentum buffer, or nothing
}

MemoryBytes predict_mlp_inference_memory(const MlpSpec& spec, std::int64_t max_rows) {
  MemoryBytes m{};
  m[static_cast<int>(MemCategory::parameters)] = kFloat * mlp_parameter_count(spec);
  m[static_cast<int>(MemCategory::activations)] =
      kFloat * activation_values_per_row(spec, Pass::inference) * max_rows;
  m[static_cast<int>(MemCategory::batch)] = kFloat * batch_values_per_row(spec) * max_rows;
  return m;
}

std::int64_t mlp_bytes_per_row(const MlpSpec& spec, Pass pass) {
  return kFloat * (activation_values_per_row(spec, pass) + batch_values_per_row(spec));
}

}  // namespace batchlab
