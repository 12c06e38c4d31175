// defines: ServeOptions, ServeObservers, simulate_serving
// Online serving: requests arrive (serve/arrivals.h), wait in one FIFO queue, and a single
// server runs them in batches as the batcher decides (serve/batcher.h). Each request's latency
// is its queue wait (arrival → its batch starts) plus its batch's compute time.
//
// The clock. Real (the default): requests really wait — the loop sleeps until the next arrival
// or batcher deadline — and each batch really runs on the backend, its measured time being the
// compute time. Virtual: time jumps from event to event and a batch takes the time
// ServiceTimes gives for its size, so a run is deterministic (tests, long what-ifs) and takes
// far less than its simulated duration.
//
// Ending: arrivals stop at the workload's duration (or a trace's end); the queue is then served
// for at most drain_s more. What is still queued then is `unfinished`, so a saturated server
// still ends on time. Memory is bounded: latencies go into fixed-size histograms and the queue
// holds at most queue_bound requests (later arrivals are rejected and the result says so).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/core/event_sink.h"
#include "engine/core/run_control.h"
#include "engine/serve/arrivals.h"
#include "engine/serve/batcher.h"
#include "engine/serve/serve_result.h"
#include "engine/serve/service_times.h"

namespace batchlab {

struct ServeOptions {
  WorkloadConfig workload;
  std::vector<double> trace;  // the times when workload.arrivals is trace (read_arrival_trace)
  BatcherConfig batcher;
  bool virtual_clock = false;
  std::int64_t rows = 1;  // dataset rows; request i is row i mod rows
  double window_s = 0.1;  // report windows (ServeWindowEvent), in clock seconds
  double drain_s = -1.0;  // < 0: max(1 s, a quarter of the arrival period)
  std::int64_t queue_bound = std::int64_t{1} << 20;  // 16 MiB of queue at most
};

struct ServeObservers {
  EventSink* sink = nullptr;     // serve_batch and serve_window events as they happen
  RunControl* control = nullptr;  // stop_requested() ends the run early (result.stopped)
  std::function<void(const RequestRecord&)> on_request;  // every served request (tests)
};

// Throws Error for options that cannot run (no rate, max_batch < 1, adaptive without an
// objective); the CLI validates before, naming the field.
ServeResult simulate_serving(const ServeOptions& options, ServiceTimes& service,
                             const ServeObservers& observers = {});

}  // namespace batchlab
