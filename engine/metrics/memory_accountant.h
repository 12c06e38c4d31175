// defines: MemoryAccountant
// Every buffer a backend allocates is registered here under a category, before the first step.
// A budget (bytes, 0 = none) is enforced at registration: exceeding it throws OutOfMemoryError
// exactly as a real device OOM would, so a run ends `out_of_memory` the same way on any device.
// Threading: written by the training thread only; snapshot() is a plain copy.
#pragma once

#include <cstdint>

#include "engine/core/memory_category.h"

namespace batchlab {

class MemoryAccountant {
 public:
  explicit MemoryAccountant(std::int64_t budget_bytes = 0) : budget_(budget_bytes) {}

  // Records `bytes` more in `category`; throws OutOfMemoryError (nothing recorded) when the
  // total would exceed the budget.
  void reserve(MemCategory category, std::int64_t bytes);
  void release(MemCategory category, std::int64_t bytes);

  const MemoryBytes& current() const { return current_; }
  std::int64_t total() const { return total_bytes(current_); }
  std::int64_t peak() const { return peak_; }
  std::int64_t budget() const { return budget_; }
  void set_budget(std::int64_t bytes) { budget_ = bytes; }

 private:
  MemoryBytes current_{};
  std::int64_t peak_ = 0;
  std::int64_t budget_ = 0;
};

}  // namespace batchlab
