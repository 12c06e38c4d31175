// defines: ForwardingBackend (a Backend double that forwards every call)
// A Backend that hands every call to an inner one (the CPU backend unless told otherwise): test
// doubles derive from it and override only the calls they watch or change, so a new Backend
// call is forwarded here once instead of in every double.
#pragma once

#include <memory>
#include <utility>

#include "engine/backend/backend.h"

namespace batchlab::testing {

class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(std::unique_ptr<Backend> inner = make_cpu_backend(1, 0))
      : inner_(std::move(inner)) {}

  std::string device_name() const override { return inner_->device_name(); }
  std::int64_t device_total_bytes() const override { return inner_->device_total_bytes(); }
  void prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
               std::uint64_t seed) override {
    inner_->prepare(spec, opt, max_rows, seed);
  }
  void prepare_inference(const MlpSpec& spec, std::int64_t max_rows, std::uint64_t seed) override {
    inner_->prepare_inference(spec, max_rows, seed);
  }
  void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) override {
    inner_->stage_batch(data, rows);
  }
  void zero_grad() override { inner_->zero_grad(); }
  double forward_backward(float grad_scale) override {
    return inner_->forward_backward(grad_scale);
  }
  double grad_norm2() override { return inner_->grad_norm2(); }
  void apply_update(double lr) override { inner_->apply_update(lr); }
  EvalTotals evaluate_staged() override { return inner_->evaluate_staged(); }
  void infer_staged(std::span<float> outputs) override { inner_->infer_staged(outputs); }
  const MemoryAccountant& memory() const override { return inner_->memory(); }
  int device_count() const override { return inner_->device_count(); }
  const MemoryAccountant& device_memory(int device) const override {
    return inner_->device_memory(device);
  }
  void attach_data(const Dataset& train, const Dataset& val) override {
    inner_->attach_data(train, val);
  }
  int enable_deferred_results() override { return inner_->enable_deferred_results(); }
  std::span<const StepResult> drain_steps(bool wait) override { return inner_->drain_steps(wait); }
  std::unique_ptr<Backend> make_replica(int replica, int replicas) const override {
    return inner_->make_replica(replica, replicas);
  }
  bool set_gradient_ready_hook(GradientReadyHook* hook) override {
    return inner_->set_gradient_ready_hook(hook);
  }
  std::span<float> gradient_buffer() override { return inner_->gradient_buffer(); }
  void sync_next_backward() override { inner_->sync_next_backward(); }
  ReplicaStep replica_step() const override { return inner_->replica_step(); }
  std::vector<float> parameters() const override { return inner_->parameters(); }
  void set_parameters(std::span<const float> values) override { inner_->set_parameters(values); }
  std::vector<float> gradients() const override { return inner_->gradients(); }
  std::vector<float> outputs() const override { return inner_->outputs(); }

 protected:
  Backend& inner() const { return *inner_; }

 private:
  std::unique_ptr<Backend> inner_;
};

}  // namespace batchlab::testing
