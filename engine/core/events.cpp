#include "engine/core/events.h"

#include <array>
#include <utility>

namespace batchlab {
namespace {
constexpr std::array<std::pair<RunStatus, std::string_view>, 8> kStatus{{
    {RunStatus::running, "running"},
    {RunStatus::completed, "completed"},
    {RunStatus::stopped, "stopped"},
    {RunStatus::target_reached, "target_reached"},
    {RunStatus::diverged, "diverged"},
    {RunStatus::out_of_memory, "out_of_memory"},
    {RunStatus::failed, "failed"},
    {RunStatus::interrupted, "interrupted"},
}};
}  // namespace

std::string_view to_string(RunStatus s) {
  for (const auto& [v, name] : kStatus)
    if (v == s) return name;
  return "?";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  for (const auto& [v, name] : kStatus)
    if (name == text) return v;
  return std::nullopt;
}

}  // namespace batchlab
