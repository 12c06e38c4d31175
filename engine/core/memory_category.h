// defines: MemCategory, MemoryBytes, memory_category_name
// The categories every buffer is accounted under (DESIGN §3 "Memory").
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace batchlab {

enum class MemCategory : int { parameters, gradients, optimizer, activations, batch, workspace };
inline constexpr int kMemCategoryCount = 6;

// Bytes per category, indexed by MemCategory.
using MemoryBytes = std::array<std::int64_t, kMemCategoryCount>;

inline constexpr std::string_view memory_category_name(MemCategory c) {
  constexpr std::array<std::string_view, kMemCategoryCount> names = {
      "parameters", "gradients", "optimizer", "activations", "batch", "workspace"};
  return names[static_cast<int>(c)];
}

inline std::int64_t total_bytes(const MemoryBytes& m) {
  std::int64_t t = 0;
  for (auto b : m) t += b;
  return t;
}

}  // namespace batchlab
