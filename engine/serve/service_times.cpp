#include "engine/serve/service_times.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/stopwatch.h"

namespace batchlab {

BackendService::BackendService(Backend& backend, const Dataset& data, std::int64_t max_batch,
                               std::int64_t outputs)
    : backend_(backend),
      data_(data),
      outputs_(outputs),
      out_(static_cast<std::size_t>(std::max<std::int64_t>(max_batch, 1) * outputs)) {}

double BackendService::serve(std::span<const std::int64_t> rows) {
  const Stopwatch watch;
  backend_.stage_batch(data_, rows);
  // Asking for the outputs makes a device backend wait for them: the time is the request's.
  backend_.infer_staged(std::span<float>(out_.data(), rows.size() * static_cast<std::size_t>(outputs_)));
  return watch.seconds();
}

MeasuredServiceTimes::MeasuredServiceTimes(BackendService& backend, int repeats)
    : backend_(backend), repeats_(std::max(repeats, 1)) {}

double MeasuredServiceTimes::serve(std::span<const std::int64_t> rows) {
  const std::size_t n = rows.size();
  if (seconds_.size() <= n) seconds_.resize(n + 1, std::numeric_limits<double>::quiet_NaN());
  if (std::isnan(seconds_[n])) {
    backend_.serve(rows);  // warm-up: first-touch of the buffers, caches
    std::vector<double> times;
    for (int i = 0; i < repeats_; ++i) times.push_back(backend_.serve(rows));
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2),
                     times.end());
    seconds_[n] = times[times.size() / 2];
  }
  return seconds_[n];
}

std::vector<std::pair<std::int64_t, double>> MeasuredServiceTimes::measured() const {
  std::vector<std::pair<std::int64_t, double>> out;
  for (std::size_t n = 1; n < seconds_.size(); ++n)
    if (!std::isnan(seconds_[n])) out.emplace_back(static_cast<std::int64_t>(n), seconds_[n]);
  return out;
}

}  // namespace batchlab
