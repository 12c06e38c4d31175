#include "widgets/series_model.h"

#include <algorithm>
#include <cmath>

namespace batchlab {
namespace {

double finite_or_nan(double v) {
  return std::isfinite(v) ? v : kNaN;
}

}  // namespace

void XColumns::push(double step, double samples, double epoch, double wall) {
  columns[0].push_back(step);
  columns[1].push_back(samples);
  columns[2].push_back(epoch);
  columns[3].push_back(wall);
}

void XColumns::clear() {
  for (auto& c : columns) c.clear();
}

std::int64_t starting_batch(const RunStarted& e) {
  switch (e.config.batch.strategy) {
    case BatchStrategy::full:
      return e.train_rows;
    case BatchStrategy::stochastic:
      return 1;
    case BatchStrategy::mini:
      break;
  }
  return e.config.batch.size;
}

RunSeries& SeriesModel::ensure(std::int64_t run_id) {
  auto [it, inserted] = runs_.try_emplace(run_id);
  if (inserted) it->second.run_id = run_id;
  return it->second;
}

const RunSeries* SeriesModel::find(std::int64_t run_id) const {
  const auto it = runs_.find(run_id);
  return it == runs_.end() ? nullptr : &it->second;
}

RunSeries* SeriesModel::find(std::int64_t run_id) {
  const auto it = runs_.find(run_id);
  return it == runs_.end() ? nullptr : &it->second;
}

void SeriesModel::remove(std::int64_t run_id) {
  runs_.erase(run_id);
}

void SeriesModel::on_started(const RunStarted& e) {
  RunSeries& run = ensure(e.run_id);
  run.name = e.name;
  run.predicted = e.predicted;
  run.device_total = e.device_total_bytes;
  run.batch_size = starting_batch(e);
}

void SeriesModel::append(const StepEvent& e) {
  append(std::span<const StepEvent>(&e, 1));
}

void SeriesModel::append(std::span<const StepEvent> steps) {
  RunSeries* run = nullptr;
  for (const StepEvent& e : steps) {
    if (!run || run->run_id != e.run_id) run = &ensure(e.run_id);
    append_to(*run, e);
  }
}

void SeriesModel::append_to(RunSeries& run, const StepEvent& e) {
  const double step = static_cast<double>(e.step);
  const double samples = static_cast<double>(e.samples_seen);
  if (!std::isfinite(e.epoch) || !std::isfinite(e.wall_s)) {
    ++run.dropped;
    return;
  }
  run.steps.push(step, samples, e.epoch, e.wall_s);
  run.loss.push_back(finite_or_nan(e.loss));
  const double sps = finite_or_nan(e.samples_per_s);
  run.samples_per_s.push_back(sps);
  // The moving average only sees finite samples, so one bad timing does not poison it.
  const double avg = std::isfinite(sps)              ? run.throughput_ema.push(sps)
                     : run.samples_per_s_avg.empty() ? kNaN
                                                     : run.samples_per_s_avg.back();
  run.samples_per_s_avg.push_back(avg);
  const double compute_rate = e.compute_ms > 0 && std::isfinite(e.compute_ms)
                                  ? static_cast<double>(e.batch_size) * 1e3 / e.compute_ms
                                  : kNaN;
  run.has_compute |= std::isfinite(compute_rate);
  run.compute_per_s_avg.push_back(std::isfinite(compute_rate) ? run.compute_ema.push(compute_rate)
                                  : run.compute_per_s_avg.empty() ? kNaN
                                                                  : run.compute_per_s_avg.back());
  run.replicas = std::max(1, e.replicas);
  run.last_replica_batch = e.replica_batch > 0 ? e.replica_batch : e.batch_size;
  if (run.replicas > 1 && run.allreduce_ms.empty()) {
    // The first replicated step: earlier steps had nothing to all-reduce.
    for (std::size_t i = 0; i + 1 < run.steps.size(); ++i) {
      run.allreduce_ms.push_back(0.0);
      run.idle_ms.push_back(0.0);
    }
  }
  if (!run.allreduce_ms.empty() || run.replicas > 1) {
    run.allreduce_ms.push_back(finite_or_nan(e.allreduce_ms));
    run.idle_ms.push_back(finite_or_nan(e.idle_ms));
  }
  run.step_batch.push_back(static_cast<double>(e.batch_size));
  run.lr.push_back(finite_or_nan(e.lr));
  const double b_simple = std::isfinite(e.b_simple) && e.b_simple > 0 ? e.b_simple : kNaN;
  run.b_simple.push_back(b_simple);
  run.last_batch = e.batch_size;
  if (std::isfinite(b_simple)) run.last_b_simple = b_simple;
  run.memory = e.memory;
  run.peak_memory = std::max(run.peak_memory, total_bytes(e.memory));
  // The largest batch seen: a partial last batch does not shrink it, a schedule grows it.
  run.batch_size = std::max(run.batch_size, e.batch_size);
}

void SeriesModel::append(const EvalEvent& e) {
  RunSeries& run = ensure(e.run_id);
  if (!std::isfinite(e.epoch) || !std::isfinite(e.wall_s)) {
    ++run.dropped;
    return;
  }
  // Evaluations carry no sample count; take it from the last step at or before theirs.
  double samples = 0.0;
  const Column& step_col = run.steps.get(XAxisKind::step);
  const std::size_t after = upper_index(step_col, step_col.size(), static_cast<double>(e.step));
  if (after > 0) samples = run.steps.get(XAxisKind::samples)[after - 1];
  run.evals.push(static_cast<double>(e.step), samples, e.epoch, e.wall_s);
  run.val_loss.push_back(finite_or_nan(e.val_loss));
  run.val_accuracy.push_back(finite_or_nan(e.val_accuracy));
}

void SeriesModel::load(std::int64_t run_id, std::span<const StepEvent> steps,
                       std::span<const EvalEvent> evals) {
  RunSeries& run = ensure(run_id);
  ++run.generation;
  run.steps.clear();
  run.loss.clear();
  run.samples_per_s.clear();
  run.samples_per_s_avg.clear();
  run.throughput_ema.reset();
  run.compute_per_s_avg.clear();
  run.compute_ema.reset();
  run.has_compute = false;
  run.allreduce_ms.clear();
  run.idle_ms.clear();
  run.device_memory.clear();
  run.replicas = 1;
  run.step_batch.clear();
  run.lr.clear();
  run.b_simple.clear();
  run.last_b_simple = kNaN;
  run.evals.clear();
  run.val_loss.clear();
  run.val_accuracy.clear();
  run.peak_memory = 0;
  for (const auto& s : steps) append(s);
  for (const auto& e : evals) append(e);
}

void SeriesModel::set_device_memory(std::int64_t run_id, int device, const MemoryBytes& memory) {
  if (device < 0 || device >= 4096) return;  // a device index, not a count of anything
  RunSeries& run = ensure(run_id);
  if (run.device_memory.size() <= static_cast<std::size_t>(device))
    run.device_memory.resize(static_cast<std::size_t>(device) + 1);
  run.device_memory[static_cast<std::size_t>(device)] = memory;
}

void SeriesModel::set_visible(std::int64_t run_id, bool visible) {
  ensure(run_id).visible = visible;
}

}  // namespace batchlab
