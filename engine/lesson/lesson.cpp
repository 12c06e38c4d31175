// The lesson enums' names (one table each, so parsing, writing and error lists agree) and the
// lesson's JSON form.
#include "engine/lesson/lesson.h"

#include <array>
#include <utility>

namespace batchlab {
namespace {

using nlohmann::json;

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<PlotName, 12> kPlotNames{{
    {PlotName::loss, "loss"},
    {PlotName::throughput, "throughput"},
    {PlotName::memory, "memory"},
    {PlotName::batch_size, "batch_size"},
    {PlotName::accuracy, "accuracy"},
    {PlotName::sweep_throughput, "sweep_throughput"},
    {PlotName::sweep_memory, "sweep_memory"},
    {PlotName::sweep_steps_to_target, "sweep_steps_to_target"},
    {PlotName::sweep_time_to_target, "sweep_time_to_target"},
    {PlotName::decision_boundary, "decision_boundary"},
    {PlotName::loss_surface, "loss_surface"},
    {PlotName::serving_latency_throughput, "serving_latency_throughput"},
}};

constexpr NameTable<PlotSize, 2> kPlotSizes{{
    {PlotSize::normal, "normal"},
    {PlotSize::large, "large"},
}};

constexpr NameTable<OutcomeKind, 8> kOutcomeKinds{{
    {OutcomeKind::throughput_knee, "throughput_knee"},
    {OutcomeKind::fastest_to_target, "fastest_to_target"},
    {OutcomeKind::largest_fitting_batch, "largest_fitting_batch"},
    {OutcomeKind::out_of_memory_run, "out_of_memory_run"},
    {OutcomeKind::highest_final_accuracy, "highest_final_accuracy"},
    {OutcomeKind::most_wandering_path, "most_wandering_path"},
    {OutcomeKind::critical_batch, "critical_batch"},
    {OutcomeKind::best_serving_setting, "best_serving_setting"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E v) {
  for (const auto& [e, n] : table)
    if (e == v) return n;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> parse_in(const NameTable<E, N>& table, std::string_view text) {
  for (const auto& [e, n] : table)
    if (n == text) return e;
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string list_of(const NameTable<E, N>& table) {
  std::string out;
  for (const auto& [e, n] : table) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace

AnswerKind answer_kind(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::throughput_knee:
    case OutcomeKind::largest_fitting_batch:
    case OutcomeKind::critical_batch:
      return AnswerKind::batch;
    case OutcomeKind::fastest_to_target:
    case OutcomeKind::out_of_memory_run:
    case OutcomeKind::highest_final_accuracy:
    case OutcomeKind::most_wandering_path:
      return AnswerKind::run;
    case OutcomeKind::best_serving_setting:
      return AnswerKind::setting;
  }
  return AnswerKind::run;
}

std::string_view to_string(PlotName v) {
  return name_of(kPlotNames, v);
}
std::string_view to_string(PlotSize v) {
  return name_of(kPlotSizes, v);
}
std::string_view to_string(OutcomeKind v) {
  return name_of(kOutcomeKinds, v);
}
std::optional<PlotName> parse_plot_name(std::string_view text) {
  return parse_in(kPlotNames, text);
}
std::optional<PlotSize> parse_plot_size(std::string_view text) {
  return parse_in(kPlotSizes, text);
}
std::optional<OutcomeKind> parse_outcome_kind(std::string_view text) {
  return parse_in(kOutcomeKinds, text);
}
std::string plot_names_list() {
  return list_of(kPlotNames);
}
std::string outcome_kinds_list() {
  return list_of(kOutcomeKinds);
}

json lesson_to_json(const Lesson& lesson) {
  json steps = json::array();
  for (const LessonStep& s : lesson.steps) {
    json runs = json::array();
    for (const LessonRunEntry& r : s.runs) {
      if (r.is_serving) {  // no label: its settings are named by the choices
        runs.push_back({{"serving", r.preset}, {"set", r.set}});
        continue;
      }
      runs.push_back(
          {{r.is_sweep ? "sweep" : "preset", r.preset}, {"set", r.set}, {"label", r.label}});
    }
    json plots = json::array();
    for (const LessonPlot& p : s.plots)
      plots.push_back({{"name", to_string(p.name)}, {"size", to_string(p.size)}});
    json choices = json::array();
    for (const LessonChoice& c : s.prediction.choices) {
      json jc = {{"text", c.text}};
      if (!c.run.empty()) jc["run"] = c.run;
      if (c.batch) jc["batch"] = *c.batch;
      if (c.setting) {
        json js = {{"mode", to_string(c.setting->mode)}};
        if (c.setting->mode != BatchMode::realtime) js["max_batch"] = c.setting->max_batch;
        if (c.setting->mode == BatchMode::dynamic || c.setting->mode == BatchMode::adaptive)
          js["max_delay_ms"] = c.setting->max_delay_s * 1e3;
        jc["setting"] = std::move(js);
      }
      choices.push_back(std::move(jc));
    }
    json outcome = {{"kind", to_string(s.outcome.kind)}};
    if (!s.outcome.reference.empty()) outcome["reference"] = s.outcome.reference;
    steps.push_back(
        {{"title", s.title},
         {"runs", std::move(runs)},
         {"plots", std::move(plots)},
         {"prediction", {{"question", s.prediction.question}, {"choices", std::move(choices)}}},
         {"point_at", s.point_at},
         {"takeaway", s.takeaway},
         {"outcome", std::move(outcome)}});
  }
  return {{"title", lesson.title},
          {"description", lesson.description},
          {"question", lesson.question},
          {"steps", std::move(steps)}};
}

}  // namespace batchlab
