#include "engine/experiment/batch_finder.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"
#include "engine/metrics/memory_model.h"
#include "engine/train/sampler.h"
#include "engine/train/trainer.h"

namespace batchlab {

std::string_view to_string(FinderMode mode) {
  return mode == FinderMode::power ? "power" : "binsearch";
}

std::optional<FinderMode> parse_finder_mode(std::string_view text) {
  if (text == "power") return FinderMode::power;
  if (text == "binsearch") return FinderMode::binsearch;
  return std::nullopt;
}

namespace {

class Search {
 public:
  Search(const RunConfig& config, const Dataset& train, const BatchFinderOptions& options,
         const BackendFactory& make, const TrialCallback& on_trial, RunControl* control)
      : config_(config),
        train_(train),
        options_(options),
        make_(make),
        on_trial_(on_trial),
        control_(control),
        spec_(mlp_spec_for(config, train)) {}

  BatchFinderResult run();

 private:
  bool stop_requested() const { return control_ && control_->stop_requested(); }
  // Runs one trial, records it and says whether it fit.
  bool attempt(std::int64_t batch);
  BatchTrial trial(std::int64_t batch);

  const RunConfig& config_;
  const Dataset& train_;
  const BatchFinderOptions& options_;
  const BackendFactory& make_;
  const TrialCallback& on_trial_;
  RunControl* control_;
  MlpSpec spec_;
  BatchFinderResult result_;
};

BatchTrial Search::trial(std::int64_t batch) {
  BatchTrial t;
  t.batch = batch;
  t.predicted = predict_mlp_memory(spec_, config_.optimizer, batch);
  t.predicted_bytes = total_bytes(t.predicted);

  std::unique_ptr<Backend> backend = make_();
  if (result_.device.empty()) {
    result_.device = backend->device_name();
    result_.budget_bytes = backend->memory().budget();
  }
  try {
    backend->prepare(spec_, config_.optimizer, batch, config_.seed);
    Sampler sampler(train_.rows, Sampling::reshuffle, false, config_.seed);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(batch));
    std::vector<double> rates;
    const int steps = std::max(1, options_.steps);
    for (int step = 0; step <= steps && !stop_requested(); ++step) {
      Stopwatch clock;  // the whole step, data included, as the Trainer's samples/s
      const std::int64_t n = sampler.next_batch(batch, rows);
      backend->stage_batch(train_,
                           std::span<const std::int64_t>(rows.data(), static_cast<std::size_t>(n)));
      backend->zero_grad();
      backend->forward_backward(1.0f);
      backend->grad_norm2();
      backend->apply_update(config_.optimizer.lr);
      const double ms = clock.millis();
      // Step 0 warms caches and threads up (and, on a GPU, the first kernels): not timed.
      if (step > 0 && ms > 0) rates.push_back(static_cast<double>(n) * 1e3 / ms);
    }
    t.fits = true;
    if (!rates.empty()) {
      std::nth_element(rates.begin(), rates.begin() + static_cast<std::ptrdiff_t>(rates.size() / 2),
                       rates.end());
      t.samples_per_s = rates[rates.size() / 2];
    }
  } catch (const OutOfMemoryError& e) {
    t.fits = false;
    t.requested_bytes = e.requested;
    t.measured_peak_bytes = e.in_use;
    t.error = e.what();
  }
  t.measured = backend->memory().current();
  if (t.fits) t.measured_peak_bytes = backend->memory().peak();
  return t;  // the backend goes here, before the next trial asks for memory
}

bool Search::attempt(std::int64_t batch) {
  BatchTrial t = trial(batch);
  if (t.fits) {
    result_.largest_fit = std::max(result_.largest_fit, batch);
    if (std::isfinite(t.samples_per_s) && !(t.samples_per_s <= result_.best_samples_per_s)) {
      result_.best_samples_per_s = t.samples_per_s;
      result_.best_throughput_batch = batch;
    }
  } else if (result_.smallest_failure == 0 || batch < result_.smallest_failure) {
    result_.smallest_failure = batch;
  }
  result_.trials.push_back(t);
  if (on_trial_) on_trial_(result_.trials.back());
  return result_.trials.back().fits;
}

BatchFinderResult Search::run() {
  const std::int64_t cap = train_.rows;
  result_.train_rows = cap;
  std::int64_t lo = 0;  // largest batch known to fit
  std::int64_t hi = 0;  // smallest batch known to fail (0: none yet)
  std::int64_t b = std::clamp<std::int64_t>(options_.initial, 1, cap);

  // Phase 1: double up (or halve down when the first size already fails).
  if (attempt(b)) {
    lo = b;
    while (lo < cap && !stop_requested()) {
      const std::int64_t next = std::min(2 * lo, cap);
      if (!attempt(next)) {
        hi = next;
        break;
      }
      lo = next;
    }
  } else {
    hi = b;
    while (hi > 1 && !stop_requested()) {
      const std::int64_t next = hi / 2;
      if (attempt(next)) {
        lo = next;
        break;
      }
      hi = next;
    }
  }
  // Phase 2: bisect between the last success and the first failure.
  if (options_.mode == FinderMode::binsearch && lo > 0 && hi > 0) {
    while (hi - lo > 1 && !stop_requested()) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (attempt(mid))
        lo = mid;
      else
        hi = mid;
    }
  }
  result_.stopped = stop_requested();
  result_.limited_by_dataset = result_.largest_fit == cap;
  return std::move(result_);
}

}  // namespace

BatchFinderResult find_batch_size(const RunConfig& config, const DatasetSplit& data,
                                  const BatchFinderOptions& options, const BackendFactory& make,
                                  const TrialCallback& on_trial, RunControl* control) {
  if (data.train.rows < 1) throw ConfigError("config", "dataset", "the training split has no rows");
  Search search(config, data.train, options, make, on_trial, control);
  return search.run();
}

BatchFinderResult find_batch_size(const RunConfig& config, const BatchFinderOptions& options,
                                  const TrialCallback& on_trial, RunControl* control,
                                  const std::string& source) {
  RunConfig c = config;
  if (options.budget_mb) c.memory_budget_mb = options.budget_mb;
  validate_run_config(c, source);
  const DatasetSplit data = load_dataset(c.dataset, c.seed, source);
  make_backend(c);  // a device this build cannot use is bad input, reported before any trial
  return find_batch_size(
      c, data, options, [&c] { return make_backend(c); }, on_trial, control);
}

}  // namespace batchlab
