// defines: kThreads, blocks_for, thread_index, thread_count, block_sum (device helpers shared by
//          the .cu files)
#pragma once

#include <algorithm>
#include <cstdint>

namespace batchlab::cuda {

inline constexpr int kThreads = 256;  // threads per block; a power of two, as block_sum needs

// Blocks for a grid-stride loop over n values: one value per thread up to a cap; past the cap
// each thread takes several, which costs nothing once every SM is busy.
inline unsigned int blocks_for(std::int64_t n) {
  const std::int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(std::clamp<std::int64_t>(blocks, 1, 4096));
}

__device__ inline std::int64_t thread_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t thread_count() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

// The sum of every thread's v over a block of kThreads threads, in a fixed tree order, returned
// to every thread. `buf` is kThreads values of shared memory; it may be reused by the next call.
template <typename T>
__device__ T block_sum(T v, T* buf) {
  const int t = static_cast<int>(threadIdx.x);
  __syncthreads();  // the previous call's readers of buf[0] are done
  buf[t] = v;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (t < half) buf[t] += buf[t + half];
    __syncthreads();
  }
  return buf[0];
}

}  // namespace batchlab::cuda
