#include "engine/metrics/memory_accountant.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

std::string format_bytes(std::int64_t bytes) {
  char text[32];
  const auto b = static_cast<double>(bytes);
  if (bytes >= (std::int64_t{1} << 30))
    std::snprintf(text, sizeof text, "%.1f GiB", b / (1 << 30));
  else if (bytes >= (std::int64_t{1} << 20))
    std::snprintf(text, sizeof text, "%.1f MiB", b / (1 << 20));
  else if (bytes >= 1024)
    std::snprintf(text, sizeof text, "%.1f KiB", b / 1024);
  else
    std::snprintf(text, sizeof text, "%lld bytes", static_cast<long long>(bytes));
  return text;
}

// What a person can change: per-row buffers shrink with the micro-batch, the rest with the model.
std::string advice_for(MemCategory category) {
  switch (category) {
    case MemCategory::activations:
    case MemCategory::batch:
    case MemCategory::workspace:
      return "lower batch.size (or raise batch.accumulate) or raise memory_budget_mb";
    case MemCategory::parameters:
    case MemCategory::gradients:
    case MemCategory::optimizer:
      break;
  }
  return "use fewer or narrower hidden layers or raise memory_budget_mb";
}

}  // namespace

void MemoryAccountant::reserve(MemCategory category, std::int64_t bytes) {
  if (bytes < 0) throw std::invalid_argument("MemoryAccountant::reserve: negative byte count");
  const std::int64_t in_use = total();
  if (budget_ > 0 && in_use + bytes > budget_) {
    throw OutOfMemoryError("memory budget of " + format_bytes(budget_) +
                               " exceeded: " + std::string(memory_category_name(category)) +
                               " needs " + format_bytes(bytes) + " more with " +
                               format_bytes(in_use) + " in use — " + advice_for(category),
                           bytes, in_use, budget_);
  }
  current_[static_cast<int>(category)] += bytes;
  peak_ = std::max(peak_, in_use + bytes);
}

void MemoryAccountant::release(MemCategory category, std::int64_t bytes) {
  auto& held = current_[static_cast<int>(category)];
  // Releasing what was never reserved is a bookkeeping bug, not a user error.
  if (bytes < 0 || bytes > held)
    throw std::logic_error("MemoryAccountant::release: " + std::to_string(bytes) + " bytes of " +
                           std::string(memory_category_name(category)) + " released with " +
                           std::to_string(held) + " held");
  held -= bytes;
}

}  // namespace batchlab
