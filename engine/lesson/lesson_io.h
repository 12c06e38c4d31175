// defines: lesson_from_json, validate_lesson, load_lesson, list_lessons, find_lesson
// Lesson files, read as strictly as run and sweep configs (the json_fields reader): an unknown
// key, a wrong type, a missing field or a rule broken throws ConfigError naming the file and
// the dotted field, one line, e.g.
//   resources/lessons/memory-wall.json: steps[1].prediction.choices: needs 2 to 5 choices, got 1
//
//   {"title": "The memory wall", "description": "...", "question": "Why does a batch stop
//   fitting?",
//    "steps": [{
//      "title": "Under a budget",
//      "runs": [{"preset": "memory-wall-mlp", "set": ["batch.size=256"], "label": "B = 256"},
//               {"sweep": "critical-batch-size", "set": ["repeats=2"]}],
//      "plots": ["memory", {"name": "loss", "size": "large"}],
//      "prediction": {"question": "Which run runs out of memory?",
//                     "choices": [{"text": "B = 256", "run": "B = 256"}, ...]},   2 to 5
//      "point_at": "the activation bars", "takeaway": "One sentence.",
//      "outcome": {"kind": "out_of_memory_run"}}]}
//
// A run entry is {"preset": NAME} or {"sweep": NAME} (a name or a path, as `batchlab-cli run` /
// `sweep` take it) with optional "set" overrides and "label". A plot is a name or {"name",
// "size": "normal" | "large"}. A choice is {"text", "run": LABEL} for rules answered by a run,
// {"text", "batch": N} for rules answered by a batch size (lesson.h, AnswerKind). Validation
// loads every preset with its overrides (lesson_plan.h), so an unknown preset or a bad override
// is refused when the lesson is opened, not halfway through the class.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/experiment/preset_lookup.h"
#include "engine/lesson/lesson.h"

namespace batchlab {

// Reads and validates; `source` names the file in errors.
Lesson lesson_from_json(const nlohmann::json& j, const std::string& source);
// The cross-field rules: every step's presets load, labels are unique, each choice stands for a
// run of the step or a batch size as its rule's answer needs, the rules' own requirements (a
// stop target for fastest_to_target and critical_batch, a reference run for
// most_wandering_path). Throws ConfigError.
void validate_lesson(const Lesson& lesson);

// A lesson name (resources/lessons/NAME.json and the other lesson folders of preset_lookup.h) or
// a path to a lesson file. Throws Error (no such lesson: the message lists them) or ConfigError.
Lesson load_lesson(const std::string& name_or_path);

// list_presets / find_preset of PresetKind::lesson.
std::vector<PresetInfo> list_lessons();
std::filesystem::path find_lesson(const std::string& name);  // empty when not found

}  // namespace batchlab
