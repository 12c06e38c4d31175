#include "engine/serve/serve_result.h"

#include "engine/core/format.h"

namespace batchlab {

std::string saturation_text(const ServeResult& r) {
  if (!r.saturated) return {};
  return "saturated at ≈ " + format_rate(r.saturated_at) + " req/s (offered " +
         format_rate(r.offered_rate) + " req/s)";
}

ServeSummaryEvent serve_summary_event(const ServeResult& r) {
  ServeSummaryEvent e;
  e.offered_rate = r.offered_rate;
  e.arrived = r.arrived;
  e.served = r.served;
  e.dropped = r.dropped;
  e.rejected = r.rejected;
  e.unfinished = r.unfinished;
  e.throughput = r.throughput;
  e.p50_ms = r.p50_s * 1e3;
  e.p90_ms = r.p90_s * 1e3;
  e.p99_ms = r.p99_s * 1e3;
  e.max_ms = r.max_s * 1e3;
  e.mean_ms = r.mean_s * 1e3;
  e.mean_wait_ms = r.mean_wait_s * 1e3;
  e.mean_compute_ms = r.mean_compute_s * 1e3;
  e.mean_batch = r.mean_batch;
  e.utilization = r.utilization;
  e.saturated = r.saturated;
  e.saturated_at = r.saturated_at;
  e.settled_limit = r.settled_limit;
  e.duration_s = r.elapsed_s;
  return e;
}

}  // namespace batchlab
