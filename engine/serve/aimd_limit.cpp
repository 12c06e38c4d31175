#include "engine/serve/aimd_limit.h"

#include <algorithm>
#include <cmath>

namespace batchlab {

AimdLimit::AimdLimit(const BatcherConfig& config) : config_(config) {
  limit_ = std::clamp<std::int64_t>(1, 1, std::max<std::int64_t>(config.max_batch, 1));
}

void AimdLimit::update(double p99_s, double compute_p99_s, bool backlogged) {
  const std::int64_t cap = std::max<std::int64_t>(config_.max_batch, 1);
  const bool met = p99_s <= config_.slo_p99_s;
  const bool short_of_capacity = backlogged && compute_p99_s < config_.slo_p99_s;
  if (met || short_of_capacity) {
    limit_ = std::min(cap, limit_ + std::max<std::int64_t>(config_.adapt_step, 1));
  } else {
    const auto backed_off =
        static_cast<std::int64_t>(std::floor(static_cast<double>(limit_) * config_.adapt_backoff));
    limit_ = std::max<std::int64_t>(1, std::min(backed_off, limit_ - 1));
  }
  // Bounded: a run of millions of requests makes tens of thousands of windows; beyond that
  // only the tail matters for settled().
  if (history_.size() >= 1 << 16) history_.erase(history_.begin(), history_.begin() + (1 << 15));
  history_.push_back(limit_);
}

std::int64_t AimdLimit::settled() const {
  if (history_.empty()) return limit_;
  const std::size_t n = std::max<std::size_t>(1, history_.size() / 4);
  std::vector<std::int64_t> tail(history_.end() - static_cast<std::ptrdiff_t>(n), history_.end());
  std::nth_element(tail.begin(), tail.begin() + static_cast<std::ptrdiff_t>(tail.size() / 2),
                   tail.end());
  return tail[tail.size() / 2];
}

}  // namespace batchlab
