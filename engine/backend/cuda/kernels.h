// defines: DeviceScalars, kNormBlocks, kBiasChunks, bias_activation, activation_backward,
//          softmax_xent_rows, squared_error_rows, sum_row_losses, bias_grad, eval_rows, sum_eval,
//          grad_norm2, sgd_update, momentum_update, adam_update, gather_rows (the kernel
//          launchers of the CUDA backend), probe_kernel_image
// Each launcher queues its kernel on `stream`, checks the launch and returns; none synchronises,
// so every one of them can be captured into a CUDA graph. The maths inside is elementwise.h's,
// the very functions the CPU backend calls. Layouts are the CPU backend's (cpu_mlp.h): a batch
// or an activation is column-major d × B, so sample j's d values are contiguous at j·d.
// Reductions run in a fixed order (no atomics), so a step gives the same bits every time.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "engine/backend/elementwise.h"
#include "engine/core/run_config.h"

namespace batchlab::cuda {

// The scalars kernels produce, in one small device struct. step_loss and grad_norm2 come first
// and adjacent, so a step's results leave the device in one 16-byte copy.
struct DeviceScalars {
  double step_loss;   // Σ over the step's micro-batches of grad_scale · mean loss
  double grad_norm2;  // |g|² of the gradient buffer
  double fb_loss;     // mean loss of the latest forward_backward
  double eval_loss_sum;
  long long eval_correct;
};

// ---- forward and backward ------------------------------------------------------------------

// z ← z + bias (bias broadcast over the rows); for a hidden layer also a ← f(z).
void bias_activation(Activation act, bool hidden, float* z, float* a, const float* bias,
                     std::int64_t fan_out, std::int64_t rows, cudaStream_t stream);

// delta ← delta ⊙ f'(z), n values: ∂loss/∂a becomes ∂loss/∂z.
void activation_backward(Activation act, const float* z, float* delta, std::int64_t n,
                         cudaStream_t stream);

// Loss and its gradient, fused: one thread per row overwrites the row's outputs with
// scale · ∂loss/∂output and writes the row's loss to row_loss[j] (ew::softmax_xent_row; for
// squared error the row's Σ(y−t)², ew::squared_error_row).
void softmax_xent_rows(float* logits, const std::int32_t* labels, std::int64_t classes,
                       std::int64_t rows, float scale, float* row_loss, cudaStream_t stream);
void squared_error_rows(float* y, const float* targets, std::int64_t outputs, std::int64_t rows,
                        float scale, float* row_loss, cudaStream_t stream);

// One block sums row_loss: fb_loss = Σ / (rows · per_row); step_loss += grad_scale · fb_loss.
// per_row is 1 for cross-entropy and the output count for squared error (the mean over values).
void sum_row_losses(const float* row_loss, std::int64_t rows, double per_row, float grad_scale,
                    DeviceScalars* out, cudaStream_t stream);

// bias_grad[i] += Σ_j delta[i + j·fan_out]: the bias gradient, summed over the batch. Rows are
// split into at most kBiasChunks chunks summed in parallel into `partials` (kBiasChunks × fan_out
// doubles), then each feature's chunks are added in order.
inline constexpr int kBiasChunks = 64;
void bias_grad(const float* delta, float* bias_grad, std::int64_t fan_out, std::int64_t rows,
               double* partials, cudaStream_t stream);

// ---- evaluation ----------------------------------------------------------------------------

// Per row: the loss (outputs left intact) and, for classification, whether the argmax is the
// label. Then one block: eval_loss_sum = Σ row_loss / per_row, eval_correct = Σ row_hit.
void eval_rows(Task task, const float* y, const std::int32_t* labels, const float* targets,
               std::int64_t outputs, std::int64_t rows, float* row_loss, std::int32_t* row_hit,
               cudaStream_t stream);
void sum_eval(const float* row_loss, const std::int32_t* row_hit, std::int64_t rows, double per_row,
              DeviceScalars* out, cudaStream_t stream);

// ---- gradient norm and optimizer -----------------------------------------------------------

inline constexpr int kNormBlocks = 256;  // partial sums; fixed, so the sum order is too
// |g|² of n values into out->grad_norm2, through `partials` (kNormBlocks doubles).
void grad_norm2(const float* g, std::int64_t n, double* partials, DeviceScalars* out,
                cudaStream_t stream);

// One optimizer step over n parameters (ew::sgd_step, ew::sgd_momentum_step, ew::adam_step).
void sgd_update(float* p, const float* g, std::int64_t n, float lr, float weight_decay,
                cudaStream_t stream);
void momentum_update(float* p, float* buf, const float* g, std::int64_t n, float lr, float momentum,
                     float weight_decay, bool nesterov, cudaStream_t stream);
void adam_update(float* p, float* m, float* v, const float* g, std::int64_t n,
                 const ew::AdamStep& s, cudaStream_t stream);

// ---- data ----------------------------------------------------------------------------------

// Row j of dst (width values) ← row idx[j] of src: the batch gather for device-resident data.
void gather_rows(const float* src, const std::int32_t* idx, float* dst, std::int64_t rows,
                 std::int64_t width, cudaStream_t stream);
void gather_rows(const std::int32_t* src, const std::int32_t* idx, std::int32_t* dst,
                 std::int64_t rows, std::int64_t width, cudaStream_t stream);

// cudaSuccess when this build holds a kernel image the current device can run.
cudaError_t probe_kernel_image();

}  // namespace batchlab::cuda
