// defines: CudaLayer, CudaMlp (the MLP's passes as device work queued on one stream)
// The CPU backend's CpuMlp on the GPU, over the same layouts (cpu_mlp.h): a batch is
// column-major d × B (one sample per column, = the dataset's row-major rows), a weight is stored
// row-major fan_out × fan_in (PyTorch's order), which cuBLAS, being column-major, reads as the
// fan_in × fan_out matrix Wᵀ with leading dimension fan_in. Every call only queues work: GEMMs
// on the cuBLAS handle (bound to `stream`), kernels from kernels.h. Nothing here synchronises or
// allocates, so forward + loss_and_backward can be captured into a CUDA graph.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "engine/backend/cuda/kernels.h"
#include "engine/core/run_config.h"

namespace batchlab::cuda {

struct CudaLayer {
  std::int64_t fan_in = 0;
  std::int64_t fan_out = 0;
  const float* weight = nullptr;  // fan_out × fan_in, row-major
  const float* bias = nullptr;    // fan_out
  float* weight_grad = nullptr;
  float* bias_grad = nullptr;
  // fan_out × max_rows each. Hidden layers: pre-activation z and activation a; the backward pass
  // overwrites a with ∂loss/∂z. Output layer: a == z, the logits (overwritten with the delta).
  float* z = nullptr;
  float* a = nullptr;
};

struct CudaMlp {
  std::vector<CudaLayer> layers;
  Activation activation = Activation::relu;
  Task task = Task::classification;
  cublasHandle_t blas = nullptr;  // its stream is `stream`
  cudaStream_t stream = nullptr;
  float* row_loss = nullptr;         // max_rows: per-row losses before the fixed-order sum
  std::int32_t* row_hit = nullptr;   // max_rows: evaluation's argmax hits
  double* bias_partials = nullptr;   // kBiasChunks × the widest layer: bias-gradient chunks
  DeviceScalars* scalars = nullptr;  // where the sums land

  // Fills every layer's z and a for `rows` samples of `x` (inputs × rows).
  void forward(const float* x, std::int64_t rows) const;

  // After forward(x, rows): adds grad_scale · ∂(mean loss)/∂θ into the gradient buffers, sets
  // scalars->fb_loss to the mean loss and adds grad_scale · fb_loss to scalars->step_loss.
  // Destroys the activations. `labels` (classification) or `targets` (regression, outputs × rows).
  void loss_and_backward(const float* x, const std::int32_t* labels, const float* targets,
                         std::int64_t rows, float grad_scale) const;

  // After forward(x, rows): scalars->eval_loss_sum and eval_correct; activations left intact.
  void evaluate(const std::int32_t* labels, const float* targets, std::int64_t rows) const;
};

}  // namespace batchlab::cuda
