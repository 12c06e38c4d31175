// defines: DeviceBuffer (cudaMalloc'd bytes registered with a MemoryAccountant), PinnedBuffer
//          (page-locked host memory for asynchronous copies), BufferPlan (carving one
//          allocation into aligned slices)
// The accountant hears of a device buffer before cudaMalloc is asked and of its end when it is
// freed, so the bytes it reports are what the backend holds (DESIGN §3 "Memory"). Both buffers
// are move-only: a copy would allocate behind the accountant's back.
#pragma once

#include <cstdint>
#include <utility>

#include "engine/metrics/memory_accountant.h"

namespace batchlab::cuda {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // Throws OutOfMemoryError (nothing recorded) when the budget or the device refuses; the
  // message names the category, the bytes asked and the device's free memory.
  DeviceBuffer(MemoryAccountant& memory, MemCategory category, std::int64_t bytes);
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept { swap(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    DeviceBuffer(std::move(other)).swap(*this);
    return *this;
  }
  ~DeviceBuffer();  // frees without throwing; errors of a dying context are ignored

  // The slice at `offset` bytes, as T*. Offsets come from a BufferPlan, so they are aligned.
  template <typename T>
  T* at(std::int64_t offset) const {
    return reinterpret_cast<T*>(static_cast<char*>(data_) + offset);
  }
  std::int64_t bytes() const { return bytes_; }

 private:
  void swap(DeviceBuffer& other) noexcept {
    std::swap(memory_, other.memory_);
    std::swap(category_, other.category_);
    std::swap(bytes_, other.bytes_);
    std::swap(data_, other.data_);
  }

  MemoryAccountant* memory_ = nullptr;
  MemCategory category_ = MemCategory::workspace;
  std::int64_t bytes_ = 0;
  void* data_ = nullptr;
};

// Page-locked host memory: the only kind a cudaMemcpyAsync reads or writes without a hidden
// synchronous bounce. Host memory, so not counted against the device's accountant.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::int64_t bytes);  // OutOfMemoryError when the host refuses
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  PinnedBuffer(PinnedBuffer&& other) noexcept { swap(other); }
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept {
    PinnedBuffer(std::move(other)).swap(*this);
    return *this;
  }
  ~PinnedBuffer();

  template <typename T>
  T* at(std::int64_t offset) const {
    return reinterpret_cast<T*>(static_cast<char*>(data_) + offset);
  }
  std::int64_t bytes() const { return bytes_; }

 private:
  void swap(PinnedBuffer& other) noexcept {
    std::swap(bytes_, other.bytes_);
    std::swap(data_, other.data_);
  }
  std::int64_t bytes_ = 0;
  void* data_ = nullptr;
};

// Lays slices out one after another, each aligned to 256 bytes (what cudaMalloc guarantees and
// cuBLAS prefers), so one allocation per memory category can hold several arrays.
class BufferPlan {
 public:
  // Reserves `count` values of T; returns the slice's byte offset.
  template <typename T>
  std::int64_t add(std::int64_t count) {
    const std::int64_t offset = (size_ + kAlign - 1) / kAlign * kAlign;
    size_ = offset + count * static_cast<std::int64_t>(sizeof(T));
    return offset;
  }
  std::int64_t bytes() const { return size_; }

 private:
  static constexpr std::int64_t kAlign = 256;
  std::int64_t size_ = 0;
};

}  // namespace batchlab::cuda
