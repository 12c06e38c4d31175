// defines: CudaBackend (the Backend on one NVIDIA GPU)
// Buffers follow the CPU backend's layout (llm.c's pattern): parameters, gradients and optimizer
// state are flat float arrays sharing the layout table's offsets; activations are carved as the
// activation layout table says (model/activation_layout.h) and sized for max_rows;
// prepare_inference() makes the gradient and optimizer buffers empty. Each memory category is one
// device allocation made in prepare() through the MemoryAccountant: parameters, gradients,
// optimizer, workspace (cuBLAS workspace, per-row loss scratch, reduction partials, the scalars),
// activations, batch (both input slots; the resident datasets are a second allocation made by
// attach_data). The step calls queue work on one compute stream and allocate nothing. Two modes.
// Synchronous (the default, what tests drive): forward_backward and grad_norm2 wait for the device
// and return their values. Deferred (enable_deferred_results, what the Trainer uses): they only
// queue work; apply_update closes a step by queuing a 16-byte copy of its loss and gradient norm
// into a pinned ring slot and an end event; drain_steps reads finished slots.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cuda/cuda_handles.h"
#include "engine/backend/cuda/cuda_mlp.h"
#include "engine/backend/cuda/device_buffer.h"
#include "engine/backend/cuda/graph_cache.h"
#include "engine/backend/cuda/input_pipeline.h"
#include "engine/backend/cuda_backend.h"
#include "engine/model/activation_layout.h"

namespace batchlab::cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaOptions& options);
  ~CudaBackend() override;

  std::string device_name() const override { return name_; }
  std::int64_t device_total_bytes() const override { return identity_.total_bytes; }

  void prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
               std::uint64_t seed) override {
    allocate(spec, opt, max_rows, seed, Pass::training);
  }
  void prepare_inference(const MlpSpec& spec, std::int64_t max_rows, std::uint64_t seed) override {
    allocate(spec, OptimizerConfig{}, max_rows, seed, Pass::inference);
  }
  void attach_data(const Dataset& train, const Dataset& val) override;
  void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) override;
  void zero_grad() override;
  double forward_backward(float grad_scale) override;
  double grad_norm2() override;
  void apply_update(double lr) override;
  EvalTotals evaluate_staged() override;
  void infer_staged(std::span<float> outputs) override;
  const MemoryAccountant& memory() const override { return memory_; }
  int enable_deferred_results() override;
  std::span<const StepResult> drain_steps(bool wait) override;
  std::vector<float> parameters() const override;
  void set_parameters(std::span<const float> values) override;
  std::vector<float> gradients() const override;
  std::vector<float> outputs() const override;

  CudaStats stats() const;

 private:
  // One pending step of deferred mode: its events and what the host knows of it.
  struct StepRecord {
    std::int64_t step = 0;
    Event begin{true};          // zero_grad (or the step's first call)
    Event compute_begin{true};  // the first forward, after its input arrived
    Event end{true};            // after the update and the results copy
    bool computed = false;      // compute_begin was recorded
    bool norm = false;          // grad_norm2 was asked for
    double data_ms = 0.0;       // copy times harvested so far
  };
  // The loss and norm of one step, copied from DeviceScalars into pinned memory.
  struct StepValues {
    double loss;
    double grad_norm2;
  };

  // Everything prepare() builds, released as one (graphs first, then buffers).
  struct Model {
    DeviceBuffer params, grads, opt_state, workspace, activations, batch;
    PinnedBuffer pinned;
    std::optional<InputPipeline> input;
    CudaMlp mlp;
    std::int64_t p = 0;  // parameter count
    double* norm_partials = nullptr;
    DeviceScalars* scalars = nullptr;       // device
    DeviceScalars* host_scalars = nullptr;  // pinned, for synchronous reads
    StepValues* host_results = nullptr;     // pinned ring of loss_every slots
  };

  void activate_device() const;
  void allocate(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                std::uint64_t seed, Pass pass);
  void require_prepared(const char* call) const;
  // Training calls on a model prepared for inference have no gradient or state to work on.
  void require_training(const char* call) const;
  void require_staged(const char* call) const;
  void release_model();
  // Synchronous mode: copies the device scalars to pinned memory and waits for them.
  const DeviceScalars& read_scalars();
  // Deferred mode: the step being queued, opened by its first call.
  StepRecord& open_step();
  void close_step();
  void add_copy_time(const InputPipeline::CopyTime& t);

  // What the constructor learns of the GPU; selecting it comes first, so the stream and the
  // cuBLAS handle below are created on it.
  struct Identity {
    std::string name;
    std::int64_t total_bytes = 0;
    int cc_major = 0;
  };
  static Identity select_device(const CudaOptions& options);

  CudaOptions options_;
  Identity identity_;
  std::string name_;
  MemoryAccountant memory_;  // first: the buffers release into it when destroyed
  Stream compute_;
  BlasHandle blas_;
  std::unique_ptr<Model> model_;
  GraphCache graphs_;  // after model_: destroyed before the buffers its graphs point into
  MlpSpec spec_;
  OptimizerConfig opt_;
  std::int64_t max_rows_ = 0;
  Pass pass_ = Pass::training;
  int staged_slot_ = -1;
  std::int64_t staged_rows_ = 0;
  std::int64_t adam_t_ = 0;
  std::int64_t eager_passes_ = 0;  // forward + backward queued without graphs (graphs off)

  // Deferred mode: a ring of loss_every records; [head_, head_ + pending_) are closed steps
  // awaiting drain_steps, and the one after them is open while a step is being queued.
  bool deferred_ = false;
  std::vector<StepRecord> ring_;
  std::size_t head_ = 0;
  std::size_t pending_ = 0;
  bool open_ = false;
  std::int64_t next_step_ = 0;
  std::vector<StepResult> results_;  // drain_steps' answer, capacity loss_every
};

}  // namespace batchlab::cuda
