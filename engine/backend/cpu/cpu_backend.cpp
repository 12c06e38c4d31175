// defines: CpuBackend (the Eigen backend), make_cpu_backend
// Buffers (llm.c's pattern): parameters, gradients and optimizer state are three flat float
// arrays sharing the layout table's offsets; activations (carved as the activation layout table
// says, for training or for inference) and the staged batch are sized for max_rows. All are
// HostBuffers, registered with the accountant in prepare(); the step calls only carve Eigen maps
// out of them. prepare_inference() allocates no gradient and no optimizer state.
// At small batches a step is bound by passes over the P-float buffers, so the step avoids the
// ones it can: zero_grad() only marks the gradient as zero and the next backward writes it
// instead of adding to it; the small-batch backward measures |g|² as it writes, so grad_norm2()
// need not read the gradient again; and apply_update() only records the step, which the next
// forward pass applies block by block just before it reads those weights, so the memory-bound
// update and the FMA-bound products share one pass. Whatever reads the parameters otherwise
// (parameters(), set_parameters(), the next apply_update()) sees or applies the step first.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_mlp.h"
#include "engine/backend/cpu/cpu_optimizer.h"
#include "engine/backend/cpu/eigen_core.h"
#include "engine/backend/cpu/host_buffer.h"
#include "engine/backend/stage_checks.h"
#include "engine/core/errors.h"
#include "engine/metrics/memory_model.h"
#include "engine/model/activation_layout.h"
#include "engine/model/mlp_init.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace batchlab {
namespace {

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

int resolve_threads(int requested) {
#ifdef _OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;  // without OpenMP Eigen runs every product on one core
#endif
}

class CpuBackend final : public Backend {
 public:
  CpuBackend(int threads, std::int64_t budget_bytes)
      : memory_(budget_bytes), threads_(resolve_threads(threads)) {}

  std::string device_name() const override {
    return "cpu (Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
           std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) + ", " +
           std::to_string(threads_) + (threads_ == 1 ? " thread)" : " threads)");
  }

  void prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
               std::uint64_t seed) override {
    allocate(spec, opt, max_rows, seed, Pass::training);
  }
  void prepare_inference(const MlpSpec& spec, std::int64_t max_rows, std::uint64_t seed) override {
    allocate(spec, OptimizerConfig{}, max_rows, seed, Pass::inference);
  }
  void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) override;

  void zero_grad() override {
    require_training("zero_grad");
    grads_are_zero_ = true;
    grad_norm2_ = 0.0;
  }

  double forward_backward(float grad_scale) override {
    require_training("forward_backward");
    require_staged("forward_backward");
    forward();
    const BackwardResult r =
        mlp_.backward(staged_rows_, grad_scale, grads_are_zero_ ? Accumulate::no : Accumulate::yes);
    grads_are_zero_ = false;
    grad_norm2_ = external_grads_ ? kUnknown : r.grad_norm2;
    return r.loss;
  }

  double grad_norm2() override;

  void apply_update(double lr) override {
    if (buf_.params.size() == 0) throw std::logic_error("apply_update before prepare");
    require_training("apply_update");
    flush_update();
    if (grads_are_zero_) clear_grads();  // an update with no backward since zero_grad: rare
    ++adam_t_;
    pending_ = update_at(lr, buf_.params.data(), buf_.opt_state.data());
    pending_lr_ = lr;
  }

  EvalTotals evaluate_staged() override {
    require_staged("evaluate_staged");
    forward();
    return mlp_.totals(staged_rows_);
  }

  void infer_staged(std::span<float> outputs) override {
    require_staged("infer_staged");
    forward();
    if (outputs.empty()) return;
    const std::int64_t n = spec_.outputs * staged_rows_;
    if (static_cast<std::int64_t>(outputs.size()) != n)
      throw std::logic_error("infer_staged: outputs holds " + std::to_string(outputs.size()) +
                             " values, the staged rows give " + std::to_string(n));
    const float* z = mlp_.layers.back().z;
    std::copy(z, z + n, outputs.begin());
  }

  const MemoryAccountant& memory() const override { return memory_; }

  // A replica gets its share of our threads (at least one) and the same per-device budget.
  std::unique_ptr<Backend> make_replica(int replica, int replicas) const override {
    const int share = threads_ / replicas + (replica < threads_ % replicas ? 1 : 0);
    return std::make_unique<CpuBackend>(std::max(1, share), memory_.budget());
  }
  bool set_gradient_ready_hook(GradientReadyHook* hook) override {
    hook_ = hook;
    mlp_.grad_ready = hook;
    return true;
  }
  std::span<float> gradient_buffer() override {
    // Whoever holds the buffer may rewrite it (an all-reduce): |g|² is no longer known from
    // the backward pass alone.
    external_grads_ = true;
    return {buf_.grads.data(), static_cast<std::size_t>(buf_.grads.size())};
  }

  std::vector<float> parameters() const override {
    std::vector<float> p(buf_.params.data(), buf_.params.data() + buf_.params.size());
    if (pending_) {  // the deferred step, applied to copies: same formulas, same bits
      std::vector<float> state(buf_.opt_state.data(),
                               buf_.opt_state.data() + buf_.opt_state.size());
      update_at(pending_lr_, p.data(), state.data()).apply_all();
    }
    return p;
  }
  std::vector<float> gradients() const override {
    if (grads_are_zero_) return std::vector<float>(static_cast<std::size_t>(buf_.grads.size()));
    return {buf_.grads.data(), buf_.grads.data() + buf_.grads.size()};
  }
  std::vector<float> outputs() const override {
    if (mlp_.layers.empty()) return {};
    const float* z = mlp_.layers.back().z;
    return {z, z + spec_.outputs * staged_rows_};
  }
  void set_parameters(std::span<const float> values) override {
    if (static_cast<std::int64_t>(values.size()) != buf_.params.size())
      throw Error("set_parameters: got " + std::to_string(values.size()) +
                  " values for a model with " + std::to_string(buf_.params.size()) + " parameters");
    flush_update();  // the optimizer state takes the step; the parameters are then replaced
    std::copy(values.begin(), values.end(), buf_.params.data());
  }

 private:
  // Every buffer of one prepared model; built whole, then swapped in, so a prepare() that runs
  // out of memory leaves nothing registered.
  struct Buffers {
    HostBuffer<float> params, grads, opt_state, activations, x, targets;
    HostBuffer<std::int32_t> labels;
  };

  // Training calls on a model prepared for inference have no gradient or state to work on.
  void require_training(const char* call) const {
    if (pass_ == Pass::inference)
      throw std::logic_error(std::string(call) + " on a model prepared for inference only");
  }
  void allocate(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                std::uint64_t seed, Pass pass);
  void require_staged(const char* call) const {
    if (staged_rows_ == 0)
      throw std::logic_error(std::string(call) + " needs a non-empty stage_batch first");
  }
  void initialise(std::uint64_t seed);
  void bind_views(const ActivationLayout& acts);
  // The step at `lr` over these parameters and state with the backend's gradient.
  CpuUpdate update_at(double lr, float* params, float* state) const {
    return CpuUpdate(opt_, lr, adam_t_, params, buf_.grads.data(), state, buf_.params.size());
  }
  void flush_update() {
    if (pending_) pending_->apply_all();
    pending_.reset();
  }
  // Runs the forward pass, applying a deferred step on the way.
  void forward() {
    mlp_.forward(staged_rows_, pending_ ? &*pending_ : nullptr);
    pending_.reset();
  }
  void clear_grads() {
    std::memset(static_cast<void*>(buf_.grads.data()), 0,
                static_cast<std::size_t>(buf_.grads.bytes()));
    grads_are_zero_ = false;
  }

  MemoryAccountant memory_;  // declared first: the buffers release into it when destroyed
  int threads_ = 1;
  GradientReadyHook* hook_ = nullptr;  // survives prepare(): bind_views hands it to mlp_
  bool external_grads_ = false;        // gradient_buffer() was handed out
  MlpSpec spec_;
  OptimizerConfig opt_;
  std::int64_t max_rows_ = 0;
  Pass pass_ = Pass::training;
  Buffers buf_;
  CpuMlp mlp_;
  std::int64_t staged_rows_ = 0;
  std::int64_t adam_t_ = 0;
  // zero_grad() was called and nothing has written the gradient since: its bytes are stale and
  // it reads as zero.
  bool grads_are_zero_ = false;
  double grad_norm2_ = kUnknown;  // |g|² when known without reading the buffer, else NaN
  // apply_update() was called and its step is not yet in the parameters and optimizer state.
  std::optional<CpuUpdate> pending_;
  double pending_lr_ = 0.0;
};

void CpuBackend::allocate(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                          std::uint64_t seed, Pass pass) {
  check_mlp_spec(spec, max_rows);
  buf_ = Buffers{};  // give the old model's bytes back before asking for new ones
  mlp_ = CpuMlp{};
  max_rows_ = 0;  // unprepared until every buffer exists
  staged_rows_ = 0;
  adam_t_ = 0;
  grads_are_zero_ = false;
  grad_norm2_ = kUnknown;
  pending_.reset();

  const bool training = pass == Pass::training;
  const std::int64_t p = mlp_parameter_count(spec);
  const ActivationLayout acts = mlp_activation_layout(spec, pass);

  // Static state first, then what grows with max_rows, so a budget names the per-row buffers
  // when the batch is what does not fit.
  Buffers b;
  b.params = HostBuffer<float>(memory_, MemCategory::parameters, p);
  if (training) {
    b.grads = HostBuffer<float>(memory_, MemCategory::gradients, p);
    b.opt_state =
        HostBuffer<float>(memory_, MemCategory::optimizer, optimizer_state_values(p, opt));
  }
  b.activations =
      HostBuffer<float>(memory_, MemCategory::activations, acts.values_per_row * max_rows);
  b.x = HostBuffer<float>(memory_, MemCategory::batch, spec.inputs * max_rows);
  if (spec.task == Task::classification)
    b.labels = HostBuffer<std::int32_t>(memory_, MemCategory::batch, max_rows);
  else
    b.targets = HostBuffer<float>(memory_, MemCategory::batch, spec.outputs * max_rows);

  buf_ = std::move(b);
  spec_ = spec;
  opt_ = opt;
  max_rows_ = max_rows;
  pass_ = pass;
  bind_views(acts);
  initialise(seed);
}

void CpuBackend::bind_views(const ActivationLayout& acts) {
  const auto layout = mlp_layout(spec_);
  const auto widths = spec_.widths();
  mlp_.activation = spec_.activation;
  mlp_.task = spec_.task;
  mlp_.threads = threads_;
  mlp_.grad_ready = hook_;
  mlp_.x = buf_.x.data();
  mlp_.labels = buf_.labels.data();
  mlp_.targets = buf_.targets.data();
  float* act = buf_.activations.data();
  float* grads = buf_.grads.size() > 0 ? buf_.grads.data() : nullptr;  // none for inference
  const std::size_t n_layers = widths.size() - 1;
  for (std::size_t l = 0; l < n_layers; ++l) {
    const ParamEntry& w = layout[2 * l];
    const ParamEntry& bias = layout[2 * l + 1];
    CpuLayer layer;
    layer.fan_in = w.cols;
    layer.fan_out = w.rows;
    layer.weight = buf_.params.data() + w.offset;
    layer.bias = buf_.params.data() + bias.offset;
    layer.weight_grad = grads ? grads + w.offset : nullptr;
    layer.bias_grad = grads ? grads + bias.offset : nullptr;
    layer.weight_offset = w.offset;
    layer.bias_offset = bias.offset;
    layer.z = act + acts.layers[l].z_offset * max_rows_;
    layer.a = act + acts.layers[l].a_offset * max_rows_;  // the logits: a == z
    mlp_.layers.push_back(layer);
  }
}

// The shared initialiser (model/mlp_init), so a seed gives the same network on every backend.
void CpuBackend::initialise(std::uint64_t seed) {
  init_mlp_parameters(
      spec_, seed,
      std::span<float>(buf_.params.data(), static_cast<std::size_t>(buf_.params.size())));
}

void CpuBackend::stage_batch(const Dataset& data, std::span<const std::int64_t> rows) {
  if (max_rows_ == 0) throw std::logic_error("stage_batch before prepare");
  const auto n = static_cast<std::int64_t>(rows.size());
  check_stage_source(spec_, max_rows_, data, n);
  const std::int64_t d = spec_.inputs;
  const std::int64_t o = spec_.outputs;
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t r = rows[static_cast<std::size_t>(j)];
    if (r < 0 || r >= data.rows) throw_row_outside(data, r);
    // Column j of the column-major d × B batch is the dataset's row r: one contiguous copy.
    std::memcpy(buf_.x.data() + j * d, data.row(r), static_cast<std::size_t>(d) * sizeof(float));
    if (spec_.task == Task::classification) {
      const std::int32_t label = data.labels[static_cast<std::size_t>(r)];
      if (label < 0 || label >= o) throw_bad_label(data, r, label, o);
      buf_.labels.data()[j] = label;
    } else {
      std::memcpy(buf_.targets.data() + j * o, data.targets.data() + r * o,
                  static_cast<std::size_t>(o) * sizeof(float));
    }
  }
  staged_rows_ = n;
}

double CpuBackend::grad_norm2() {
  require_training("grad_norm2");
  if (grads_are_zero_) return 0.0;
  if (!std::isnan(grad_norm2_)) return grad_norm2_;
  // Float sums over short chunks (vectorised), double across chunks: accurate to ~1e-7
  // relative for millions of parameters, and the same order every time.
  constexpr std::int64_t kChunk = 1024;
  const float* g = buf_.grads.data();
  const std::int64_t p = buf_.grads.size();
  double total = 0.0;
  for (std::int64_t start = 0; start < p; start += kChunk) {
    const std::int64_t len = std::min(kChunk, p - start);
    total += static_cast<double>(Eigen::Map<const Eigen::VectorXf>(g + start, len).squaredNorm());
  }
  grad_norm2_ = total;
  return total;
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads, std::int64_t budget_bytes) {
  return std::make_unique<CpuBackend>(threads, budget_bytes);
}

}  // namespace batchlab
