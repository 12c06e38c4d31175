// list_presets, find_preset: experiment presets shipped as JSON files. Search order:
// $BATCHLAB_PRESET_DIR, the installed share dir beside the executable, the source tree; a
// name found earlier hides the same name later, so a user folder can override a shipped preset.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "engine/experiment/config_io.h"
#include "engine/experiment/config_read.h"

namespace batchlab {

namespace fs = std::filesystem;

std::vector<fs::path> preset_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("BATCHLAB_PRESET_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "batchlab" / "presets");
  dirs.emplace_back(BATCHLAB_PRESET_DIR_SOURCE);
  return dirs;
}

namespace {

// Title and description for the chooser; a broken file still lists (loading it says why).
PresetInfo describe(const fs::path& path) {
  PresetInfo info{path.stem().string(), path.stem().string(), "", path};
  std::ifstream in(path);
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return info;
  if (auto it = j.find("name"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
    info.title = it->get<std::string>();
  if (auto it = j.find("description"); it != j.end() && it->is_string())
    info.description = it->get<std::string>();
  return info;
}

}  // namespace

std::vector<PresetInfo> list_presets() {
  std::vector<PresetInfo> out;
  std::set<std::string> seen;
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (seen.insert(f.stem().string()).second) out.push_back(describe(f));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::filesystem::path find_preset(const std::string& name) {
  std::string stem = name;
  if (stem.ends_with(".json")) stem.resize(stem.size() - 5);
  if (stem.empty() || stem.find('/') != std::string::npos) return {};
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    const fs::path candidate = dir / (stem + ".json");
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

}  // namespace batchlab
