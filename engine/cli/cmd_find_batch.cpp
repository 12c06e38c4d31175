// batchlab-cli find-batch: the batch-size finder with a live table of trials.
#include <cstdio>
#include <string>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/batch_finder.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"

namespace batchlab::cli {
namespace {

// "batch  result  samples/s  measured  predicted"; a refused trial's measurement reads
// "held + refused", the bytes in use and the allocation that did not fit.
void print_trial(const BatchTrial& t) {
  const std::string measured =
      t.fits ? format_bytes(t.measured_peak_bytes)
             : format_bytes(t.measured_peak_bytes) + " + " + format_bytes(t.requested_bytes);
  std::printf("%10lld  %-13s  %10s  %24s  %12s\n", static_cast<long long>(t.batch),
              t.fits ? "fits" : "out of memory",
              t.fits ? format_rate(t.samples_per_s).c_str() : "-", measured.c_str(),
              format_bytes(t.predicted_bytes).c_str());
  std::fflush(stdout);  // one line per trial as it finishes: trials can take seconds
}

void print_findings(const BatchFinderResult& r) {
  if (r.largest_fit == 0) {
    std::printf("not even a batch of 1 fits");
    if (r.budget_bytes > 0)
      std::printf(" in the budget of %s", format_bytes(r.budget_bytes).c_str());
    std::printf(": use fewer or narrower hidden layers or a larger --budget-mb\n");
    return;
  }
  std::printf("largest batch that fits: %lld", static_cast<long long>(r.largest_fit));
  if (r.limited_by_dataset)
    std::printf(" (every training row: limited by the dataset, not by memory)");
  else if (r.smallest_failure > 0)
    std::printf(
        " (%lld does not fit%s)", static_cast<long long>(r.smallest_failure),
        r.budget_bytes > 0 ? (" in the budget of " + format_bytes(r.budget_bytes)).c_str() : "");
  std::printf("\n");
  if (r.best_throughput_batch > 0)
    std::printf("best throughput: batch %lld at %s samples/s\n",
                static_cast<long long>(r.best_throughput_batch),
                format_rate(r.best_samples_per_s).c_str());
  if (r.stopped) std::printf("stopped before the search ended\n");
}

}  // namespace

int cmd_find_batch(const FindBatchOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (!o.device.empty()) sets.push_back("device=" + o.device);
  BatchFinderOptions options;
  options.mode = parse_finder_mode(o.mode).value_or(FinderMode::power);
  options.initial = o.initial;
  options.steps = o.steps;
  options.budget_mb = o.budget_mb;

  // Everything that can be wrong with the input is found here, before any trial runs.
  RunConfig config;
  DatasetSplit data;
  try {
    config = load_run_config(o.config, sets);
    if (options.budget_mb) config.memory_budget_mb = options.budget_mb;
    data = load_dataset(config.dataset, config.seed, o.config);
    make_backend(config);  // e.g. cuda asked of a build without it
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }

  bool header = false;
  const auto on_trial = [&](const BatchTrial& t) {
    if (!header) {
      std::printf("%10s  %-13s  %10s  %24s  %12s\n", "batch", "result", "samples/s",
                  "measured peak", "predicted");
      header = true;
    }
    print_trial(t);
  };
  BatchFinderResult result;
  try {
    std::printf("finding the batch size for %s (%s mode)\n", config.name.c_str(), o.mode.c_str());
    result = find_batch_size(
        config, data, options, [&config] { return make_backend(config); }, on_trial);
  } catch (const std::exception& e) {
    // Past loading, a failure is a trial that broke for a reason other than memory.
    std::fprintf(stderr, "batchlab-cli: find-batch: %s\n", e.what());
    return kExitFailed;
  }
  std::printf(
      "device %s, %lld training rows%s\n", result.device.c_str(),
      static_cast<long long>(result.train_rows),
      result.budget_bytes > 0 ? (", budget " + format_bytes(result.budget_bytes)).c_str() : "");
  print_findings(result);
  return result.largest_fit > 0 ? kExitOk : kExitResult;
}

}  // namespace batchlab::cli
