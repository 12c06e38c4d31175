// preset_dirs, and list_presets, find_preset, resolve_config for every preset kind.
// The kinds differ only in their row of kKinds: a subfolder and the nouns the errors use.
#include "engine/experiment/preset_lookup.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"

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

struct KindRow {
  PresetKind kind;
  const char* folder;  // inside each preset folder; "" is the folder itself
  const char* file;    // "... is neither a <file> nor a <preset>; <preset>s: ..."
  const char* preset;
  // Shipped beside the presets rather than inside them (resources/lessons,
  // share/batchlab/lessons); a user's $BATCHLAB_PRESET_DIR still holds it as a subfolder.
  bool beside = false;
};

constexpr KindRow kKinds[] = {
    {PresetKind::run, "", "config file", "preset"},
    {PresetKind::sweep, "sweeps", "sweep file", "sweep preset"},
    {PresetKind::serving, "serving", "serving file", "serving preset"},
    {PresetKind::lesson, "lessons", "lesson file", "lesson", /*beside=*/true},
};

const KindRow& row(PresetKind kind) {
  for (const auto& r : kKinds)
    if (r.kind == kind) return r;
  throw Error("unknown preset kind " + std::to_string(static_cast<int>(kind)));
}

// The kind's folder inside each preset folder, in search order.
std::vector<fs::path> kind_dirs(PresetKind kind) {
  const KindRow& r = row(kind);
  std::vector<fs::path> dirs = preset_dirs();
  const char* env = std::getenv("BATCHLAB_PRESET_DIR");
  const std::size_t user = env && *env ? 1 : 0;  // preset_dirs puts the user's folder first
  if (*r.folder)
    for (std::size_t i = 0; i < dirs.size(); ++i)
      dirs[i] = (r.beside && i >= user ? dirs[i].parent_path() : dirs[i]) / r.folder;
  return dirs;
}

// Title and description for the chooser; a broken file still lists (loading it says why).
PresetInfo describe(const fs::path& path) {
  PresetInfo info{path.stem().string(), path.stem().string(), "", path};
  std::ifstream in(path);
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return info;
  // Lessons call their title "title"; every other kind "name".
  for (const char* key : {"name", "title"})
    if (auto it = j.find(key);
        it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      info.title = it->get<std::string>();
      break;
    }
  if (auto it = j.find("description"); it != j.end() && it->is_string())
    info.description = it->get<std::string>();
  return info;
}

}  // namespace

std::vector<PresetInfo> list_presets(PresetKind kind) {
  std::vector<PresetInfo> out;
  std::set<std::string> seen;
  for (const auto& dir : kind_dirs(kind)) {
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

fs::path find_preset(PresetKind kind, const std::string& name) {
  std::string stem = name;
  if (stem.ends_with(".json")) stem.resize(stem.size() - 5);
  if (stem.empty() || stem.find('/') != std::string::npos) return {};
  for (const auto& dir : kind_dirs(kind)) {
    std::error_code ec;
    const fs::path candidate = dir / (stem + ".json");
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

fs::path resolve_config(PresetKind kind, const std::string& name_or_path) {
  std::error_code ec;
  if (fs::exists(name_or_path, ec)) return name_or_path;
  const bool is_path = name_or_path.find('/') != std::string::npos;
  if (!is_path)
    if (auto preset = find_preset(kind, name_or_path); !preset.empty()) return preset;
  if (is_path || name_or_path.ends_with(".json")) throw Error(name_or_path + ": no such file");
  const KindRow& r = row(kind);
  std::string names;
  for (const auto& p : list_presets(kind)) names += (names.empty() ? "" : ", ") + p.name;
  throw Error("\"" + name_or_path + "\" is neither a " + r.file + " nor a " + r.preset + "; " +
              r.preset + "s: " + (names.empty() ? "none found (set BATCHLAB_PRESET_DIR)" : names));
}

}  // namespace batchlab
