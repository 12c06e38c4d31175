// defines: run_config_from_json, run_config_to_json, apply_set, load_run_config,
//          find_preset, list_presets, validate_run_config
// Strict reading: an unknown key, a wrong type or an out-of-range value throws ConfigError
// "<source>: <dotted.key>: <reason>". Every key is optional except dataset (DESIGN §6).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/run_config.h"
#include "engine/experiment/preset_lookup.h"

namespace batchlab {

RunConfig run_config_from_json(const nlohmann::json& j, const std::string& source);
// Every key, defaults included (nulls for unset optionals), so the result lists all known keys.
nlohmann::json run_config_to_json(const RunConfig& config);

// Applies "dotted.key=value" to a config JSON. The value is parsed as JSON when it is valid JSON
// (512, 0.1, true, [64,64], null), else taken as a string. An unknown key throws ConfigError
// naming it.
void apply_set(nlohmann::json& config, std::string_view assignment,
               const std::string& source = "--set");

// Range and consistency checks (batch size 0, more micro-batches than samples, a target with no
// evaluation...). run_config_from_json calls it; a config built in code should too. Throws
// ConfigError.
void validate_run_config(const RunConfig& config, const std::string& source);

// A preset name ("spirals-mlp") or a path to a JSON file, with --set assignments applied.
// Throws ConfigError (bad JSON names the file and line) or Error (no such file or preset).
RunConfig load_run_config(const std::string& name_or_path,
                          const std::vector<std::string>& assignments = {});

// Run presets (PresetKind::run in preset_lookup.h): $BATCHLAB_PRESET_DIR, the installed share
// dir, then the source tree.
std::vector<PresetInfo> list_presets();
std::filesystem::path find_preset(const std::string& name);  // empty when not found

}  // namespace batchlab
