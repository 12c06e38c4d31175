// CudaBackend's step calls: staging, forward + backward (eager or as a CUDA graph), the gradient
// norm, the optimizer update, evaluation, and deferred results.
#include <bit>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "engine/backend/cuda/cuda_backend_impl.h"
#include "engine/backend/stage_checks.h"

namespace batchlab::cuda {

namespace {
constexpr double kNaN = StepResult::kUnknown;
}

// A step's two results are copied off the device together, from the head of DeviceScalars.
static_assert(offsetof(DeviceScalars, step_loss) == 0);
static_assert(offsetof(DeviceScalars, grad_norm2) == sizeof(double));

void CudaBackend::stage_batch(const Dataset& data, std::span<const std::int64_t> rows) {
  require_prepared("stage_batch");
  const auto n = static_cast<std::int64_t>(rows.size());
  check_stage_source(spec_, max_rows_, data, n);
  staged_rows_ = 0;  // a batch that fails its row checks leaves nothing staged
  if (n == 0) return;
  InputPipeline::CopyTime previous;
  staged_slot_ = model_->input->stage(data, rows, previous);
  staged_rows_ = n;
  add_copy_time(previous);
}

void CudaBackend::zero_grad() {
  require_training("zero_grad");
  if (deferred_) open_step();
  const cudaStream_t s = compute_.get();
  BATCHLAB_CUDA_CHECK(cudaMemsetAsync(model_->grads.at<void>(0), 0,
                                      static_cast<std::size_t>(model_->grads.bytes()), s));
  // The step's loss and gradient norm start again from zero.
  BATCHLAB_CUDA_CHECK(cudaMemsetAsync(model_->scalars, 0, 2 * sizeof(double), s));
}

double CudaBackend::forward_backward(float grad_scale) {
  require_training("forward_backward");
  require_staged("forward_backward");
  Model& m = *model_;
  const cudaStream_t s = compute_.get();
  StepRecord* step = deferred_ ? &open_step() : nullptr;
  m.input->before_use(staged_slot_, s);
  if (step != nullptr && !step->computed) {
    BATCHLAB_CUDA_CHECK(cudaEventRecord(step->compute_begin.get(), s));
    step->computed = true;
  }
  const InputPipeline::Slot& in = m.input->slot(staged_slot_);
  const std::int64_t rows = staged_rows_;
  const auto enqueue = [&] {
    m.mlp.forward(in.x, rows);
    m.mlp.loss_and_backward(in.x, in.labels, in.targets, rows, grad_scale);
  };
  if (options_.graphs) {
    graphs_.run({rows, staged_slot_, std::bit_cast<std::uint32_t>(grad_scale)}, s, enqueue);
  } else {
    enqueue();
    ++eager_passes_;
  }
  m.input->after_use(staged_slot_, step != nullptr ? step->step : -1, s);
  if (deferred_) return kNaN;
  return read_scalars().fb_loss;
}

double CudaBackend::grad_norm2() {
  require_training("grad_norm2");
  if (deferred_) open_step().norm = true;
  Model& m = *model_;
  cuda::grad_norm2(m.grads.at<float>(0), m.p, m.norm_partials, m.scalars, compute_.get());
  if (deferred_) return kNaN;
  return read_scalars().grad_norm2;
}

void CudaBackend::apply_update(double lr) {
  require_training("apply_update");
  if (deferred_) open_step();
  ++adam_t_;
  Model& m = *model_;
  const cudaStream_t s = compute_.get();
  float* params = m.params.at<float>(0);
  const float* grads = m.grads.at<float>(0);
  float* state = m.opt_state.at<float>(0);
  const auto wd = static_cast<float>(opt_.weight_decay);
  // The CPU backend's cpu_apply_update, kernel by kernel: the same cases, the same scalars.
  if (opt_.kind == OptimizerKind::adam) {
    const ew::AdamStep step =
        ew::make_adam_step(lr, adam_t_, opt_.beta1, opt_.beta2, opt_.eps, opt_.weight_decay);
    adam_update(params, state, state + m.p, grads, m.p, step, s);
  } else if (opt_.momentum == 0.0) {
    sgd_update(params, grads, m.p, static_cast<float>(lr), wd, s);
  } else {
    momentum_update(params, state, grads, m.p, static_cast<float>(lr),
                    static_cast<float>(opt_.momentum), wd, opt_.nesterov, s);
  }
  if (deferred_) close_step();
}

EvalTotals CudaBackend::evaluate_staged() {
  require_staged("evaluate_staged");
  Model& m = *model_;
  const cudaStream_t s = compute_.get();
  m.input->before_use(staged_slot_, s);
  const InputPipeline::Slot& in = m.input->slot(staged_slot_);
  m.mlp.forward(in.x, staged_rows_);
  m.mlp.evaluate(in.labels, in.targets, staged_rows_);
  m.input->after_use(staged_slot_, -1, s);
  const DeviceScalars& v = read_scalars();
  EvalTotals t;
  t.loss_sum = v.eval_loss_sum;
  t.correct = v.eval_correct;
  t.rows = staged_rows_;
  return t;
}

// A request's compute: its forward pass, and (when asked for) the copy of its outputs, waited for.
void CudaBackend::infer_staged(std::span<float> outputs) {
  require_staged("infer_staged");
  Model& m = *model_;
  const cudaStream_t s = compute_.get();
  const std::int64_t n = spec_.outputs * staged_rows_;
  if (!outputs.empty() && static_cast<std::int64_t>(outputs.size()) != n)
    throw std::logic_error("infer_staged: outputs holds " + std::to_string(outputs.size()) +
                           " values, the staged rows give " + std::to_string(n));
  m.input->before_use(staged_slot_, s);
  const InputPipeline::Slot& in = m.input->slot(staged_slot_);
  m.mlp.forward(in.x, staged_rows_);
  m.input->after_use(staged_slot_, -1, s);
  if (outputs.empty()) return;
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(outputs.data(), m.mlp.layers.back().z,
                                      outputs.size() * sizeof(float), cudaMemcpyDeviceToHost, s));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(s));
}

const DeviceScalars& CudaBackend::read_scalars() {
  Model& m = *model_;
  const cudaStream_t s = compute_.get();
  BATCHLAB_CUDA_CHECK(
      cudaMemcpyAsync(m.host_scalars, m.scalars, sizeof(DeviceScalars), cudaMemcpyDeviceToHost, s));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(s));
  return *m.host_scalars;
}

// ---- deferred results ------------------------------------------------------------------------

int CudaBackend::enable_deferred_results() {
  require_prepared("enable_deferred_results");
  if (!deferred_) {
    activate_device();
    const auto k = static_cast<std::size_t>(options_.loss_every);
    ring_.clear();
    ring_.reserve(k);
    for (std::size_t i = 0; i < k; ++i) ring_.emplace_back();  // creates the events, once
    results_.clear();
    results_.reserve(k);
    head_ = 0;
    pending_ = 0;
    open_ = false;
    deferred_ = true;
  }
  return options_.loss_every;
}

CudaBackend::StepRecord& CudaBackend::open_step() {
  StepRecord& rec = ring_[(head_ + pending_) % ring_.size()];
  if (open_) return rec;
  if (pending_ == ring_.size())
    throw std::logic_error("CUDA backend: " + std::to_string(pending_) +
                           " steps are pending; call drain_steps() before queuing another");
  rec.step = next_step_;
  rec.computed = false;
  rec.norm = false;
  rec.data_ms = 0.0;
  BATCHLAB_CUDA_CHECK(cudaEventRecord(rec.begin.get(), compute_.get()));
  open_ = true;
  return rec;
}

void CudaBackend::close_step() {
  const std::size_t slot = (head_ + pending_) % ring_.size();
  const cudaStream_t s = compute_.get();
  // No host wait: the loss and norm travel into this step's pinned slot behind the update, and
  // the end event says when they are there.
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(&model_->host_results[slot], model_->scalars,
                                      sizeof(StepValues), cudaMemcpyDeviceToHost, s));
  BATCHLAB_CUDA_CHECK(cudaEventRecord(ring_[slot].end.get(), s));
  ++pending_;
  open_ = false;
  ++next_step_;
}

void CudaBackend::add_copy_time(const InputPipeline::CopyTime& t) {
  if (!deferred_ || t.step < 0) return;
  const std::size_t live = pending_ + (open_ ? 1 : 0);
  for (std::size_t i = 0; i < live; ++i) {
    StepRecord& rec = ring_[(head_ + i) % ring_.size()];
    if (rec.step == t.step) {
      rec.data_ms += t.ms;
      return;
    }
  }
}

std::span<const StepResult> CudaBackend::drain_steps(bool wait) {
  results_.clear();
  if (!deferred_) return {};
  while (pending_ > 0) {
    StepRecord& rec = ring_[head_];
    if (wait) {
      BATCHLAB_CUDA_CHECK(cudaEventSynchronize(rec.end.get()));
    } else {
      const cudaError_t state = cudaEventQuery(rec.end.get());
      if (state == cudaErrorNotReady) {
        // "Not yet" is an answer, not an error: keep it out of the next launch check.
        if (cudaPeekAtLastError() == cudaErrorNotReady) (void)cudaGetLastError();
        break;
      }
      check_cuda(state, "cudaEventQuery(step end)", __FILE__, __LINE__);
    }
    const StepValues& values = model_->host_results[head_];
    StepResult r;
    r.loss = values.loss;
    r.grad_norm2 = rec.norm ? values.grad_norm2 : kNaN;
    r.step_ms = elapsed_ms(rec.begin, rec.end);
    if (rec.computed) r.compute_ms = elapsed_ms(rec.compute_begin, rec.end);
    r.data_ms = rec.data_ms + model_->input->take_copy_ms(rec.step);
    results_.push_back(r);
    head_ = (head_ + 1) % ring_.size();
    --pending_;
  }
  return results_;
}

}  // namespace batchlab::cuda
