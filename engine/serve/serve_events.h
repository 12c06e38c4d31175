// defines: InferBatchSizeEvent, ServeBatchEvent, ServeWindowEvent, ServeSummaryEvent,
//          ServeBatchSizeCountEvent, ServeSweepPointEvent (the serving event kinds)
// Serving's events travel through EventSink::on_extension (core/extension_event.h), so the
// JSONL stream writes them with no code of its own and sinks that do not know them ignore them.
// Times are in seconds since the simulation started (virtual or real, as the clock says),
// latencies in milliseconds (the unit a person reads them in), rates per second.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/core/extension_event.h"
#include "engine/core/memory_category.h"
#include "engine/core/step_fields.h"

namespace batchlab {

// Offline inference at one batch size ("infer_batch_size"): measured once it is done.
struct InferBatchSizeEvent final : ExtensionEvent {
  std::int64_t batch_size = 0;
  std::int64_t rows = 0;           // rows predicted (one pass over the split)
  std::int64_t timed_batches = 0;  // full batches timed
  double samples_per_s = 0.0;      // batch_size / median step time
  double step_ms = 0.0;            // median, staging + forward
  double accuracy = 0.0;           // NaN for regression
  MemoryBytes memory{};            // measured, by category
  MemoryBytes predicted{};         // predict_mlp_inference_memory

  std::string_view type() const override { return "infer_batch_size"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("batch_size", static_cast<double>(batch_size));
    visit("rows", static_cast<double>(rows));
    visit("timed_batches", static_cast<double>(timed_batches));
    visit("samples_per_s", samples_per_s);
    visit("step_ms", step_ms);
    visit("accuracy", accuracy);
    visit("memory_bytes", static_cast<double>(total_bytes(memory)));
    visit("predicted_bytes", static_cast<double>(total_bytes(predicted)));
    for (const auto& f : kStepFields)  // named as in the steps: "mem_parameters" …
      if (f.is_memory())
        visit(f.name, static_cast<double>(memory[static_cast<std::size_t>(f.category())]));
  }
};

// One batch the server ran ("serve_batch").
struct ServeBatchEvent final : ExtensionEvent {
  double t_s = 0.0;                 // when it started
  std::int64_t batch_size = 0;
  double compute_ms = 0.0;          // its service time
  double oldest_wait_ms = 0.0;      // queue wait of its first request
  std::int64_t queue_after = 0;     // requests still queued when it started
  std::int64_t batch_limit = 0;     // the limit in force (adaptive: the AIMD limit)

  std::string_view type() const override { return "serve_batch"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("t_s", t_s);
    visit("batch_size", static_cast<double>(batch_size));
    visit("compute_ms", compute_ms);
    visit("oldest_wait_ms", oldest_wait_ms);
    visit("queue_after", static_cast<double>(queue_after));
    visit("batch_limit", static_cast<double>(batch_limit));
  }
};

// What one report window of the simulation saw ("serve_window"), for live plots: counts are
// of this window only, percentiles of the requests completed in it.
struct ServeWindowEvent final : ExtensionEvent {
  double t_s = 0.0;  // the window's end
  double window_s = 0.0;
  std::int64_t arrived = 0;
  std::int64_t served = 0;
  std::int64_t dropped = 0;  // dropped and rejected
  double throughput = 0.0;   // served / window_s
  double p50_ms = 0.0;
  double p99_ms = 0.0;
  double mean_batch = 0.0;
  std::int64_t queue_depth = 0;  // at the window's end
  std::int64_t batch_limit = 0;

  std::string_view type() const override { return "serve_window"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("t_s", t_s);
    visit("window_s", window_s);
    visit("arrived", static_cast<double>(arrived));
    visit("served", static_cast<double>(served));
    visit("dropped", static_cast<double>(dropped));
    visit("throughput", throughput);
    visit("p50_ms", p50_ms);
    visit("p99_ms", p99_ms);
    visit("mean_batch", mean_batch);
    visit("queue_depth", static_cast<double>(queue_depth));
    visit("batch_limit", static_cast<double>(batch_limit));
  }
};

// The whole simulation ("serve_summary"), once at its end.
struct ServeSummaryEvent final : ExtensionEvent {
  double offered_rate = 0.0;  // arrivals per second of the workload
  std::int64_t arrived = 0;
  std::int64_t served = 0;
  std::int64_t dropped = 0;
  std::int64_t rejected = 0;
  std::int64_t unfinished = 0;
  double throughput = 0.0;
  double p50_ms = 0.0, p90_ms = 0.0, p99_ms = 0.0, max_ms = 0.0;
  double mean_ms = 0.0, mean_wait_ms = 0.0, mean_compute_ms = 0.0;
  double mean_batch = 0.0;
  double utilization = 0.0;
  bool saturated = false;
  double saturated_at = 0.0;    // req/s the server kept up with; 0 when not saturated
  std::int64_t settled_limit = 0;  // adaptive mode; 0 otherwise
  double duration_s = 0.0;

  std::string_view type() const override { return "serve_summary"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("offered_rate", offered_rate);
    visit("arrived", static_cast<double>(arrived));
    visit("served", static_cast<double>(served));
    visit("dropped", static_cast<double>(dropped));
    visit("rejected", static_cast<double>(rejected));
    visit("unfinished", static_cast<double>(unfinished));
    visit("throughput", throughput);
    visit("p50_ms", p50_ms);
    visit("p90_ms", p90_ms);
    visit("p99_ms", p99_ms);
    visit("max_ms", max_ms);
    visit("mean_ms", mean_ms);
    visit("mean_wait_ms", mean_wait_ms);
    visit("mean_compute_ms", mean_compute_ms);
    visit("mean_batch", mean_batch);
    visit("utilization", utilization);
    visit("saturated", saturated ? 1.0 : 0.0);
    visit("saturated_at", saturated_at);
    visit("settled_limit", static_cast<double>(settled_limit));
    visit("duration_s", duration_s);
  }
};

// One row of the batch-size histogram ("serve_batch_size"), sent after the summary.
struct ServeBatchSizeCountEvent final : ExtensionEvent {
  std::int64_t batch_size = 0;
  std::int64_t batches = 0;

  std::string_view type() const override { return "serve_batch_size"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("batch_size", static_cast<double>(batch_size));
    visit("batches", static_cast<double>(batches));
  }
};

// One point of a serving sweep ("serve_sweep_point"): a setting at one offered rate.
struct ServeSweepPointEvent final : ExtensionEvent {
  int mode = 0;  // BatchMode as an integer: 0 realtime, 1 fixed, 2 dynamic, 3 adaptive
  double rate = 0.0;
  std::int64_t max_batch = 0;
  double max_delay_ms = 0.0;
  double throughput = 0.0;
  double p50_ms = 0.0, p99_ms = 0.0;
  double mean_batch = 0.0;
  std::int64_t dropped = 0;  // dropped + rejected + unfinished
  bool saturated = false;
  bool meets_objective = false;

  std::string_view type() const override { return "serve_sweep_point"; }
  void visit_fields(const FieldVisitor& visit) const override {
    visit("mode", mode);
    visit("rate", rate);
    visit("max_batch", static_cast<double>(max_batch));
    visit("max_delay_ms", max_delay_ms);
    visit("throughput", throughput);
    visit("p50_ms", p50_ms);
    visit("p99_ms", p99_ms);
    visit("mean_batch", mean_batch);
    visit("dropped", static_cast<double>(dropped));
    visit("saturated", saturated ? 1.0 : 0.0);
    visit("meets_objective", meets_objective ? 1.0 : 0.0);
  }
};

}  // namespace batchlab
