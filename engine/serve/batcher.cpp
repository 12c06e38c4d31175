#include "engine/serve/batcher.h"

#include <algorithm>

namespace batchlab {

BatchDecision decide_batch(const BatcherConfig& c, std::int64_t limit, std::int64_t queued,
                           double oldest_arrival, double now, bool arrivals_done) {
  if (queued <= 0) return {};
  limit = std::max<std::int64_t>(limit, 1);
  switch (c.mode) {
    case BatchMode::realtime:
      return {.dispatch = 1};
    case BatchMode::fixed:
      if (queued >= limit) return {.dispatch = limit};
      if (arrivals_done) return {.dispatch = queued};
      return {};  // wait for the next arrival
    case BatchMode::dynamic:
    case BatchMode::adaptive: {
      if (queued >= limit) return {.dispatch = limit};
      if (c.mode == BatchMode::dynamic) {
        // The largest preferred size the queue fills now (Triton: "the largest possible
        // preferred size"), never above the limit.
        std::int64_t best = 0;
        for (const std::int64_t p : c.preferred)
          if (p <= queued && p <= limit) best = std::max(best, p);
        if (best > 0) return {.dispatch = best};
      }
      const double deadline = oldest_arrival + c.max_delay_s;
      if (c.max_delay_s <= 0 || now >= deadline) return {.dispatch = queued};
      return {.wake_at = deadline};
    }
  }
  return {.dispatch = 1};
}

std::string_view to_string(BatchMode mode) {
  switch (mode) {
    case BatchMode::realtime: return "realtime";
    case BatchMode::fixed: return "fixed";
    case BatchMode::dynamic: return "dynamic";
    case BatchMode::adaptive: return "adaptive";
  }
  return "dynamic";
}

std::string_view to_string(QueuePolicy policy) {
  return policy == QueuePolicy::drop ? "drop" : "reject";
}

std::optional<BatchMode> parse_batch_mode(std::string_view text) {
  for (const BatchMode m :
       {BatchMode::realtime, BatchMode::fixed, BatchMode::dynamic, BatchMode::adaptive})
    if (to_string(m) == text) return m;
  return std::nullopt;
}

std::optional<QueuePolicy> parse_queue_policy(std::string_view text) {
  if (text == "reject") return QueuePolicy::reject;
  if (text == "drop") return QueuePolicy::drop;
  return std::nullopt;
}

}  // namespace batchlab
