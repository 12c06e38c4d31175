// The gradient norm, the optimizer updates and the batch gather: one thread per value in
// grid-stride loops, the per-value maths from elementwise.h.
#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/kernel_common.cuh"
#include "engine/backend/cuda/kernels.h"

namespace batchlab::cuda {
namespace {

// ---- |g|² in two fixed-order passes: per-block partial sums, then one block ---------------

__global__ void sq_norm_partials_kernel(const float* __restrict__ g, std::int64_t n,
                                        double* __restrict__ partials) {
  __shared__ double buf[kThreads];
  double acc = 0.0;
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const double v = g[i];
    acc += v * v;
  }
  const double total = block_sum(acc, buf);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

__global__ void sq_norm_finish_kernel(const double* __restrict__ partials, int count,
                                      DeviceScalars* out) {
  __shared__ double buf[kThreads];
  double acc = 0.0;
  for (int j = static_cast<int>(threadIdx.x); j < count; j += kThreads) acc += partials[j];
  const double total = block_sum(acc, buf);
  if (threadIdx.x == 0) out->grad_norm2 = total;
}

// ---- optimizers ----------------------------------------------------------------------------

__global__ void sgd_kernel(float* __restrict__ p, const float* __restrict__ g, std::int64_t n,
                           float lr, float weight_decay) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count())
    ew::sgd_step(p[i], g[i], lr, weight_decay);
}

template <bool kNesterov>
__global__ void momentum_kernel(float* __restrict__ p, float* __restrict__ buf,
                                const float* __restrict__ g, std::int64_t n, float lr,
                                float momentum, float weight_decay) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count())
    ew::sgd_momentum_step(p[i], buf[i], g[i], lr, momentum, weight_decay, kNesterov);
}

__global__ void adam_kernel(float* __restrict__ p, float* __restrict__ m, float* __restrict__ v,
                            const float* __restrict__ g, std::int64_t n, ew::AdamStep s) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count())
    ew::adam_step(p[i], m[i], v[i], g[i], s);
}

// ---- data ----------------------------------------------------------------------------------

template <typename T>
__global__ void gather_kernel(const T* __restrict__ src, const std::int32_t* __restrict__ idx,
                              T* __restrict__ dst, std::int64_t rows, std::int64_t width) {
  const std::int64_t n = rows * width;
  for (std::int64_t k = thread_index(); k < n; k += thread_count()) {
    const std::int64_t j = k / width;
    const std::int64_t c = k - j * width;
    dst[k] = src[static_cast<std::int64_t>(idx[j]) * width + c];
  }
}

template <typename T>
void launch_gather(const T* src, const std::int32_t* idx, T* dst, std::int64_t rows,
                   std::int64_t width, cudaStream_t stream) {
  const std::int64_t n = rows * width;
  if (n == 0) return;
  gather_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(src, idx, dst, rows, width);
  BATCHLAB_CHECK_LAUNCH("gather_kernel");
}

}  // namespace

void grad_norm2(const float* g, std::int64_t n, double* partials, DeviceScalars* out,
                cudaStream_t stream) {
  const auto blocks = static_cast<int>(std::min<std::int64_t>(kNormBlocks, blocks_for(n)));
  sq_norm_partials_kernel<<<blocks, kThreads, 0, stream>>>(g, n, partials);
  BATCHLAB_CHECK_LAUNCH("sq_norm_partials_kernel");
  sq_norm_finish_kernel<<<1, kThreads, 0, stream>>>(partials, blocks, out);
  BATCHLAB_CHECK_LAUNCH("sq_norm_finish_kernel");
}

void sgd_update(float* p, const float* g, std::int64_t n, float lr, float weight_decay,
                cudaStream_t stream) {
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, g, n, lr, weight_decay);
  BATCHLAB_CHECK_LAUNCH("sgd_kernel");
}

void momentum_update(float* p, float* buf, const float* g, std::int64_t n, float lr, float momentum,
                     float weight_decay, bool nesterov, cudaStream_t stream) {
  if (n == 0) return;
  if (nesterov)
    momentum_kernel<true>
        <<<blocks_for(n), kThreads, 0, stream>>>(p, buf, g, n, lr, momentum, weight_decay);
  else
    momentum_kernel<false>
        <<<blocks_for(n), kThreads, 0, stream>>>(p, buf, g, n, lr, momentum, weight_decay);
  BATCHLAB_CHECK_LAUNCH("momentum_kernel");
}

void adam_update(float* p, float* m, float* v, const float* g, std::int64_t n,
                 const ew::AdamStep& s, cudaStream_t stream) {
  if (n == 0) return;
  adam_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, m, v, g, n, s);
  BATCHLAB_CHECK_LAUNCH("adam_kernel");
}

void gather_rows(const float* src, const std::int32_t* idx, float* dst, std::int64_t rows,
                 std::int64_t width, cudaStream_t stream) {
  launch_gather(src, idx, dst, rows, width, stream);
}

void gather_rows(const std::int32_t* src, const std::int32_t* idx, std::int32_t* dst,
                 std::int64_t rows, std::int64_t width, cudaStream_t stream) {
  launch_gather(src, idx, dst, rows, width, stream);
}

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, sq_norm_finish_kernel);
}

}  // namespace batchlab::cuda
