// defines: TrainerInputs, train (the only training loop), mlp_spec_for
// Reads a RunConfig, drives a prepared Backend over a DatasetSplit, and emits RunStarted, Step,
// Eval, Log and RunFinished to the sink (DESIGN §2). Pause and stop are polled between steps.
// A NaN/Inf loss ends the run `diverged`; an OutOfMemoryError from the backend ends it
// `out_of_memory`; any other exception ends it `failed`. Nothing here allocates per step.
// Accumulation: a step's batch of B rows runs as k = batch.accumulate passes of ⌈B/k⌉ rows, each
// with grad_scale = rows / B, so the update is the big batch's. With noise_scale enabled a
// measured step reads |g|² after its first pass as well (the "halves" method splits an
// unaccumulated batch in two for that), and StepEvent.b_simple / RunSummary.b_simple carry the
// EMA-smoothed gradient noise scale (metrics/noise_scale.h). Only the Backend interface is used.
// With parallel.replicas R > 1 the Trainer drives a DataParallelBackend (engine/parallel/) made of
// R replicas of the given backend (Backend::make_replica) and marks each step's last pass
// (sync_next_backward) so the all-reduce overlaps its backward; Step events then carry replicas,
// the busiest replica's rows and the compute / all-reduce / idle split, one DeviceMemoryEvent per
// replica follows each step, and at the end the trained parameters are handed back to the given
// backend (prepared forward-only), where the caller reads the model as for one device.
// With an asynchronous backend (Backend::enable_deferred_results) each Step event is sent once
// the device has run that step, at most max-pending steps late, with the device's times; a
// divergence or per-step target is then reported at the step where it happened. Measuring the
// noise scale keeps the backend synchronous (it reads |g|² mid-step).
#pragma once

#include <cstdint>

#include "engine/backend/backend.h"
#include "engine/core/event_sink.h"
#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/core/run_control.h"
#include "engine/data/dataset.h"
#include "engine/train/parameter_snapshot.h"

namespace batchlab {

struct TrainerInputs {
  std::int64_t run_id = 0;
  std::int64_t sweep_id = 0;  // passed through to RunStarted
  const RunConfig* config = nullptr;
  const DatasetSplit* data = nullptr;
  Backend* backend = nullptr;  // not yet prepared: the Trainer calls prepare()
  EventSink* sink = nullptr;
  RunControl* control = nullptr;
  // Parameter snapshots (ParameterSnapshotEvent through sink->on_extension) for views that draw
  // the model as it learns; off by default.
  SnapshotPolicy snapshots;
};

// Runs to completion and returns the RunFinished it also sent to the sink. Never throws for
// training outcomes; the status says what happened.
RunFinished train(const TrainerInputs& in);

// The MlpSpec a config and dataset imply.
MlpSpec mlp_spec_for(const RunConfig& config, const Dataset& train);

}  // namespace batchlab
