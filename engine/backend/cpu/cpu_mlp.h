// defines: CpuLayer, CpuMlp (forward, loss + backward, evaluation over preallocated buffers),
//          BackwardResult
// The MLP's passes on the host, with Eigen maps over buffers the backend owns: nothing here
// allocates. Micro-batches of up to kSmallRows samples use the streaming kernels of
// small_products.h and allocate nothing at all; larger ones use Eigen's GEMM, which mallocs its
// packing panels inside each product, sized by the cache rather than the batch and unseen by the
// accountant (a known exception: about 20 allocations per step from batch 512 up for
// 784-256-256-10; no page faults per step at batch 64 or 4096, but ~216 at batch 512, where
// glibc hands the freed panels back to the OS and the next product faults them in again).
// Batches are column-major d × B (one sample per column), which is the same memory as the
// dataset's row-major B × d rows, so staging a sample is one memcpy and a sample's logits are
// contiguous. A weight stored row-major fan_out × fan_in (PyTorch's order) is read as the
// column-major fan_in × fan_out matrix Wᵀ.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_optimizer.h"
#include "engine/backend/cpu/parallel_product.h"
#include "engine/core/run_config.h"

namespace batchlab {

struct CpuLayer {
  std::int64_t fan_in = 0;
  std::int64_t fan_out = 0;
  const float* weight = nullptr;  // fan_out × fan_in, row-major
  const float* bias = nullptr;    // fan_out
  float* weight_grad = nullptr;
  float* bias_grad = nullptr;
  std::int64_t weight_offset = 0;  // of weight and bias in the flat parameter buffer
  std::int64_t bias_offset = 0;
  // fan_out × max_rows each. Hidden layers: pre-activation z and activation a; the backward pass
  // overwrites a with ∂loss/∂z. Output layer: a == z, the logits (overwritten with the delta).
  float* z = nullptr;
  float* a = nullptr;
};

struct BackwardResult {
  double loss = 0.0;        // mean loss over the rows
  double grad_norm2 = 0.0;  // |g|² of the whole gradient buffer afterwards; NaN when not measured
};

struct CpuMlp {
  std::vector<CpuLayer> layers;
  Activation activation = Activation::relu;
  Task task = Task::classification;
  const float* x = nullptr;              // staged inputs, inputs × max_rows
  const std::int32_t* labels = nullptr;  // classification: max_rows
  const float* targets = nullptr;        // regression: outputs × max_rows
  int threads = 1;                       // for products big enough to share
  // Told after each layer's weight and bias gradients are final in backward(); may be null.
  GradientReadyHook* grad_ready = nullptr;

  // Fills every layer's z and a for the first `rows` staged samples. A deferred optimizer step
  // (`pending`, may be null) is applied to each block of weights just before the pass reads it.
  void forward(std::int64_t rows, const CpuUpdate* pending) const;

  // After forward(rows): adds grad_scale · ∂(mean loss)/∂θ into the gradient buffers (or, with
  // Accumulate::no, writes it over whatever they hold) and returns the mean loss. Every gradient
  // value is written, so the small-batch kernels also return |g|² of the result, squared as it
  // is stored. Destroys the activations.
  BackwardResult backward(std::int64_t rows, float grad_scale, Accumulate grads) const;

  // After forward(rows): Σ per-row loss and argmax hits, activations left intact.
  EvalTotals totals(std::int64_t rows) const;
};

}  // namespace batchlab
