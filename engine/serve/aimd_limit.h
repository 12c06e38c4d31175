// defines: AimdLimit (the adaptive batcher's batch limit, moved by AIMD to hold a p99 objective)
// Clipper (Crankshaw et al., NSDI 2017, §4.3): additive increase of the batch limit while the
// latency objective holds, multiplicative decrease (by 10 %) when it is missed. Here the
// objective is the p99 of request latency over a window of completed requests.
// One refinement, because request latency includes queueing: when a window misses while the
// queue is backlogged (more requests waiting than the limit) and the batches' own compute is
// still under the objective, a smaller limit would only lower capacity and deepen the backlog,
// so the limit grows instead. Without it a load above batch-1 capacity would drive the limit
// to 1 and keep it there.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/serve/batcher.h"

namespace batchlab {

class AimdLimit {
 public:
  // Starts at 1 (Clipper starts small and climbs), never above config.max_batch.
  explicit AimdLimit(const BatcherConfig& config);

  std::int64_t limit() const { return limit_; }
  // One window: its requests' p99 latency, the p99 of their batches' compute time, and whether
  // more requests than the limit were waiting at its end.
  void update(double p99_s, double compute_p99_s, bool backlogged);
  // The limit it settled on: the median of the limits after the last quarter of the updates
  // (at least the last one); the current limit before any update.
  std::int64_t settled() const;
  std::int64_t updates() const { return static_cast<std::int64_t>(history_.size()); }

 private:
  BatcherConfig config_;
  std::int64_t limit_ = 1;
  std::vector<std::int64_t> history_;  // one entry per window: a few thousand at most
};

}  // namespace batchlab
