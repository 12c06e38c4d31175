#include "engine/backend/cuda/device_buffer.h"

#include <string>

#include "engine/backend/cuda/cuda_check.h"

namespace batchlab::cuda {
namespace {

std::string mib(std::int64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

}  // namespace

DeviceBuffer::DeviceBuffer(MemoryAccountant& memory, MemCategory category, std::int64_t bytes)
    : memory_(&memory), category_(category), bytes_(bytes) {
  memory.reserve(category, bytes);  // the budget check: throws before the device is asked
  if (bytes == 0) return;
  const cudaError_t e = cudaMalloc(&data_, static_cast<std::size_t>(bytes));
  if (e == cudaSuccess) return;
  data_ = nullptr;
  memory.release(category, bytes);
  (void)cudaGetLastError();  // a refused allocation is not sticky: leave the device usable
  if (e != cudaErrorMemoryAllocation) throw_cuda_error(e, "cudaMalloc", __FILE__, __LINE__);
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    (void)cudaGetLastError();
    free_bytes = total_bytes = 0;
  }
  throw OutOfMemoryError(
      "device allocation of " + mib(bytes) + " for " + std::string(memory_category_name(category)) +
          " failed with " + mib(static_cast<std::int64_t>(free_bytes)) + " free of " +
          mib(static_cast<std::int64_t>(total_bytes)) + " — lower batch.size (or raise " +
          "batch.accumulate) or use a smaller model",
      bytes, memory.total(), static_cast<std::int64_t>(total_bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr && cudaFree(data_) != cudaSuccess) (void)cudaGetLastError();
  if (memory_ != nullptr) memory_->release(category_, bytes_);
}

PinnedBuffer::PinnedBuffer(std::int64_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t e =
      cudaHostAlloc(&data_, static_cast<std::size_t>(bytes), cudaHostAllocDefault);
  if (e == cudaSuccess) return;
  data_ = nullptr;
  bytes_ = 0;
  (void)cudaGetLastError();
  if (e != cudaErrorMemoryAllocation) throw_cuda_error(e, "cudaHostAlloc", __FILE__, __LINE__);
  throw OutOfMemoryError("page-locked host allocation of " + mib(bytes) +
                             " for the batch staging failed — lower batch.size",
                         bytes, 0, 0);
}

PinnedBuffer::~PinnedBuffer() {
  if (data_ != nullptr && cudaFreeHost(data_) != cudaSuccess) (void)cudaGetLastError();
}

}  // namespace batchlab::cuda
