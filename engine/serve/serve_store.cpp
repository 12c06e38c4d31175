#include "engine/serve/serve_store.h"

#include <cmath>

#include "engine/experiment/environment.h"
#include "engine/experiment/run_store.h"
#include "engine/serve/serve_events.h"

namespace batchlab {

ServingPointRow serving_point_row(int point, const ServeResult& r, double objective_s,
                                  bool meets_objective, bool best) {
  ServingPointRow p;
  p.point = point;
  p.mode = std::string(to_string(r.mode));
  p.rate = r.offered_rate;
  p.max_batch = r.max_batch;
  p.max_delay_ms = r.max_delay_s * 1e3;
  p.objective_ms = objective_s * 1e3;
  p.arrived = r.arrived;
  p.served = r.served;
  p.dropped = r.dropped;
  p.rejected = r.rejected;
  p.unfinished = r.unfinished;
  p.throughput = r.throughput;
  p.p50_ms = r.p50_s * 1e3;
  p.p90_ms = r.p90_s * 1e3;
  p.p99_ms = r.p99_s * 1e3;
  p.max_ms = r.max_s * 1e3;
  p.mean_ms = r.mean_s * 1e3;
  p.mean_wait_ms = r.mean_wait_s * 1e3;
  p.mean_compute_ms = r.mean_compute_s * 1e3;
  p.mean_batch = r.mean_batch;
  p.utilization = r.utilization;
  p.saturated = r.saturated;
  p.saturated_at = r.saturated_at;
  p.settled_limit = r.settled_limit;
  p.meets_objective = meets_objective;
  p.best = best;
  p.batch_histogram = r.batch_histogram;
  // Sized to max_batch + 1 by the simulator; the sizes never formed at the top say nothing.
  while (!p.batch_histogram.empty() && p.batch_histogram.back() == 0) p.batch_histogram.pop_back();
  return p;
}

std::vector<ServingPointRow> serving_point_rows(const ServeSweepResult& sweep) {
  std::vector<ServingPointRow> rows;
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    const ServeSweepPoint& p = sweep.points[i];
    ServingPointRow row = serving_point_row(static_cast<int>(i), p.result, sweep.objective_s,
                                            p.meets_objective, sweep.best && *sweep.best == i);
    row.rate = p.rate;  // the setting's offered rate, as the sweep named it
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ServingPointRow> serving_point_rows(const ServeResult& result, double objective_s) {
  // One simulation is judged as a one-point sweep is: best_under_objective's rule.
  ServeSweepResult one;
  one.objective_s = objective_s;
  ServeSweepPoint p;
  p.mode = result.mode;
  p.rate = result.offered_rate;
  p.max_batch = result.max_batch;
  p.max_delay_s = result.max_delay_s;
  p.result = result;
  one.points.push_back(p);
  if (objective_s > 0) one.best = best_under_objective(one.points, objective_s);
  one.points[0].meets_objective = one.best.has_value();
  std::vector<ServingPointRow> rows = serving_point_rows(one);
  return rows;
}

InferenceRow inference_row(const InferPoint& p) {
  InferenceRow r;
  r.batch_size = p.batch_size;
  r.fits = p.fits;
  r.error = p.error;
  r.rows = p.rows;
  r.timed_batches = p.timed_batches;
  r.samples_per_s = p.samples_per_s;
  r.step_ms = p.step_ms;
  r.accuracy = p.accuracy;
  r.mse = p.mse;
  r.memory_bytes = total_bytes(p.memory);
  r.predicted_bytes = total_bytes(p.predicted);
  return r;
}

void ServingWindowRecorder::on_extension(const ExtensionEvent& e) {
  if (dynamic_cast<const ServeSweepPointEvent*>(&e)) {
    ++point_;
    point_begin_ = windows_.size();
    seen_ = 0;
    stride_ = 1;
    return;
  }
  const auto* w = dynamic_cast<const ServeWindowEvent*>(&e);
  if (!w) return;
  if (seen_++ % stride_ != 0) return;
  windows_.push_back(ServingWindowRow{point_, w->t_s, w->throughput, w->p50_ms, w->p99_ms,
                                      w->mean_batch, w->queue_depth, w->batch_limit});
  if (windows_.size() - point_begin_ > kMaxPerPoint) {
    // Halve this point's windows (keep the even ones) and keep one in twice as many from now.
    std::size_t out = point_begin_;
    for (std::size_t i = point_begin_; i < windows_.size(); i += 2) windows_[out++] = windows_[i];
    windows_.resize(out);
    stride_ *= 2;
  }
}

ServingRunWriter::ServingRunWriter(const std::filesystem::path& path, RunKind kind,
                                   const std::string& name, const ServingConfig& config,
                                   const std::string& device)
    : store_(std::make_unique<RunStore>(path)) {
  run_id_ = store_->create_run(name, serving_config_to_json(config).dump(), device,
                               to_json(machine_info()).dump(), 0, kind);
}

ServingRunWriter::~ServingRunWriter() {
  // Not finished (an exception unwound past it): the run says so rather than staying running.
  if (!finished_) {
    try {
      fail("the work ended before its results were written");
    } catch (...) {  // a destructor must not throw; the next open marks it interrupted
    }
  }
}

void ServingRunWriter::finish(bool stopped, const std::string& summary_json) {
  RunFinished f;
  f.run_id = run_id_;
  f.status = stopped ? RunStatus::stopped : RunStatus::completed;
  if (stopped) f.reason = "stopped before every point ran";
  store_->finish_run(f, summary_json);
  finished_ = true;
}

void ServingRunWriter::finish_inference(std::span<const InferenceRow> rows, bool stopped) {
  store_->save_inference(run_id_, rows);
  finish(stopped, inference_summary_json({rows.begin(), rows.end()}));
}

void ServingRunWriter::finish_serving(std::span<const ServingPointRow> points,
                                      std::span<const ServingWindowRow> windows, bool stopped) {
  store_->save_serving(run_id_, points, windows);
  finish(stopped, serving_summary_json({points.begin(), points.end()}));
}

void ServingRunWriter::fail(const std::string& reason) {
  RunFinished f;
  f.run_id = run_id_;
  f.status = RunStatus::failed;
  f.reason = reason;
  finished_ = true;
  store_->finish_run(f);
}

}  // namespace batchlab
