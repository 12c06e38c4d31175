// defines: CpuBackend (the Eigen backend), make_cpu_backend
// Buffers (llm.c's pattern): parameters, gradients and optimizer state are three flat float
// arrays sharing the layout table's offsets; activations and the staged batch are sized for
// max_rows. All are HostBuffers, registered with the accountant in prepare(); the step calls
// only carve Eigen maps out of them.
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
#include "engine/core/errors.h"
#include "engine/core/rng.h"

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

void check_spec(const MlpSpec& spec, std::int64_t max_rows) {
  if (spec.inputs < 1)
    throw ConfigError("model", "dataset.features", "the model needs at least one input feature");
  if (spec.outputs < 1)
    throw ConfigError("model", "dataset", "the model needs at least one output");
  for (auto width : spec.hidden)
    if (width < 1)
      throw ConfigError("model", "model.hidden",
                        "every hidden width must be at least 1, got " + std::to_string(width));
  if (max_rows < 1)
    throw ConfigError("model", "batch.size",
                      "the micro-batch must have at least 1 row, got " + std::to_string(max_rows));
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
               std::uint64_t seed) override;
  void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) override;

  void zero_grad() override {
    grads_are_zero_ = true;
    grad_norm2_ = 0.0;
  }

  double forward_backward(float grad_scale) override {
    require_staged("forward_backward");
    forward();
    const BackwardResult r =
        mlp_.backward(staged_rows_, grad_scale, grads_are_zero_ ? Accumulate::no : Accumulate::yes);
    grads_are_zero_ = false;
    grad_norm2_ = r.grad_norm2;
    return r.loss;
  }

  double grad_norm2() override;

  void apply_update(double lr) override {
    if (buf_.params.size() == 0) throw std::logic_error("apply_update before prepare");
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

  const MemoryAccountant& memory() const override { return memory_; }

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

  void require_staged(const char* call) const {
    if (staged_rows_ == 0)
      throw std::logic_error(std::string(call) + " needs a non-empty stage_batch first");
  }
  void initialise(std::uint64_t seed);
  void bind_views();
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
  MlpSpec spec_;
  OptimizerConfig opt_;
  std::int64_t max_rows_ = 0;
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

void CpuBackend::prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                         std::uint64_t seed) {
  check_spec(spec, max_rows);
  buf_ = Buffers{};  // give the old model's bytes back before asking for new ones
  mlp_ = CpuMlp{};
  max_rows_ = 0;  // unprepared until every buffer exists
  staged_rows_ = 0;
  adam_t_ = 0;
  grads_are_zero_ = false;
  grad_norm2_ = kUnknown;
  pending_.reset();

  const std::int64_t p = mlp_parameter_count(spec);
  std::int64_t activation_values = spec.outputs;
  for (auto width : spec.hidden) activation_values += 2 * width;
  const std::int64_t state_values =
      opt.kind == OptimizerKind::adam ? 2 * p : (opt.momentum != 0.0 ? p : 0);

  // Static state first, then what grows with max_rows, so a budget names the per-row buffers
  // when the batch is what does not fit.
  Buffers b;
  b.params = HostBuffer<float>(memory_, MemCategory::parameters, p);
  b.grads = HostBuffer<float>(memory_, MemCategory::gradients, p);
  b.opt_state = HostBuffer<float>(memory_, MemCategory::optimizer, state_values);
  b.activations =
      HostBuffer<float>(memory_, MemCategory::activations, activation_values * max_rows);
  b.x = HostBuffer<float>(memory_, MemCategory::batch, spec.inputs * max_rows);
  if (spec.task == Task::classification)
    b.labels = HostBuffer<std::int32_t>(memory_, MemCategory::batch, max_rows);
  else
    b.targets = HostBuffer<float>(memory_, MemCategory::batch, spec.outputs * max_rows);

  buf_ = std::move(b);
  spec_ = spec;
  opt_ = opt;
  max_rows_ = max_rows;
  bind_views();
  initialise(seed);
}

void CpuBackend::bind_views() {
  const auto layout = mlp_layout(spec_);
  const auto widths = spec_.widths();
  mlp_.activation = spec_.activation;
  mlp_.task = spec_.task;
  mlp_.threads = threads_;
  mlp_.x = buf_.x.data();
  mlp_.labels = buf_.labels.data();
  mlp_.targets = buf_.targets.data();
  float* act = buf_.activations.data();
  const std::size_t n_layers = widths.size() - 1;
  for (std::size_t l = 0; l < n_layers; ++l) {
    const ParamEntry& w = layout[2 * l];
    const ParamEntry& bias = layout[2 * l + 1];
    CpuLayer layer;
    layer.fan_in = w.cols;
    layer.fan_out = w.rows;
    layer.weight = buf_.params.data() + w.offset;
    layer.bias = buf_.params.data() + bias.offset;
    layer.weight_grad = buf_.grads.data() + w.offset;
    layer.bias_grad = buf_.grads.data() + bias.offset;
    layer.weight_offset = w.offset;
    layer.bias_offset = bias.offset;
    layer.z = act;
    act += layer.fan_out * max_rows_;
    if (l + 1 < n_layers) {
      layer.a = act;
      act += layer.fan_out * max_rows_;
    } else {
      layer.a = layer.z;  // the logits are their own "activation"
    }
    mlp_.layers.push_back(layer);
  }
}

// He: N(0, 2/fan_in); Xavier: U(±√(6/(fan_in+fan_out))); biases stay 0. Drawn layer by layer
// in storage order, so a seed gives the same network on every platform and backend.
void CpuBackend::initialise(std::uint64_t seed) {
  Rng rng(seed);
  float* params = buf_.params.data();
  for (const ParamEntry& e : mlp_layout(spec_)) {
    if (e.cols == 1) continue;  // a bias
    const auto fan_in = static_cast<double>(e.cols);
    const auto fan_out = static_cast<double>(e.rows);
    float* w = params + e.offset;
    if (spec_.init == Init::he) {
      const double stddev = std::sqrt(2.0 / fan_in);
      for (std::int64_t i = 0; i < e.size(); ++i)
        w[i] = static_cast<float>(rng.normal(0.0, stddev));
    } else {
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      for (std::int64_t i = 0; i < e.size(); ++i)
        w[i] = static_cast<float>(rng.uniform(-limit, limit));
    }
  }
}

void CpuBackend::stage_batch(const Dataset& data, std::span<const std::int64_t> rows) {
  if (max_rows_ == 0) throw std::logic_error("stage_batch before prepare");
  const auto n = static_cast<std::int64_t>(rows.size());
  if (n > max_rows_)
    throw Error("stage_batch: " + std::to_string(n) + " rows exceed the " +
                std::to_string(max_rows_) + " the backend was prepared for");
  if (data.features != spec_.inputs)
    throw DataError(data.name + ": has " + std::to_string(data.features) +
                    " features but the model expects " + std::to_string(spec_.inputs));
  if (data.task != spec_.task)
    throw DataError(data.name + ": is a " + std::string(to_string(data.task)) +
                    " dataset but the model was built for " + std::string(to_string(spec_.task)));
  if (spec_.task == Task::regression && data.outputs != spec_.outputs)
    throw DataError(data.name + ": has " + std::to_string(data.outputs) +
                    " target columns but the model predicts " + std::to_string(spec_.outputs));

  const std::int64_t d = spec_.inputs;
  const std::int64_t o = spec_.outputs;
  const auto expect = [&](std::size_t have, std::int64_t want, const char* what) {
    if (static_cast<std::int64_t>(have) != want)
      throw DataError(data.name + ": holds " + std::to_string(have) + " " + what + " for " +
                      std::to_string(data.rows) + " rows, expected " + std::to_string(want));
  };
  expect(data.x.size(), data.rows * d, "feature values");
  if (spec_.task == Task::classification)
    expect(data.labels.size(), data.rows, "labels");
  else
    expect(data.targets.size(), data.rows * o, "target values");
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t r = rows[static_cast<std::size_t>(j)];
    if (r < 0 || r >= data.rows)
      throw Error("stage_batch: row " + std::to_string(r) + " is outside " + data.name + " (0.." +
                  std::to_string(data.rows - 1) + ")");
    // Column j of the column-major d × B batch is the dataset's row r: one contiguous copy.
    std::memcpy(buf_.x.data() + j * d, data.row(r), static_cast<std::size_t>(d) * sizeof(float));
    if (spec_.task == Task::classification) {
      const std::int32_t label = data.labels[static_cast<std::size_t>(r)];
      if (label < 0 || label >= o)
        throw DataError(data.name + ": row " + std::to_string(r) + " has label " +
                        std::to_string(label) + " but the model has " + std::to_string(o) +
                        " classes");
      buf_.labels.data()[j] = label;
    } else {
      std::memcpy(buf_.targets.data() + j * o, data.targets.data() + r * o,
                  static_cast<std::size_t>(o) * sizeof(float));
    }
  }
  staged_rows_ = n;
}

double CpuBackend::grad_norm2() {
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
