// defines: StepTimeModel, StepTimeSample, fit_step_time, calibrate_step_time, RunEstimate,
//          CalibrationOptions, estimate_run, SweepEstimate, estimate_sweep
// How long a sweep will take, before and while it runs. The method, in full:
//
// 1. Step time is modelled as t(B) = t₀ + c·B: a fixed cost per update (kernel launches, the
//    optimizer step, thread start-up) plus a cost per sample. For an MLP the per-sample part is
//    the GEMMs, linear in B once B is past a few dozen rows.
// 2. Before a sweep starts, calibrate_step_time loads the base dataset (timed: that is the
//    per-run set-up cost) and trains a few real steps at the smallest and the largest batch size
//    of the sweep with the sweep's own model, optimizer and device, then fits t₀ and c. Nothing
//    is stored. The first step of each trial is left out (cold caches, thread start).
// 3. A run's planned steps come from plan_run (train/run_plan.h), the Trainer's own arithmetic,
//    batch-size schedules and short epoch tails included; its time is set-up + Σ t(B) over
//    those steps + evaluations, each a forward pass over the validation rows counted at a third
//    of a training step's per-sample cost (forward ≈ 1/3 of forward + backward), capped by
//    stop.time_limit_s.
// 4. While the sweep runs, every finished run adds its measured step time (B / median samples/s)
//    and set-up time, and the model is refitted, so the ETA converges on this machine's speed.
//
// What it does not know: a run that reaches its stop target ends early, so the estimate is an
// upper bound ("at most"); a run with neither epochs nor max_steps nor a time limit (target
// only) has no planned length and makes the total unknown (NaN).
//
// Includes only sweep_config.h of the sweep headers (sweep_run.h includes this one).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/experiment/sweep_config.h"

namespace batchlab {

struct StepTimeSample {
  std::int64_t batch = 0;
  double seconds = 0.0;  // one update at this batch size
};

struct StepTimeModel {
  double overhead_s = kNaN;     // t₀
  double per_sample_s = kNaN;   // c
  double setup_s = 0.0;         // per run: loading the data, preparing the backend
  double eval_row_s = kNaN;     // evaluation cost per validation row; NaN: per_sample_s / 3
  std::int64_t train_rows = 0;  // of the sweep's dataset, for planned steps
  std::int64_t val_rows = 0;
  std::vector<StepTimeSample> samples;  // what the fit used
  std::string basis;  // "5 steps at B=8 and B=256" or "6 finished runs": for the preview

  bool known() const { return std::isfinite(overhead_s) && std::isfinite(per_sample_s); }
  double step_seconds(std::int64_t batch) const {
    return overhead_s + per_sample_s * static_cast<double>(batch);
  }
};

// Least squares for t = t₀ + c·B on relative error (weights 1/t², so a 1 ms step counts as
// much as a 100 ms one). With a single batch size, or when the fit would make t₀ negative
// (timing noise), the line goes through the origin (t₀ = 0); when it would make c negative, it
// is flat (c = 0). Samples with a non-positive time are ignored; none left: an unknown model.
// Only overhead_s, per_sample_s and samples are set.
StepTimeModel fit_step_time(std::span<const StepTimeSample> samples);

struct CalibrationOptions {
  int steps = 6;                  // per batch size, the first (warm-up) one excluded from the fit
  double seconds_cap = 2.0;       // per batch size: a slow device stops early
  RunControl* control = nullptr;  // stop: give up (the model returned may be unknown)
};
// Trains a few steps at the sweep's smallest and largest batch size (the next smaller one when
// the largest runs out of memory) and fits the model. Throws ConfigError / DataError / Error as
// execute_run would for the base config: bad input shows up in the preview, before anything
// runs.
StepTimeModel calibrate_step_time(const SweepConfig& sweep, const CalibrationOptions& options = {});

struct RunEstimate {
  std::int64_t steps = 0;    // planned updates; 0 when unbounded
  std::int64_t samples = 0;  // planned samples
  double seconds = kNaN;     // NaN when the model is unknown or the run unbounded
  bool bounded = true;       // false: no epochs, max_steps or time limit
};
RunEstimate estimate_run(const RunConfig& config, const StepTimeModel& model);

struct SweepEstimate {
  std::vector<RunEstimate> runs;
  double total_s = kNaN;  // at most this long; NaN when any run is unknown
};
SweepEstimate estimate_sweep(std::span<const SweepRunPlan> runs, const StepTimeModel& model);

}  // namespace batchlab
