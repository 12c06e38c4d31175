// defines: RequestRecord, ServeResult, saturation_text, serve_summary_event
// What a serving simulation measured: plain values, one struct, so the CLI prints it, the JSONL
// stream carries it (ServeSummaryEvent) and a store table can keep it later.
// Accounting: every arrival ends exactly one way, so arrived = served + dropped + rejected +
// unfinished. Every served request's latency is its queue wait plus its batch's compute time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/serve/batcher.h"
#include "engine/serve/serve_events.h"

namespace batchlab {

// One served request (for observers; the result keeps only aggregates).
struct RequestRecord {
  std::int64_t id = 0;
  double arrival = 0.0;  // seconds since the start
  double start = 0.0;    // its batch started
  double finish = 0.0;   // its batch finished
  std::int64_t batch_size = 0;
  double wait() const { return start - arrival; }
  double compute() const { return finish - start; }
  double latency() const { return finish - arrival; }
};

struct ServeResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  // The setting that ran.
  BatchMode mode = BatchMode::dynamic;
  std::int64_t max_batch = 0;
  double max_delay_s = 0.0;
  double offered_rate = 0.0;  // arrivals per second over the arrival period
  bool virtual_clock = false;

  // Counts: arrived = served + dropped + rejected + unfinished.
  std::int64_t arrived = 0;
  std::int64_t served = 0;
  std::int64_t dropped = 0;     // admitted, then pushed out by a newer arrival (policy drop)
  std::int64_t rejected = 0;    // turned away on arrival: queue cap (policy reject) or bound
  std::int64_t unfinished = 0;  // still queued when the time limit ended the run

  // Latency = queue wait + compute, in seconds, over served requests.
  double p50_s = kNaN, p90_s = kNaN, p99_s = kNaN, max_s = kNaN;
  double mean_s = kNaN, mean_wait_s = kNaN, mean_compute_s = kNaN;

  double arrival_period_s = 0.0;  // first to last arrival the workload could make
  double elapsed_s = 0.0;         // until the last batch finished (or the run ended)
  double throughput = 0.0;        // served / elapsed_s
  double utilization = 0.0;       // busy time / elapsed_s

  std::int64_t batches = 0;
  std::vector<std::int64_t> batch_histogram;  // [n]: batches of n requests (index 0 unused)
  double mean_batch = kNaN;
  std::int64_t max_queue_depth = 0;

  // Saturated: fewer than 95 % of the requests that arrived during the arrival period were
  // served within it — the queue grew (or the cap overflowed) because the load is above what
  // the server can do. saturated_at: the rate it did serve then.
  bool saturated = false;
  double saturated_at = 0.0;
  bool hit_queue_bound = false;  // the simulator's own memory bound was reached

  std::int64_t settled_limit = 0;  // adaptive: the AIMD limit it settled on; else 0
  std::int64_t limit_updates = 0;  // adaptive: windows the limit was decided on
  bool stopped = false;            // RunControl asked it to stop early
};

// "saturated at ≈ 8,400 req/s (offered 12,000 req/s)", or "" when not saturated.
std::string saturation_text(const ServeResult& r);

// The result as the JSONL "serve_summary" event.
ServeSummaryEvent serve_summary_event(const ServeResult& r);

}  // namespace batchlab
