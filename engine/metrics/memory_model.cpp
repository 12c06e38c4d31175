#include "engine/metrics/memory_model.h"

namespace batchlab {
namespace {

constexpr std::int64_t kFloat = 4;  // float32 values and int32 labels alike

// Per row of micro-batch, in 4-byte values. The CPU backend carves its buffers from exactly
// these counts: a hidden layer keeps its pre-activation Z and activation A (the backward pass
// needs Z for f'(Z) and A for the next layer's weight gradient, and reuses A's storage for the
// delta), the output layer keeps only its logits (overwritten in place by ∂loss/∂logits).
std::int64_t activation_values_per_row(const MlpSpec& spec) {
  std::int64_t n = spec.outputs;
  for (auto width : spec.hidden) n += 2 * width;
  return n;
}

// The staged input rows plus one int32 label (classification) or the target row (regression).
std::int64_t batch_values_per_row(const MlpSpec& spec) {
  return spec.inputs + (spec.task == Task::classification ? 1 : spec.outputs);
}

std::int64_t optimizer_values(const MlpSpec& spec, const OptimizerConfig& opt) {
  const std::int64_t p = mlp_parameter_count(spec);
  if (opt.kind == OptimizerKind::adam) return 2 * p;  // first and second moments
  return opt.momentum != 0.0 ? p : 0;                 // momentum buffer, or nothing
}

}  // namespace

MemoryBytes predict_mlp_memory(const MlpSpec& spec, const OptimizerConfig& opt,
                               std::int64_t max_rows) {
  const std::int64_t p = mlp_parameter_count(spec);
  MemoryBytes m{};
  m[static_cast<int>(MemCategory::parameters)] = kFloat * p;
  m[static_cast<int>(MemCategory::gradients)] = kFloat * p;
  m[static_cast<int>(MemCategory::optimizer)] = kFloat * optimizer_values(spec, opt);
  m[static_cast<int>(MemCategory::activations)] =
      kFloat * activation_values_per_row(spec) * max_rows;
  m[static_cast<int>(MemCategory::batch)] = kFloat * batch_values_per_row(spec) * max_rows;
  // The backward pass works in place (deltas overwrite activations), so no workspace.
  m[static_cast<int>(MemCategory::workspace)] = 0;
  return m;
}

std::int64_t mlp_bytes_per_row(const MlpSpec& spec) {
  return kFloat * (activation_values_per_row(spec) + batch_values_per_row(spec));
}

}  // namespace batchlab
