// defines: HostBuffer (a zeroed, 64-byte aligned array registered with a MemoryAccountant)
// The accountant hears of a buffer before it exists and of its end when it is freed, so the
// bytes it reports are exactly what the backend holds. Move-only: copying a buffer by accident
// would allocate behind the accountant's back.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "engine/core/errors.h"
#include "engine/metrics/memory_accountant.h"

namespace batchlab {

template <typename T>
class HostBuffer {
 public:
  HostBuffer() = default;

  // Throws OutOfMemoryError, with nothing recorded, when the budget or the host refuses.
  HostBuffer(MemoryAccountant& memory, MemCategory category, std::int64_t count)
      : memory_(&memory), category_(category), count_(count) {
    const std::int64_t bytes = this->bytes();
    memory.reserve(category, bytes);
    if (count == 0) return;
    // aligned_alloc wants a multiple of the alignment; the padding is not the caller's.
    const auto padded = static_cast<std::size_t>((bytes + kAlign - 1) / kAlign * kAlign);
    data_ = static_cast<T*>(std::aligned_alloc(kAlign, padded));
    if (data_ == nullptr) {
      memory.release(category, bytes);
      throw OutOfMemoryError("host allocation of " + std::to_string(bytes) + " bytes for " +
                                 std::string(memory_category_name(category)) +
                                 " failed — lower batch.size or use a smaller model",
                             bytes, memory.total(), 0);
    }
    // Zeroing also touches every page now, so the first step does not pay the page faults.
    std::memset(static_cast<void*>(data_), 0, padded);
  }

  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  HostBuffer(HostBuffer&& other) noexcept { swap(other); }
  HostBuffer& operator=(HostBuffer&& other) noexcept {
    HostBuffer(std::move(other)).swap(*this);
    return *this;
  }
  ~HostBuffer() {
    std::free(data_);
    if (memory_ != nullptr) memory_->release(category_, bytes());
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::int64_t size() const { return count_; }
  std::int64_t bytes() const { return count_ * static_cast<std::int64_t>(sizeof(T)); }

 private:
  static constexpr std::int64_t kAlign = 64;  // one cache line, one AVX-512 register

  void swap(HostBuffer& other) noexcept {
    std::swap(memory_, other.memory_);
    std::swap(category_, other.category_);
    std::swap(count_, other.count_);
    std::swap(data_, other.data_);
  }

  MemoryAccountant* memory_ = nullptr;
  MemCategory category_ = MemCategory::workspace;
  std::int64_t count_ = 0;
  T* data_ = nullptr;
};

}  // namespace batchlab
