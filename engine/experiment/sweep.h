// defines: nothing; includes the sweep headers for callers that want all of it:
//          sweep_config.h (SweepConfig, SweepRunPlan, reading, validation, expand_sweep),
//          sweep_load.h (load_sweep_config, sweep presets), sweep_run.h (run_sweep),
//          and through sweep_run.h sweep_estimate.h (StepTimeModel, the ETA)
#pragma once

#include "engine/experiment/sweep_config.h"
#include "engine/experiment/sweep_load.h"
#include "engine/experiment/sweep_run.h"
