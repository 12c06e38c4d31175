// defines: Backend (the device interface the Trainer drives), EvalTotals, StepResult,
//          GradientReadyHook, ReplicaStep
// One Backend trains one MLP, or runs one forward-only. prepare() allocates every buffer
// (parameters, gradients, optimizer state, activations and the staged batch, sized for max_rows)
// through the MemoryAccountant; the step loop then allocates nothing. prepare_inference()
// allocates only what a forward pass needs (parameters, the inference activation layout of
// model/activation_layout.h, the staged batch); the training calls then throw std::logic_error. The
// Trainer times stage_batch() as "data" and forward_backward() + apply_update() as "compute".
// Asynchronous backends (CUDA) may also defer each step's loss and gradient norm, so the host
// never waits for the device per step: see enable_deferred_results().
// Threading: all calls from one thread (the Trainer's).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/run_config.h"
#include "engine/data/dataset.h"
#include "engine/metrics/memory_accountant.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

struct EvalTotals {
  double loss_sum = 0.0;     // Σ per-row loss
  std::int64_t correct = 0;  // classification: rows whose argmax equals the label
  std::int64_t rows = 0;
};

// What an asynchronous backend learns about a step once the device has run it. NaN where the
// backend does not measure a quantity (the Trainer then uses its host clock).
struct StepResult {
  static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  double loss = kUnknown;        // mean training loss: Σ over micro-batches of scale · mean loss
  double grad_norm2 = kUnknown;  // |g|² as grad_norm2() would have returned it
  double step_ms = kUnknown;     // device time from the step's first command to its last
  double data_ms = kUnknown;     // device time of the step's input copies (overlaps compute)
  double compute_ms = kUnknown;  // device time from the step's first forward to its update's end
};

// Called by a backend on the thread running forward_backward(), once per layer as the backward
// pass finishes that layer's weight and bias gradients (last layer first): the pass writes them
// no more, so a data-parallel backend can all-reduce them while earlier layers still compute
// (PyTorch DDP's gradient buckets). A device backend would call it when the layer's kernels are
// queued, and the reduction (NCCL) would go on the same stream.
class GradientReadyHook {
 public:
  virtual ~GradientReadyHook() = default;
  virtual void gradient_ready(int layer) = 0;
};

// How the last step went across data-parallel replicas (engine/parallel/). One device: replicas
// 1 and nothing else measured. The times split the step's passes: the slowest replica's compute,
// the all-reduce time not hidden behind compute, and idle (waiting for the slowest, waking).
struct ReplicaStep {
  int replicas = 1;
  std::int64_t replica_batch = 0;  // rows of the step's batch on the busiest replica
  double compute_ms = 0.0;
  double allreduce_ms = 0.0;
  double idle_ms = 0.0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu (Eigen 3.4, 2 threads)" and the like, for logs and the store.
  virtual std::string device_name() const = 0;
  // Device memory in bytes, 0 when unknown (the CPU reports 0).
  virtual std::int64_t device_total_bytes() const { return 0; }

  // Allocates every buffer for `spec` and `opt` with micro-batches of up to `max_rows`, then
  // initialises parameters from `seed` (He or Xavier as spec.init says). Throws
  // OutOfMemoryError when the budget or the device refuses.
  virtual void prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                       std::uint64_t seed) = 0;

  // Forward only: parameters (from `seed`, or set_parameters() afterwards, as a stored model is
  // loaded), activations in the inference layout and the staged batch, sized for `max_rows`; no
  // gradient, no optimizer state. Throws OutOfMemoryError when the budget or the device refuses.
  virtual void prepare_inference(const MlpSpec& spec, std::int64_t max_rows,
                                 std::uint64_t seed) = 0;

  // Gathers rows[i] of `data` (features and targets) into the staged batch. rows.size() ≤ max_rows.
  virtual void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) = 0;

  virtual void zero_grad() = 0;
  // Forward and backward on the staged batch: adds grad_scale · ∂(mean loss over the staged
  // rows)/∂θ into the gradient buffer and returns that mean loss. With accumulation the Trainer
  // passes grad_scale = rows_in_micro_batch / rows_in_batch, so k micro-batches give exactly the
  // big-batch gradient.
  virtual double forward_backward(float grad_scale) = 0;
  // |g|² of the gradient buffer.
  virtual double grad_norm2() = 0;
  // One optimizer step (SGD with momentum / Nesterov / weight decay, or Adam) at `lr`.
  virtual void apply_update(double lr) = 0;
  // Forward only on the staged batch: loss sum and correct count.
  virtual EvalTotals evaluate_staged() = 0;
  // The inference call: a forward pass on the staged batch and nothing else (no loss). When
  // `outputs` is not empty it receives the output layer's values, outputs × rows column-major
  // (outputs.size() must be that); a device backend then waits for them, so the call's time is
  // the request's compute time. Works after prepare() and after prepare_inference().
  virtual void infer_staged(std::span<float> outputs) = 0;

  // Every buffer of the model, on all its devices (the Trainer's StepEvent::memory).
  virtual const MemoryAccountant& memory() const = 0;
  // Per device, for a backend that spans several (data-parallel replicas): device_memory(d)
  // for d < device_count(). One device is the default, whose accountant is memory().
  virtual int device_count() const { return 1; }
  virtual const MemoryAccountant& device_memory(int /*device*/) const { return memory(); }

  // Backends that keep the data on the device (CUDA with cuda.resident_data) copy both splits
  // here, once, after prepare() and before the first step; stage_batch then gathers rows of
  // these two datasets on the device. The datasets must outlive the backend's use of them.
  // May throw OutOfMemoryError. The default keeps nothing.
  virtual void attach_data(const Dataset& /*train*/, const Dataset& /*val*/) {}

  // ---- deferred results (asynchronous backends; synchronous ones keep the defaults) ----------
  // Switches to deferred results and returns how many steps may be pending at most, or 0 when
  // the backend stays synchronous (the default, and the CPU). In deferred mode
  // forward_backward() and grad_norm2() only queue work and return NaN; each apply_update() ends
  // a step whose StepResult arrives later through drain_steps(). The caller must drain before
  // more steps than the returned number are pending (apply_update throws std::logic_error then).
  virtual int enable_deferred_results() { return 0; }
  // Deferred mode: the results of the oldest pending steps, in step order. wait = false returns
  // those the device has finished (maybe none) without blocking; wait = true waits for all.
  // The span is valid until the next call.
  virtual std::span<const StepResult> drain_steps(bool /*wait*/) { return {}; }

  // ---- data-parallel seams (engine/parallel/); single-device backends keep the defaults -------
  // A fresh, unprepared backend of the same kind for replica `replica` of `replicas`: on the CPU
  // with its share of this backend's threads and the same budget (per device); a multi-GPU
  // backend would open the replica's device. nullptr: this backend cannot make replicas.
  virtual std::unique_ptr<Backend> make_replica(int /*replica*/, int /*replicas*/) const {
    return nullptr;
  }
  // Installs (or, with nullptr, removes) the per-layer hook above; false when the backend
  // cannot call one (a data-parallel backend then reduces after the whole backward pass).
  virtual bool set_gradient_ready_hook(GradientReadyHook* /*hook*/) { return false; }
  // The gradient buffer itself, in parameter-layout order, for an all-reduce in place: valid
  // after prepare() and meaningful once a forward_backward() has run since zero_grad(). Writes
  // through it are what apply_update() then uses. Empty when the host cannot address it.
  virtual std::span<float> gradient_buffer() { return {}; }
  // The next forward_backward() ends the step's accumulation: a data-parallel backend
  // all-reduces the gradient during it (DDP's sync pass; the passes before only accumulate).
  // Without the call it reduces at apply_update(), after the backward.
  virtual void sync_next_backward() {}
  // The last step's split over replicas (valid after apply_update()).
  virtual ReplicaStep replica_step() const { return {}; }

  // Host copies, for tests and checkpoints (slow path).
  virtual std::vector<float> parameters() const = 0;
  virtual void set_parameters(std::span<const float> values) = 0;
  virtual std::vector<float> gradients() const = 0;
  // The output layer's values (logits, or regression predictions) for the staged rows as the
  // last evaluate_staged() left them, outputs × rows column-major; for tests comparing
  // backends. Empty when the backend does not keep them (the default).
  virtual std::vector<float> outputs() const { return {}; }
};

// The Eigen backend. threads = 0 uses every core. budget_bytes = 0: no budget.
std::unique_ptr<Backend> make_cpu_backend(int threads, std::int64_t budget_bytes);

}  // namespace batchlab
