// defines: PresetKind, PresetInfo, preset_dirs, list_presets, find_preset, resolve_config
// Presets of every kind: one walk over the preset folders, one name-or-path resolver.
//
// Where they are looked for, in order (preset_dirs): $BATCHLAB_PRESET_DIR, the
// installed <prefix>/share/batchlab/presets beside the executable, the source tree's
// resources/presets. A name found in an earlier folder hides the same name in a later one, so a
// user folder overrides a shipped preset.
//
// How the kinds are told apart: by folder, never by looking inside the file. In each preset
// folder a kind has its own subfolder of NAME.json files, and a folder holds no other kind:
//
//   run      PRESET_DIR/*.json            (the folder itself; its subfolders are not walked)
//   sweep    PRESET_DIR/sweeps/*.json
//   serving  PRESET_DIR/serving/*.json
//   lesson   PRESET_DIR/lessons/*.json for $BATCHLAB_PRESET_DIR; the shipped ones sit beside
//            the presets instead: <prefix>/share/batchlab/lessons, the source tree's
//            resources/lessons (lesson/lesson_io.h reads them)
//
// So a run-preset chooser never offers a sweep, and a kind whose subfolder is missing lists
// nothing. The name is the file stem; "name" (a lesson's "title") and "description" in the JSON
// give the title and the description (a file that does not parse still lists: loading it says
// what is wrong).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace batchlab {

enum class PresetKind { run, sweep, serving, lesson };

struct PresetInfo {
  std::string name;         // file stem: what `batchlab-cli run NAME` (sweep NAME, ...) takes
  std::string title;        // "name" (lessons: "title") in the JSON when not empty, else the stem
  std::string description;  // "description" in the JSON (two sentences), may be empty
  std::filesystem::path path;
};

// The preset folders, in search order (each kind's subfolder is inside each of them).
std::vector<std::filesystem::path> preset_dirs();
// Every preset of the kind, sorted by name; earlier folders hide later ones of the same name.
std::vector<PresetInfo> list_presets(PresetKind kind);
// The file of the preset NAME (".json" may be given), or empty when there is none. A name with
// a '/' is a path, never a preset: empty.
std::filesystem::path find_preset(PresetKind kind, const std::string& name);
// An existing file path as given, else the preset of that name. Throws Error
// "PATH: no such file" for a path (a '/' or a .json ending) that does not exist, and otherwise
// "\"NAME\" is neither a config file nor a preset; presets: a, b, c" (for sweeps "a sweep file
// nor a sweep preset; sweep presets: ..."), or "none found (set BATCHLAB_PRESET_DIR)".
std::filesystem::path resolve_config(PresetKind kind, const std::string& name_or_path);

}  // namespace batchlab
