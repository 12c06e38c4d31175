// defines: load_sweep_config, SweepPresetInfo, list_sweep_presets, find_sweep_preset
// Sweep configs from a file or a sweep preset (PresetKind::sweep: the "sweeps" folder of each
// preset folder, see preset_lookup.h), kept apart from run presets so a run-preset chooser
// never offers a sweep.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/experiment/preset_lookup.h"
#include "engine/experiment/sweep_config.h"

namespace batchlab {

// A path to a sweep JSON, or the name of a sweep preset (resources/presets/sweeps/NAME.json),
// with --set assignments applied. The name defaults to the file's stem. Throws ConfigError or
// Error (no such file or preset; the message lists the sweep presets).
SweepConfig load_sweep_config(const std::string& name_or_path,
                              const std::vector<std::string>& assignments = {});

using SweepPresetInfo = PresetInfo;
// list_presets / find_preset of PresetKind::sweep.
std::vector<SweepPresetInfo> list_sweep_presets();
std::filesystem::path find_sweep_preset(const std::string& name);  // empty when not found

}  // namespace batchlab
