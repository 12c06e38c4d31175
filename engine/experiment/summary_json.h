// defines: summary_json (RunSummary → ordered JSON, shared by the store and the JSONL stream),
//          finite_or_null
// Internal to experiment/. Optional fields are omitted when unset; NaN is written as null.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/core/events.h"

namespace batchlab {

nlohmann::ordered_json summary_json(const RunSummary& summary);

// A double as JSON: null for NaN and ±Inf (JSON has no spelling for them).
inline nlohmann::ordered_json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace batchlab
