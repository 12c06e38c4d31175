// The MLP's kernels: bias + activation, activation backward, the fused losses, the bias
// gradient and evaluation. Element-wise maths from elementwise.h only; one thread per value
// (or per row for the losses) in grid-stride loops, and fixed-order reductions.
#include <algorithm>
#include <stdexcept>

#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/kernel_common.cuh"
#include "engine/backend/cuda/kernels.h"

namespace batchlab::cuda {
namespace {

// ---- forward -----------------------------------------------------------------------------

// Hidden layers keep z for f'(z) in the backward pass and a = f(z) for the next layer; the
// output layer's z are the logits, so it only adds the bias.
template <typename F, bool kHidden>
__global__ void bias_activation_kernel(float* __restrict__ z, float* __restrict__ a,
                                       const float* __restrict__ bias, std::int64_t fan_out,
                                       std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const float v = z[i] + bias[i % fan_out];
    z[i] = v;
    if constexpr (kHidden) a[i] = F::f(v);
  }
}

template <typename F>
void launch_hidden(float* z, float* a, const float* bias, std::int64_t fan_out, std::int64_t n,
                   cudaStream_t stream) {
  bias_activation_kernel<F, true><<<blocks_for(n), kThreads, 0, stream>>>(z, a, bias, fan_out, n);
  BATCHLAB_CHECK_LAUNCH("bias_activation_kernel");
}

// ---- backward ----------------------------------------------------------------------------

template <typename F>
__global__ void activation_backward_kernel(const float* __restrict__ z, float* __restrict__ delta,
                                           std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) delta[i] *= F::df(z[i]);
}

template <typename F>
void launch_backward(const float* z, float* delta, std::int64_t n, cudaStream_t stream) {
  activation_backward_kernel<F><<<blocks_for(n), kThreads, 0, stream>>>(z, delta, n);
  BATCHLAB_CHECK_LAUNCH("activation_backward_kernel");
}

// ---- losses ------------------------------------------------------------------------------

__global__ void softmax_xent_kernel(float* __restrict__ logits,
                                    const std::int32_t* __restrict__ labels, std::int64_t classes,
                                    std::int64_t rows, float scale, float* __restrict__ row_loss) {
  for (std::int64_t j = thread_index(); j < rows; j += thread_count()) {
    float* z = logits + j * classes;
    row_loss[j] = ew::softmax_xent_row(z, z, classes, 1, labels[j], scale);
  }
}

__global__ void squared_error_kernel(float* __restrict__ y, const float* __restrict__ targets,
                                     std::int64_t outputs, std::int64_t rows, float scale,
                                     float* __restrict__ row_loss) {
  for (std::int64_t j = thread_index(); j < rows; j += thread_count()) {
    float* row = y + j * outputs;
    row_loss[j] = ew::squared_error_row(row, row, targets + j * outputs, outputs, 1, scale);
  }
}

// One block. Double accumulation: the mean of up to millions of float losses stays exact to
// float precision.
__global__ void sum_row_losses_kernel(const float* __restrict__ row_loss, std::int64_t rows,
                                      double per_row, float grad_scale, DeviceScalars* out) {
  __shared__ double buf[kThreads];
  double acc = 0.0;
  for (std::int64_t j = threadIdx.x; j < rows; j += kThreads) acc += row_loss[j];
  const double total = block_sum(acc, buf);
  if (threadIdx.x == 0) {
    const double mean = total / (per_row * static_cast<double>(rows));
    out->fb_loss = mean;
    out->step_loss += static_cast<double>(grad_scale) * mean;
  }
}

// ---- bias gradient -----------------------------------------------------------------------

// Pass 1: block (x, y) owns kTile features and chunk y of the rows; its kTile × kTile threads
// stride down the chunk (coalesced: the x threads read neighbouring features of one sample), then
// sum their columns in shared memory. Pass 2 adds each feature's chunk sums in chunk order. One
// fixed order, no atomics: deterministic, and a large batch still fills the GPU.
constexpr int kTile = 32;
constexpr std::int64_t kMinChunkRows = 1024;

__global__ void __launch_bounds__(kTile* kTile)
    bias_grad_partials_kernel(const float* __restrict__ delta, double* __restrict__ partials,
                              std::int64_t fan_out, std::int64_t rows, std::int64_t chunk_rows) {
  __shared__ double part[kTile][kTile + 1];  // +1: no bank conflicts on the column sums
  const int tx = static_cast<int>(threadIdx.x);
  const int ty = static_cast<int>(threadIdx.y);
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kTile + tx;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.y) * chunk_rows;
  const std::int64_t end = first + chunk_rows < rows ? first + chunk_rows : rows;
  double acc = 0.0;
  if (i < fan_out)
    for (std::int64_t j = first + ty; j < end; j += kTile) acc += delta[i + j * fan_out];
  part[ty][tx] = acc;
  __syncthreads();
  if (ty == 0 && i < fan_out) {
    double sum = 0.0;
    for (int y = 0; y < kTile; ++y) sum += part[y][tx];
    partials[static_cast<std::int64_t>(blockIdx.y) * fan_out + i] = sum;
  }
}

__global__ void bias_grad_finish_kernel(const double* __restrict__ partials, int chunks,
                                        std::int64_t fan_out, float* __restrict__ bias_grad) {
  for (std::int64_t i = thread_index(); i < fan_out; i += thread_count()) {
    double sum = 0.0;
    for (int c = 0; c < chunks; ++c) sum += partials[c * fan_out + i];
    bias_grad[i] += static_cast<float>(sum);
  }
}

// ---- evaluation --------------------------------------------------------------------------

__global__ void eval_xent_kernel(const float* __restrict__ y,
                                 const std::int32_t* __restrict__ labels, std::int64_t classes,
                                 std::int64_t rows, float* __restrict__ row_loss,
                                 std::int32_t* __restrict__ row_hit) {
  for (std::int64_t j = thread_index(); j < rows; j += thread_count()) {
    const float* z = y + j * classes;
    row_loss[j] = ew::softmax_xent_row(z, nullptr, classes, 1, labels[j], 0.0f);
    row_hit[j] = ew::argmax_row(z, classes, 1) == labels[j] ? 1 : 0;
  }
}

__global__ void eval_squared_error_kernel(const float* __restrict__ y,
                                          const float* __restrict__ targets, std::int64_t outputs,
                                          std::int64_t rows, float* __restrict__ row_loss,
                                          std::int32_t* __restrict__ row_hit) {
  for (std::int64_t j = thread_index(); j < rows; j += thread_count()) {
    row_loss[j] =
        ew::squared_error_row(y + j * outputs, nullptr, targets + j * outputs, outputs, 1, 0.0f);
    row_hit[j] = 0;
  }
}

__global__ void sum_eval_kernel(const float* __restrict__ row_loss,
                                const std::int32_t* __restrict__ row_hit, std::int64_t rows,
                                double per_row, DeviceScalars* out) {
  __shared__ double loss_buf[kThreads];
  __shared__ long long hit_buf[kThreads];
  double loss = 0.0;
  long long hits = 0;
  for (std::int64_t j = threadIdx.x; j < rows; j += kThreads) {
    loss += row_loss[j];
    hits += row_hit[j];
  }
  const double loss_total = block_sum(loss, loss_buf);
  const long long hit_total = block_sum(hits, hit_buf);
  if (threadIdx.x == 0) {
    out->eval_loss_sum = loss_total / per_row;
    out->eval_correct = hit_total;
  }
}

[[noreturn]] void unknown_activation() {
  throw std::logic_error("CUDA backend: unknown activation");
}

}  // namespace

void bias_activation(Activation act, bool hidden, float* z, float* a, const float* bias,
                     std::int64_t fan_out, std::int64_t rows, cudaStream_t stream) {
  const std::int64_t n = fan_out * rows;
  if (n == 0) return;
  if (!hidden) {
    bias_activation_kernel<ew::Relu, false>
        <<<blocks_for(n), kThreads, 0, stream>>>(z, nullptr, bias, fan_out, n);
    BATCHLAB_CHECK_LAUNCH("bias_activation_kernel");
    return;
  }
  switch (act) {
    case Activation::relu:
      return launch_hidden<ew::Relu>(z, a, bias, fan_out, n, stream);
    case Activation::tanh:
      return launch_hidden<ew::Tanh>(z, a, bias, fan_out, n, stream);
    case Activation::sigmoid:
      return launch_hidden<ew::Sigmoid>(z, a, bias, fan_out, n, stream);
    case Activation::gelu:
      return launch_hidden<ew::Gelu>(z, a, bias, fan_out, n, stream);
  }
  unknown_activation();
}

void activation_backward(Activation act, const float* z, float* delta, std::int64_t n,
                         cudaStream_t stream) {
  if (n == 0) return;
  switch (act) {
    case Activation::relu:
      return launch_backward<ew::Relu>(z, delta, n, stream);
    case Activation::tanh:
      return launch_backward<ew::Tanh>(z, delta, n, stream);
    case Activation::sigmoid:
      return launch_backward<ew::Sigmoid>(z, delta, n, stream);
    case Activation::gelu:
      return launch_backward<ew::Gelu>(z, delta, n, stream);
  }
  unknown_activation();
}

void softmax_xent_rows(float* logits, const std::int32_t* labels, std::int64_t classes,
                       std::int64_t rows, float scale, float* row_loss, cudaStream_t stream) {
  if (rows == 0) return;
  softmax_xent_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(logits, labels, classes, rows,
                                                                 scale, row_loss);
  BATCHLAB_CHECK_LAUNCH("softmax_xent_kernel");
}

void squared_error_rows(float* y, const float* targets, std::int64_t outputs, std::int64_t rows,
                        float scale, float* row_loss, cudaStream_t stream) {
  if (rows == 0) return;
  squared_error_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(y, targets, outputs, rows, scale,
                                                                  row_loss);
  BATCHLAB_CHECK_LAUNCH("squared_error_kernel");
}

void sum_row_losses(const float* row_loss, std::int64_t rows, double per_row, float grad_scale,
                    DeviceScalars* out, cudaStream_t stream) {
  sum_row_losses_kernel<<<1, kThreads, 0, stream>>>(row_loss, rows, per_row, grad_scale, out);
  BATCHLAB_CHECK_LAUNCH("sum_row_losses_kernel");
}

void bias_grad(const float* delta, float* bias_grad, std::int64_t fan_out, std::int64_t rows,
               double* partials, cudaStream_t stream) {
  if (fan_out == 0 || rows == 0) return;
  // At least kMinChunkRows rows a chunk (small batches: one chunk), at most kBiasChunks chunks.
  const std::int64_t chunk_rows = std::max(kMinChunkRows, (rows + kBiasChunks - 1) / kBiasChunks);
  const auto chunks = static_cast<unsigned int>((rows + chunk_rows - 1) / chunk_rows);
  const auto tiles = static_cast<unsigned int>((fan_out + kTile - 1) / kTile);
  bias_grad_partials_kernel<<<dim3(tiles, chunks), dim3(kTile, kTile), 0, stream>>>(
      delta, partials, fan_out, rows, chunk_rows);
  BATCHLAB_CHECK_LAUNCH("bias_grad_partials_kernel");
  bias_grad_finish_kernel<<<blocks_for(fan_out), kThreads, 0, stream>>>(
      partials, static_cast<int>(chunks), fan_out, bias_grad);
  BATCHLAB_CHECK_LAUNCH("bias_grad_finish_kernel");
}

void eval_rows(Task task, const float* y, const std::int32_t* labels, const float* targets,
               std::int64_t outputs, std::int64_t rows, float* row_loss, std::int32_t* row_hit,
               cudaStream_t stream) {
  if (rows == 0) return;
  if (task == Task::classification) {
    eval_xent_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(y, labels, outputs, rows, row_loss,
                                                                row_hit);
    BATCHLAB_CHECK_LAUNCH("eval_xent_kernel");
  } else {
    eval_squared_error_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(y, targets, outputs, rows,
                                                                         row_loss, row_hit);
    BATCHLAB_CHECK_LAUNCH("eval_squared_error_kernel");
  }
}

void sum_eval(const float* row_loss, const std::int32_t* row_hit, std::int64_t rows, double per_row,
              DeviceScalars* out, cudaStream_t stream) {
  sum_eval_kernel<<<1, kThreads, 0, stream>>>(row_loss, row_hit, rows, per_row, out);
  BATCHLAB_CHECK_LAUNCH("sum_eval_kernel");
}

}  // namespace batchlab::cuda
