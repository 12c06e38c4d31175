// defines: SweepOptions, SweepProgress, SweepProgressFn, SweepRunOutcome, SweepResult, run_sweep
// Running an expanded sweep (sweep_config.h) one run after another, with an ETA from the
// step-time model (sweep_estimate.h) that every finished run refines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_control.h"
#include "engine/experiment/sweep_config.h"
#include "engine/experiment/sweep_estimate.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {

struct SweepOptions {
  std::filesystem::path store_path;  // empty: nothing stored
  EventSink* extra_sink = nullptr;   // every run's events, in order (GUI bridge, JSONL, progress)
  RunControl* control = nullptr;     // stop: ends the current run and the sweep; pause: the run
  std::string source = "sweep";      // names the sweep config in error messages
  // A calibration (calibrate_step_time) gives an ETA before the first run ends; without one the
  // ETA is unknown (NaN) until a run has finished. Measured runs refine it either way.
  std::optional<StepTimeModel> step_time;
  SnapshotPolicy snapshots;  // every run's parameter snapshots to extra_sink
};

struct SweepProgress {
  enum class Event { run_starting, run_finished };
  Event event = Event::run_starting;
  int index = 0;  // 0-based
  int total = 0;
  const SweepRunPlan* plan = nullptr;
  const RunFinished* finished = nullptr;  // run_finished only
  std::int64_t sweep_id = 0;              // 0 when not stored
  // Estimated seconds until the sweep ends: this run and the ones after it at run_starting, the
  // ones after it at run_finished. An upper bound: runs that reach their target stop sooner.
  // NaN while unknown.
  double eta_s = kNaN;
};
// Called on the thread running the sweep, between runs (never per step).
using SweepProgressFn = std::function<void(const SweepProgress&)>;

struct SweepRunOutcome {
  SweepRunPlan plan;
  // As execute_run returned it. A run that could not start (bad data for this batch size, say)
  // has run_id 0, status failed and the error as reason.
  RunFinished finished;
};

struct SweepResult {
  std::int64_t sweep_id = 0;  // 0 when not stored
  int planned = 0;
  std::vector<SweepRunOutcome> runs;  // the runs that ran, in order
  bool stopped = false;               // a stop request ended the sweep early
  StepTimeModel step_time;            // the step-time model refined by the runs
};

// Runs the expanded sweep one run after another through execute_run, in the caller's thread.
// The sweep is stored first (RunStore::create_sweep) and every run carries its id. A run that
// diverges, runs out of memory or fails is a result: it is recorded and the sweep goes on. A stop
// request (options.control) stops the current run (stored as `stopped`) and starts no more.
// Throws ConfigError for an invalid sweep, and Error when the first run cannot even start (bad
// data, unusable device): then the sweep is removed from the store again, so bad input leaves
// the store as it was.
SweepResult run_sweep(const SweepConfig& sweep, const SweepOptions& options,
                      const SweepProgressFn& progress = {});

}  // namespace batchlab
