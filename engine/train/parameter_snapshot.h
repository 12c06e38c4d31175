// defines: SnapshotPolicy, ParameterSnapshotEvent
// The model's parameters during training, for views that draw the model itself as it learns (a
// decision boundary, a path across a two-parameter loss surface). Off by default: a snapshot is
// a copy of every parameter, cheap for the small models these views are for, and the Trainer
// sends one only when its inputs ask. The JSONL stream writes the step and the count, not the
// values (a sink that wants them downcasts).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/core/extension_event.h"

namespace batchlab {

struct SnapshotPolicy {
  // A snapshot after step 0 (the initial parameters), after step 1, then after every step at
  // least min_interval_s after the last one, and after the run's last step (so a view ends on
  // the trained model); off when not enabled.
  bool enabled = false;
  double min_interval_s = 0.0;  // 0: every step
  // Models this small get one every step whatever min_interval_s says: a path across a
  // two-parameter loss surface needs every step, and two floats a step cost nothing.
  std::int64_t every_step_max_parameters = 0;
  // Models larger than this get none, whatever is asked (a copy per step would cost the run).
  std::int64_t max_parameters = 1 << 20;
};

// "parameter_snapshot": the parameters after `step` (0: as initialised). With an asynchronous
// backend (CUDA with deferred results) they may be a step or two further on than `step`.
struct ParameterSnapshotEvent final : ExtensionEvent {
  std::int64_t step = 0;
  std::vector<float> parameters;

  std::string_view type() const override { return "parameter_snapshot"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("step", static_cast<double>(step));
    visit("parameters", static_cast<double>(parameters.size()));
  }
};

}  // namespace batchlab
