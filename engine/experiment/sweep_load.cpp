// Loading a sweep by preset name or path, with --set applied before the one validation.
#include "engine/experiment/sweep_load.h"

#include "engine/experiment/json_fields.h"

namespace batchlab {

namespace fs = std::filesystem;

SweepConfig load_sweep_config(const std::string& name_or_path,
                              const std::vector<std::string>& assignments) {
  const fs::path path = resolve_config(PresetKind::sweep, name_or_path);
  const std::string source = path.string();
  nlohmann::json j = json_config::parse_json_text(json_config::read_text(path), source);
  // The file's own mistakes name the file; those a --set introduces name --set.
  SweepConfig s = read_sweep_config(j, source);
  if (!assignments.empty()) {
    for (const auto& a : assignments) apply_sweep_set(j, a);
    s = read_sweep_config(j, "--set");
  }
  if (s.name.empty()) s.name = path.stem().string();
  validate_sweep_config(s, assignments.empty() ? source : source + " with --set");
  return s;
}

std::vector<SweepPresetInfo> list_sweep_presets() {
  return list_presets(PresetKind::sweep);
}

fs::path find_sweep_preset(const std::string& name) {
  return find_preset(PresetKind::sweep, name);
}

}  // namespace batchlab
