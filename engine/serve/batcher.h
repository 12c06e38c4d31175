// defines: BatchMode, QueuePolicy, BatcherConfig, BatchDecision, decide_batch, to_string,
//          parse_batch_mode, parse_queue_policy
// When the server is free, how many queued requests go into the next batch (pure: the
// simulation asks, the batcher answers; no clock, no queue of its own).
//   realtime  each request alone (batch 1), as soon as the server is free
//   fixed     waits until max_batch requests are queued, then runs exactly that many; once no
//             more requests will arrive the remainder runs as one smaller batch
//   dynamic   Triton's dynamic batcher: a full batch (max_batch) runs at once; else the largest
//             preferred size that the queue can fill runs at once; else the batch waits until
//             the oldest request has been queued max_delay, then runs with everything queued (up
//             to max_batch). With no delay (the default) whatever is queued runs at once.
//   adaptive  dynamic, with max_batch replaced by a limit that AIMD moves to hold the p99
//             objective (serve/aimd_limit.h)
// The queue cap and its policy are applied on arrival: reject turns the arriving request away
// (an HTTP 503); drop admits it and drops the oldest queued request, whose deadline is the most
// spent.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace batchlab {

enum class BatchMode { realtime, fixed, dynamic, adaptive };
enum class QueuePolicy { reject, drop };

struct BatcherConfig {
  BatchMode mode = BatchMode::dynamic;
  std::int64_t max_batch = 32;          // fixed: the batch; dynamic, adaptive: the largest
  std::vector<std::int64_t> preferred;  // dynamic: sizes that run without waiting
  double max_delay_s = 0.0;             // dynamic, adaptive: how long a batch waits to fill
  std::int64_t queue_cap = 0;           // requests waiting at most; 0: no cap
  QueuePolicy policy = QueuePolicy::reject;
  double slo_p99_s = 0.0;  // adaptive: the objective it holds (required); sweeps: the best's
  // Adaptive (Clipper's AIMD): one decision per adapt_window completed requests, +adapt_step
  // when the window's p99 met the objective, × adapt_backoff when it missed.
  std::int64_t adapt_window = 100;
  std::int64_t adapt_step = 1;
  double adapt_backoff = 0.9;
};

struct BatchDecision {
  std::int64_t dispatch = 0;  // > 0: run a batch of this many (the oldest first) now
  // dispatch == 0: ask again at this time, or when a request arrives if that is sooner.
  double wake_at = std::numeric_limits<double>::infinity();
};

// The server is free at `now` with `queued` requests waiting, the oldest since
// `oldest_arrival`. `limit` is the batch limit in force: max_batch, or AIMD's in adaptive mode.
// `arrivals_done`: no request will arrive any more.
BatchDecision decide_batch(const BatcherConfig& config, std::int64_t limit, std::int64_t queued,
                           double oldest_arrival, double now, bool arrivals_done);

std::string_view to_string(BatchMode mode);
std::string_view to_string(QueuePolicy policy);
std::optional<BatchMode> parse_batch_mode(std::string_view text);
std::optional<QueuePolicy> parse_queue_policy(std::string_view text);

}  // namespace batchlab
