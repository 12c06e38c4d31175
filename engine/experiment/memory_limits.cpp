#include "engine/experiment/memory_limits.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The smaller of the two: runs of one sweep may differ, and the tightest limit is the one that
// explains its out-of-memory runs.
void keep_smallest(std::optional<double>& kept, double value) {
  if (value > 0.0) kept = kept ? std::min(*kept, value) : value;
}

}  // namespace

void MemoryLimits::add(const RunRecord& run) {
  const nlohmann::json config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (config.is_object())
    if (const auto it = config.find("memory_budget_mb"); it != config.end() && it->is_number())
      keep_smallest(budget_mib, it->get<double>());
  const nlohmann::json env = nlohmann::json::parse(run.environment_json, nullptr, false);
  if (env.is_object())
    if (const auto it = env.find("device_total_bytes"); it != env.end() && it->is_number())
      keep_smallest(device_mib, it->get<double>() / kMiB);
}

}  // namespace batchlab
