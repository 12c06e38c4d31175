// The serving loop: admit arrivals, ask the batcher, run a batch, account for every request.
#include "engine/serve/serving_sim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/serve/aimd_limit.h"
#include "engine/serve/latency_histogram.h"
#include "engine/serve/request_queue.h"

namespace batchlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Virtual: time is a number the loop moves. Real: a steady clock; waiting sleeps.
class Clock {
 public:
  explicit Clock(bool virtual_clock) : virtual_(virtual_clock) {}
  double now() const { return virtual_ ? now_ : watch_.seconds(); }
  // Until `t`, or until a stop is asked for (checked at least every 20 ms on the real clock).
  void wait_until(double t, const RunControl* control) {
    if (virtual_) {
      now_ = std::max(now_, t);
      return;
    }
    for (;;) {
      const double left = t - watch_.seconds();
      if (left <= 0 || (control && control->stop_requested())) return;
      // Sleep most of a long wait; the last stretch yields, as a sleep can overshoot by tens of
      // microseconds, which would show as queue wait that the batcher never asked for.
      if (left > 2e-3)
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(left - 1e-3, 0.02)));
      else
        std::this_thread::yield();
    }
  }

 private:
  bool virtual_;
  double now_ = 0.0;
  Stopwatch watch_;
};

// Nearest-rank quantile of a scratch vector (reordered); NaN when empty.
double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto rank = static_cast<std::size_t>(
      std::max(1.0, std::ceil(q * static_cast<double>(v.size()))));
  const auto it = v.begin() + static_cast<std::ptrdiff_t>(std::min(rank, v.size()) - 1);
  std::nth_element(v.begin(), it, v.end());
  return *it;
}

void check_options(const ServeOptions& o) {
  const auto& w = o.workload;
  const auto& b = o.batcher;
  if (w.arrivals == ArrivalKind::trace) {
    if (o.trace.empty()) throw Error("serving: the arrival trace holds no times");
  } else if (!(std::isfinite(w.rate) && w.rate > 0)) {
    throw Error("serving: the arrival rate must be above 0 requests per second");
  }
  if (!(w.duration_s > 0)) throw Error("serving: the duration must be above 0 seconds");
  if (w.arrivals != ArrivalKind::trace && !std::isfinite(w.duration_s))
    throw Error("serving: generated arrivals need a finite duration");
  if (b.max_batch < 1) throw Error("serving: the max batch must be at least 1");
  if (b.mode == BatchMode::adaptive && !(b.slo_p99_s > 0))
    throw Error("serving: adaptive batching needs a p99 objective to hold");
  if (o.rows < 1) throw Error("serving: no dataset rows to serve");
  if (!(o.window_s > 0)) throw Error("serving: the report window must be above 0 seconds");
}

class Simulation {
 public:
  Simulation(const ServeOptions& o, ServiceTimes& service, const ServeObservers& obs)
      : o_(o),
        b_(o.batcher),
        service_(service),
        obs_(obs),
        clock_(o.virtual_clock),
        arrivals_(o.workload, o.trace),
        aimd_(o.batcher) {}

  ServeResult run();

 private:
  std::int64_t limit() const {
    switch (b_.mode) {
      case BatchMode::realtime: return 1;
      case BatchMode::adaptive: return aimd_.limit();
      default: return b_.max_batch;
    }
  }
  void admit(double now);
  void run_batch(std::int64_t n, double now);
  // Emits every report window that ended at or before `t`.
  void close_windows(double t);

  const ServeOptions& o_;
  const BatcherConfig& b_;
  ServiceTimes& service_;
  const ServeObservers& obs_;
  Clock clock_;
  ArrivalStream arrivals_;
  AimdLimit aimd_;
  RequestQueue queue_;
  ServeResult r_;

  double period_ = 0.0;  // arrivals happen in [0, period_)
  LatencyHistogram latency_;
  double sum_wait_ = 0.0, sum_compute_ = 0.0, sum_latency_ = 0.0;
  double busy_ = 0.0, busy_in_period_ = 0.0, last_finish_ = 0.0;
  std::int64_t served_in_period_ = 0;
  std::vector<std::int64_t> rows_;
  std::vector<double> aimd_latency_, aimd_compute_;

  // The report window being filled.
  double window_end_ = 0.0;
  std::vector<double> window_latency_;
  std::int64_t window_arrived_ = 0, window_served_ = 0, window_dropped_ = 0;
  std::int64_t window_batches_ = 0;
};

void Simulation::admit(double now) {
  while (arrivals_.peek() <= now) {
    const QueuedRequest q{arrivals_.emitted(), arrivals_.peek()};
    arrivals_.pop();
    ++r_.arrived;
    ++window_arrived_;
    if (b_.queue_cap > 0 && queue_.size() >= b_.queue_cap) {
      ++window_dropped_;
      if (b_.policy == QueuePolicy::reject) {
        ++r_.rejected;
        continue;
      }
      queue_.pop_front();  // drop: the oldest makes room for the newest
      ++r_.dropped;
    } else if (queue_.size() >= o_.queue_bound) {
      ++r_.rejected;
      ++window_dropped_;
      r_.hit_queue_bound = true;
      continue;
    }
    queue_.push(q);
    r_.max_queue_depth = std::max(r_.max_queue_depth, queue_.size());
  }
}

void Simulation::close_windows(double t) {
  while (t >= window_end_) {
    if (obs_.sink) {
      ServeWindowEvent e;
      e.t_s = window_end_;
      e.window_s = o_.window_s;
      e.arrived = window_arrived_;
      e.served = window_served_;
      e.dropped = window_dropped_;
      e.throughput = static_cast<double>(window_served_) / o_.window_s;
      e.p50_ms = quantile(window_latency_, 0.5) * 1e3;
      e.p99_ms = quantile(window_latency_, 0.99) * 1e3;
      e.mean_batch = window_batches_ > 0 ? static_cast<double>(window_served_) /
                                               static_cast<double>(window_batches_)
                                         : 0.0;
      e.queue_depth = queue_.size();
      e.batch_limit = limit();
      obs_.sink->on_extension(e);
    }
    window_latency_.clear();
    window_arrived_ = window_served_ = window_dropped_ = window_batches_ = 0;
    window_end_ += o_.window_s;
    // A long idle stretch of the virtual clock: one empty window stands for all of them.
    if (t - window_end_ > 100 * o_.window_s)
      window_end_ += std::floor((t - window_end_) / o_.window_s) * o_.window_s;
  }
}

void Simulation::run_batch(std::int64_t n, double now) {
  const auto count = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < count; ++i) rows_[i] = queue_.at(i).id % o_.rows;
  const double start = now;
  const double s = service_.serve(std::span<const std::int64_t>(rows_.data(), count));
  // A given service time on the real clock is waited out, as if the batch ran.
  if (!o_.virtual_clock && !service_.computes()) clock_.wait_until(start + s, obs_.control);
  const double finish = start + s;
  close_windows(finish);

  const std::int64_t limit_in_force = limit();
  const double oldest_wait = start - queue_.front().arrival;
  for (std::size_t i = 0; i < count; ++i) {
    const QueuedRequest& q = queue_.at(i);
    const double wait = start - q.arrival;
    const double latency = wait + s;
    latency_.add(latency);
    sum_wait_ += wait;
    sum_compute_ += s;
    sum_latency_ += latency;
    if (obs_.sink) window_latency_.push_back(latency);
    if (b_.mode == BatchMode::adaptive) {
      aimd_latency_.push_back(latency);
      aimd_compute_.push_back(s);
    }
    if (obs_.on_request)
      obs_.on_request({.id = q.id, .arrival = q.arrival, .start = start, .finish = finish,
                       .batch_size = n});
  }
  queue_.pop_front(count);

  r_.served += n;
  ++r_.batches;
  ++r_.batch_histogram[count];
  window_served_ += n;
  ++window_batches_;
  busy_ += s;
  if (start < period_) busy_in_period_ += std::min(finish, period_) - start;
  if (finish <= period_) served_in_period_ += n;
  last_finish_ = finish;

  if (obs_.sink) {
    ServeBatchEvent e;
    e.t_s = start;
    e.batch_size = n;
    e.compute_ms = s * 1e3;
    e.oldest_wait_ms = oldest_wait * 1e3;
    e.queue_after = queue_.size();
    e.batch_limit = limit_in_force;
    obs_.sink->on_extension(e);
  }
  if (b_.mode == BatchMode::adaptive &&
      static_cast<std::int64_t>(aimd_latency_.size()) >= std::max<std::int64_t>(b_.adapt_window, 1)) {
    const double p99 = quantile(aimd_latency_, 0.99);
    const double compute_p99 = quantile(aimd_compute_, 0.99);
    aimd_.update(p99, compute_p99, queue_.size() > limit_in_force);
    aimd_latency_.clear();
    aimd_compute_.clear();
  }
  clock_.wait_until(finish, nullptr);  // the virtual clock moves on; the real one has already
}

ServeResult Simulation::run() {
  const auto& w = o_.workload;
  period_ = w.arrivals == ArrivalKind::trace ? std::min(w.duration_s, o_.trace.back())
                                             : w.duration_s;
  const double drain = o_.drain_s >= 0 ? o_.drain_s : std::max(1.0, 0.25 * period_);
  const double end_limit = period_ + drain;
  const std::int64_t top = std::max<std::int64_t>(b_.mode == BatchMode::realtime ? 1 : b_.max_batch, 1);
  r_.mode = b_.mode;
  r_.max_batch = top;
  r_.max_delay_s = b_.max_delay_s;
  r_.virtual_clock = o_.virtual_clock;
  r_.arrival_period_s = period_;
  r_.batch_histogram.assign(static_cast<std::size_t>(top) + 1, 0);
  rows_.resize(static_cast<std::size_t>(top));
  window_end_ = o_.window_s;
  window_latency_.reserve(4096);
  aimd_latency_.reserve(static_cast<std::size_t>(std::max<std::int64_t>(b_.adapt_window, 1)));
  aimd_compute_.reserve(aimd_latency_.capacity());

  double now = clock_.now();
  for (;;) {
    if (obs_.control && obs_.control->stop_requested()) {
      r_.stopped = true;
      break;
    }
    admit(now);
    const bool done = std::isinf(arrivals_.peek());
    if (queue_.empty() && done) break;
    if (done && now >= end_limit) break;
    BatchDecision d;
    if (!queue_.empty())
      d = decide_batch(b_, limit(), queue_.size(), queue_.front().arrival, now, done);
    if (d.dispatch > 0) {
      run_batch(std::min(d.dispatch, queue_.size()), now);
    } else {
      double next = std::min(d.wake_at, arrivals_.peek());
      if (done) next = std::min(next, end_limit);
      if (std::isinf(next)) break;  // nothing will ever change
      clock_.wait_until(next, obs_.control);
    }
    now = clock_.now();
    close_windows(now);
  }

  r_.unfinished = queue_.size();
  const double served = static_cast<double>(r_.served);
  r_.elapsed_s = std::max({period_, last_finish_, 1e-12});
  if (r_.stopped) r_.elapsed_s = std::max(clock_.now(), 1e-12);
  r_.offered_rate = w.arrivals == ArrivalKind::trace && period_ > 0
                        ? static_cast<double>(r_.arrived) / period_
                        : w.rate;
  r_.throughput = served / r_.elapsed_s;
  r_.utilization = busy_ / r_.elapsed_s;
  if (r_.served > 0) {
    r_.p50_s = latency_.percentile(0.50);
    r_.p90_s = latency_.percentile(0.90);
    r_.p99_s = latency_.percentile(0.99);
    r_.max_s = latency_.max();
    r_.mean_s = sum_latency_ / served;
    r_.mean_wait_s = sum_wait_ / served;
    r_.mean_compute_s = sum_compute_ / served;
    r_.mean_batch = served / static_cast<double>(r_.batches);
  }
  // The server fell behind: busy nearly all the arrival period, and more requests left
  // unserved by its end than a batch or two in flight explain.
  const double behind = static_cast<double>(r_.arrived - served_in_period_);
  if (period_ > 0 && busy_in_period_ / period_ >= 0.9 &&
      behind > std::max(2.0 * static_cast<double>(top), 0.02 * static_cast<double>(r_.arrived))) {
    r_.saturated = true;
    r_.saturated_at = static_cast<double>(served_in_period_) / period_;
  }
  if (b_.mode == BatchMode::adaptive) {
    r_.settled_limit = aimd_.settled();
    r_.limit_updates = aimd_.updates();
  }
  return r_;
}

}  // namespace

ServeResult simulate_serving(const ServeOptions& options, ServiceTimes& service,
                             const ServeObservers& observers) {
  check_options(options);
  return Simulation(options, service, observers).run();
}

}  // namespace batchlab
