// defines: run_config_schema_tree, run_config_schema, read_run_config, read_lr_scaling
// Internal to experiment/: the pieces of config_io that a config embedding a run config (a sweep's
// "base") reuses, so its keys are checked by the same code and named with their full dotted path.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/core/run_config.h"
#include "engine/experiment/json_fields.h"

namespace batchlab {

// Every run config key with its default (run_config_to_json of a default RunConfig, plus
// "description" and the sub-keys of stop.target).
const nlohmann::json& run_config_schema_tree();
const json_config::KeySchema& run_config_schema();

// Reads a run config object without the cross-field checks of validate_run_config; `top` is the
// object that holds "dataset", "model", ... (the root of a run config, or a sweep's "base").
RunConfig read_run_config(const json_config::Fields& top);
// The fields of a batch.lr_scaling object (rule, base_batch, warmup_epochs).
void read_lr_scaling(const json_config::Fields& f, LrScalingConfig& out);

}  // namespace batchlab
