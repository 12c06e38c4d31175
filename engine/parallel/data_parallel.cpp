#include "engine/parallel/data_parallel.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/core/errors.h"
#include "engine/parallel/shard_split.h"

namespace batchlab {

DataParallelBackend::DataParallelBackend(std::vector<std::unique_ptr<Backend>> made, bool overlap)
    : replicas_(std::move(made)),
      overlap_(overlap),
      hooks_(std::make_unique<Hook[]>(replicas_.size())),
      slots_(std::make_unique<Slot[]>(replicas_.size())),
      grads_(replicas_.size(), nullptr),
      sizes_(replicas_.size(), 0),
      workers_(static_cast<int>(replicas_.size())) {
  if (replicas_.empty()) throw std::logic_error("a data-parallel backend needs a replica");
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    hooks_[r].owner = this;
    hooks_[r].replica = static_cast<int>(r);
  }
  step_.replicas = replicas();
}

DataParallelBackend::~DataParallelBackend() {
  // The replicas must not call into us while the workers are joined and the hooks go away.
  for (auto& r : replicas_) r->set_gradient_ready_hook(nullptr);
}

std::string DataParallelBackend::device_name() const {
  return std::to_string(replicas()) + " replicas of " + replicas_[0]->device_name();
}

std::int64_t DataParallelBackend::device_total_bytes() const {
  return replicas_[0]->device_total_bytes();
}

void DataParallelBackend::mirror_memory() {
  // The replicas allocate only in prepare, so their sum is copied once, after it.
  MemoryBytes sum{};
  for (const auto& r : replicas_)
    for (std::size_t c = 0; c < sum.size(); ++c) sum[c] += r->memory().current()[c];
  total_ = MemoryAccountant(0);
  for (std::size_t c = 0; c < sum.size(); ++c) total_.reserve(static_cast<MemCategory>(c), sum[c]);
}

void DataParallelBackend::prepare(const MlpSpec& spec, const OptimizerConfig& opt,
                                  std::int64_t max_rows, std::uint64_t seed) {
  // A shard holds at most ⌈rows / R⌉ rows; every replica starts from the same seed, so from the
  // same parameters.
  const std::int64_t shard = std::max<std::int64_t>(1, (max_rows + replicas() - 1) / replicas());
  try {
    for (auto& r : replicas_) r->prepare(spec, opt, shard, seed);
  } catch (...) {
    mirror_memory();
    throw;
  }
  mirror_memory();
  buckets_ = GradientBuckets(spec, replicas());
  params_ = mlp_parameter_count(spec);
  arrivals_ = std::make_unique<Arrivals[]>(static_cast<std::size_t>(buckets_.layers()));
  norms_.assign(static_cast<std::size_t>(buckets_.layers() * replicas()), 0.0);
  hooks_ok_ = true;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    const std::span<float> g = replicas_[r]->gradient_buffer();
    if (static_cast<std::int64_t>(g.size()) != params_)
      throw Error(replicas_[r]->device_name() +
                  " cannot hand its gradient buffer to a data-parallel all-reduce");
    grads_[r] = g.data();
    hooks_ok_ = replicas_[r]->set_gradient_ready_hook(&hooks_[r]) && hooks_ok_;
  }
  staged_rows_ = 0;
  zero_grad();
}

void DataParallelBackend::prepare_inference(const MlpSpec& spec, std::int64_t max_rows,
                                            std::uint64_t seed) {
  const std::int64_t shard = std::max<std::int64_t>(1, (max_rows + replicas() - 1) / replicas());
  try {
    for (auto& r : replicas_) r->prepare_inference(spec, shard, seed);
  } catch (...) {
    mirror_memory();
    throw;
  }
  mirror_memory();
  std::fill(grads_.begin(), grads_.end(), nullptr);
  params_ = mlp_parameter_count(spec);
  staged_rows_ = 0;
}

void DataParallelBackend::attach_data(const Dataset& train, const Dataset& val) {
  for (auto& r : replicas_) r->attach_data(train, val);
}

void DataParallelBackend::stage_batch(const Dataset& data, std::span<const std::int64_t> rows) {
  const auto n = static_cast<std::int64_t>(rows.size());
  rotation_ = shard_sizes(n, rotation_, sizes_);
  std::int64_t offset = 0;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    Slot& s = slots_[r];
    s.offset = offset;
    s.rows = sizes_[r];
    // A replica left without rows in a step's first pass still has to write its gradient (the
    // backend only marked it zero): one stand-in row, weighted 0, does that.
    s.stand_in = s.rows == 0 && passes_ == 0 && n > 0;
    if (s.rows > 0)
      replicas_[r]->stage_batch(
          data, rows.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(s.rows)));
    else if (s.stand_in)
      replicas_[r]->stage_batch(data, rows.first(1));
    offset += s.rows;
  }
  staged_rows_ = n;
}

void DataParallelBackend::require_staged(const char* call) const {
  if (staged_rows_ == 0)
    throw std::logic_error(std::string(call) + " needs a non-empty stage_batch first");
}

void DataParallelBackend::zero_grad() {
  for (auto& r : replicas_) r->zero_grad();
  rotation_ = 0;
  passes_ = 0;
  synced_ = false;
  sync_next_ = false;
  norm2_ = 0.0;
  step_ = ReplicaStep{};
  step_.replicas = replicas();
  for (std::size_t r = 0; r < replicas_.size(); ++r) slots_[r].step_rows = 0;
}

void DataParallelBackend::run(Job job) {
  job_ = job;
  pass_start_ = Clock::now();
  auto fn = [this](int r) { work(r); };
  workers_.run(fn);
}

void DataParallelBackend::work(int r) {
  Slot& s = slots_[static_cast<std::size_t>(r)];
  Backend& b = *replicas_[static_cast<std::size_t>(r)];
  switch (job_) {
    case Job::train:
      train_pass(r);
      return;
    case Job::reduce:
      s.next_bucket = buckets_.layers() - 1;
      reduce_ready(r, false);  // every gradient is final: nothing to wait for
      return;
    case Job::evaluate:
      s.totals = s.rows > 0 ? b.evaluate_staged() : EvalTotals{};
      return;
    case Job::infer:
      if (s.rows > 0) {
        const auto per_row = static_cast<std::int64_t>(infer_out_.size()) / staged_rows_;
        b.infer_staged(infer_out_.empty()
                           ? infer_out_
                           : infer_out_.subspan(static_cast<std::size_t>(s.offset * per_row),
                                                static_cast<std::size_t>(s.rows * per_row)));
      }
      return;
  }
}

void DataParallelBackend::train_pass(int r) {
  Slot& s = slots_[static_cast<std::size_t>(r)];
  const Clock::time_point start = Clock::now();
  s.arrived = 0;
  s.reduce_in_ms = 0.0;
  s.next_bucket = buckets_.layers() - 1;
  s.loss = 0.0;
  try {
    if (s.rows > 0 || s.stand_in)
      s.loss = replicas_[static_cast<std::size_t>(r)]->forward_backward(s.scale);
  } catch (...) {
    // The others wait for this replica's layers: announce them before giving up.
    for (int l = buckets_.layers() - 1 - s.arrived; sync_ && l >= 0; --l) arrive(r, l);
    throw;
  }
  s.compute_ms = elapsed_ms(start) - s.reduce_in_ms;
  s.compute_end_ms = std::chrono::duration<double, std::milli>(Clock::now() - pass_start_).count();
  if (!sync_) return;
  // Layers the hook did not announce (overlap off, no rows this pass, no hook): all final now.
  for (int l = buckets_.layers() - 1 - s.arrived; l >= 0; --l) arrive(r, l);
  reduce_ready(r, true);
}

void DataParallelBackend::arrive(int r, int layer) {
  ++slots_[static_cast<std::size_t>(r)].arrived;
  std::atomic<int>& count = arrivals_[static_cast<std::size_t>(layer)].count;
  // Release: our writes to this layer's gradient happen before anyone reduces it.
  if (count.fetch_add(1, std::memory_order_release) + 1 == replicas()) count.notify_all();
}

void DataParallelBackend::layer_ready(int r, int layer) {
  if (!sync_ || !overlap_) return;
  Slot& s = slots_[static_cast<std::size_t>(r)];
  const Clock::time_point start = Clock::now();
  arrive(r, layer);
  reduce_ready(r, false);
  s.reduce_in_ms += elapsed_ms(start);
}

void DataParallelBackend::reduce_ready(int r, bool wait) {
  Slot& s = slots_[static_cast<std::size_t>(r)];
  const int n = replicas();
  // Buckets become ready last layer first (every replica finishes layer l + 1 before l), so
  // going down in order never skips a ready one.
  for (; s.next_bucket >= 0; --s.next_bucket) {
    const int l = s.next_bucket;
    std::atomic<int>& count = arrivals_[static_cast<std::size_t>(l)].count;
    if (job_ == Job::train) {
      int seen = count.load(std::memory_order_acquire);
      if (seen < n && !wait) return;
      for (; seen < n; seen = count.load(std::memory_order_acquire))
        count.wait(seen, std::memory_order_acquire);
    }
    norms_[static_cast<std::size_t>(l * n + r)] = reduce_chunk(grads_, buckets_.chunk(l, r));
  }
}

double DataParallelBackend::forward_backward(float grad_scale) {
  require_staged("forward_backward");
  if (grads_.front() == nullptr)
    throw std::logic_error("forward_backward on a model prepared for inference only");
  if (synced_)
    throw std::logic_error(
        "forward_backward after this step's gradients were all-reduced: "
        "call zero_grad() first (sync_next_backward() marks the last pass)");
  sync_ = std::exchange(sync_next_, false);
  const double n = static_cast<double>(staged_rows_);
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    Slot& s = slots_[r];
    s.scale = static_cast<float>(static_cast<double>(grad_scale) * static_cast<double>(s.rows) / n);
    s.step_rows += s.rows;
  }
  if (sync_)
    for (int l = 0; l < buckets_.layers(); ++l)
      arrivals_[static_cast<std::size_t>(l)].count.store(0, std::memory_order_relaxed);
  run(Job::train);
  const double wall = elapsed_ms(pass_start_);
  ++passes_;

  // The step-time split (ReplicaStep): the slowest replica's compute; the all-reduce on the
  // critical path, i.e. after the last backward ended plus what that replica spent reducing
  // inside its own backward; the rest of the pass is idle (waiting for the slowest, waking).
  double loss = 0.0;
  double slowest = 0.0;
  std::size_t last = 0;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    const Slot& s = slots_[r];
    if (s.rows > 0) loss += static_cast<double>(s.rows) / n * s.loss;
    slowest = std::max(slowest, s.compute_ms);
    if (s.compute_end_ms > slots_[last].compute_end_ms) last = r;
  }
  double reduce = 0.0;
  if (sync_) {
    const Slot& s = slots_[last];
    reduce =
        std::clamp(wall - s.compute_end_ms + s.reduce_in_ms, 0.0, std::max(0.0, wall - slowest));
    finish_sync();
  }
  step_.compute_ms += slowest;
  step_.allreduce_ms += reduce;
  step_.idle_ms += std::max(0.0, wall - slowest - reduce);
  for (std::size_t r = 0; r < replicas_.size(); ++r)
    step_.replica_batch = std::max(step_.replica_batch, slots_[r].step_rows);
  return loss;
}

void DataParallelBackend::finish_sync() {
  synced_ = true;
  norm2_ = 0.0;
  for (const double v : norms_) norm2_ += v;  // a fixed order: the same bits every run
}

double DataParallelBackend::grad_norm2() {
  if (grads_.front() == nullptr)
    throw std::logic_error("grad_norm2 on a model prepared for inference only");
  if (synced_) return norm2_;
  if (passes_ == 0) return 0.0;
  // Mid-step (the noise scale's first micro-batch): the norm of the sum, read without reducing.
  return norm2_of_sum(grads_, params_);
}

void DataParallelBackend::apply_update(double lr) {
  if (grads_.front() == nullptr)
    throw std::logic_error("apply_update on a model prepared for inference only");
  if (!synced_ && passes_ > 0) {
    // Nobody marked the last pass: reduce now, after the backward, not overlapped.
    run(Job::reduce);
    step_.allreduce_ms += elapsed_ms(pass_start_);
    finish_sync();
  }
  // The same gradient, state and step on every replica: the same new parameters, bit for bit.
  for (auto& r : replicas_) r->apply_update(lr);
}

EvalTotals DataParallelBackend::evaluate_staged() {
  require_staged("evaluate_staged");
  run(Job::evaluate);
  EvalTotals t;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    t.loss_sum += slots_[r].totals.loss_sum;
    t.correct += slots_[r].totals.correct;
    t.rows += slots_[r].totals.rows;
  }
  return t;
}

void DataParallelBackend::infer_staged(std::span<float> outputs) {
  require_staged("infer_staged");
  if (!outputs.empty() && outputs.size() % static_cast<std::size_t>(staged_rows_) != 0)
    throw std::logic_error("infer_staged: outputs holds " + std::to_string(outputs.size()) +
                           " values, not a whole number per staged row");
  infer_out_ = outputs;
  run(Job::infer);
}

const MemoryAccountant& DataParallelBackend::device_memory(int device) const {
  if (device < 0 || device >= replicas())
    throw std::logic_error("device_memory: no device " + std::to_string(device));
  return replicas_[static_cast<std::size_t>(device)]->memory();
}

std::vector<float> DataParallelBackend::parameters() const {
  return replicas_[0]->parameters();  // every replica holds the same
}

void DataParallelBackend::set_parameters(std::span<const float> values) {
  for (auto& r : replicas_) r->set_parameters(values);
}

std::vector<float> DataParallelBackend::gradients() const {
  if (synced_ || replicas() == 1) return replicas_[0]->gradients();
  // Before the reduction: the sum the reduction will produce.
  std::vector<float> sum = replicas_[0]->gradients();
  for (std::size_t r = 1; r < replicas_.size(); ++r) {
    const std::vector<float> g = replicas_[r]->gradients();
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += g[i];
  }
  return sum;
}

std::vector<float> DataParallelBackend::outputs() const {
  std::vector<float> all;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    if (slots_[r].rows == 0) continue;
    const std::vector<float> part = replicas_[r]->outputs();
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

std::unique_ptr<DataParallelBackend> make_data_parallel(const Backend& prototype, int replicas,
                                                        bool overlap) {
  std::vector<std::unique_ptr<Backend>> made;
  for (int r = 0; r < replicas; ++r) {
    made.push_back(prototype.make_replica(r, replicas));
    if (!made.back())
      throw Error("parallel.replicas = " + std::to_string(replicas) + ": " +
                  prototype.device_name() +
                  " cannot make data-parallel replicas yet (only the CPU backend can); use "
                  "device cpu");
  }
  return std::make_unique<DataParallelBackend>(std::move(made), overlap);
}

}  // namespace batchlab
