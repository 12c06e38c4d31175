#include "engine/backend/cuda/cuda_mlp.h"

#include <limits>
#include <string>

#include "engine/backend/cuda/cuda_check.h"

namespace batchlab::cuda {
namespace {

int blas_int(std::int64_t v) {
  if (v > std::numeric_limits<int>::max())
    throw Error("CUDA backend: a matrix dimension of " + std::to_string(v) +
                " exceeds cuBLAS's 32-bit sizes — lower batch.size");
  return static_cast<int>(v);
}

// C (m × n) = op(A) · op(B) + beta · C, all column-major, alpha = 1. op(A) is m × k and op(B)
// is k × n; lda, ldb, ldc are the stored matrices' leading dimensions (their row counts).
void gemm(cublasHandle_t blas, cublasOperation_t op_a, cublasOperation_t op_b, std::int64_t m,
          std::int64_t n, std::int64_t k, const float* a, std::int64_t lda, const float* b,
          std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  const float alpha = 1.0f;
  BATCHLAB_CUBLAS_CHECK(cublasSgemm(blas, op_a, op_b, blas_int(m), blas_int(n), blas_int(k), &alpha,
                                    a, blas_int(lda), b, blas_int(ldb), &beta, c, blas_int(ldc)));
}

}  // namespace

// The GEMM mapping, once for all three products (B = rows, W row-major fan_out × fan_in is the
// column-major matrix Wᵀ: fan_in × fan_out, ld fan_in):
//   forward   Z  (fan_out × B)      = W · X        → Sgemm(T, N, m=fan_out, n=B, k=fan_in,
//                                                          A=Wᵀ ld fan_in, B=X ld fan_in, β=0,
//                                                          C=Z ld fan_out)
//   weights   dWᵀ (fan_in × fan_out) += X · Δᵀ     → Sgemm(N, T, m=fan_in, n=fan_out, k=B,
//                                                          A=X ld fan_in, B=Δ ld fan_out, β=1,
//                                                          C=dWᵀ ld fan_in)
//   inputs    ΔX (fan_in × B)       = Wᵀ · Δ       → Sgemm(N, N, m=fan_in, n=B, k=fan_out,
//                                                          A=Wᵀ ld fan_in, B=Δ ld fan_out, β=0,
//                                                          C=ΔX ld fan_in)
// dWᵀ stored column-major fan_in × fan_out is dW row-major fan_out × fan_in: the parameter
// layout, so gradients land where the layout table says.
void CudaMlp::forward(const float* x, std::int64_t rows) const {
  const float* input = x;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const CudaLayer& layer = layers[l];
    gemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, layer.fan_out, rows, layer.fan_in, layer.weight,
         layer.fan_in, input, layer.fan_in, 0.0f, layer.z, layer.fan_out);
    const bool hidden = l + 1 < layers.size();
    bias_activation(activation, hidden, layer.z, layer.a, layer.bias, layer.fan_out, rows, stream);
    input = layer.a;
  }
}

void CudaMlp::loss_and_backward(const float* x, const std::int32_t* labels, const float* targets,
                                std::int64_t rows, float grad_scale) const {
  const CudaLayer& out = layers.back();
  const auto b = static_cast<float>(rows);
  // The output delta ∂(grad_scale · mean loss)/∂logits replaces the logits in place; the scale
  // expressions are the CPU backend's, so both round alike.
  if (task == Task::classification) {
    softmax_xent_rows(out.z, labels, out.fan_out, rows, grad_scale / b, row_loss, stream);
    sum_row_losses(row_loss, rows, 1.0, grad_scale, scalars, stream);
  } else {
    const float scale = grad_scale / (b * static_cast<float>(out.fan_out));
    squared_error_rows(out.z, targets, out.fan_out, rows, scale, row_loss, stream);
    sum_row_losses(row_loss, rows, static_cast<double>(out.fan_out), grad_scale, scalars, stream);
  }

  for (std::size_t l = layers.size(); l-- > 0;) {
    const CudaLayer& layer = layers[l];
    const float* delta = layer.a;
    const float* input = l > 0 ? layers[l - 1].a : x;
    gemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, layer.fan_in, layer.fan_out, rows, input, layer.fan_in,
         delta, layer.fan_out, 1.0f, layer.weight_grad, layer.fan_in);
    bias_grad(delta, layer.bias_grad, layer.fan_out, rows, bias_partials, stream);
    if (l == 0) break;  // no gradient for the inputs
    // The previous activation has served its last use above (stream order); it takes ∂loss/∂a.
    const CudaLayer& prev = layers[l - 1];
    gemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, layer.fan_in, rows, layer.fan_out, layer.weight,
         layer.fan_in, delta, layer.fan_out, 0.0f, prev.a, layer.fan_in);
    activation_backward(activation, prev.z, prev.a, prev.fan_out * rows, stream);
  }
}

void CudaMlp::evaluate(const std::int32_t* labels, const float* targets, std::int64_t rows) const {
  const CudaLayer& out = layers.back();
  eval_rows(task, out.z, labels, targets, out.fan_out, rows, row_loss, row_hit, stream);
  const double per_row = task == Task::classification ? 1.0 : static_cast<double>(out.fan_out);
  sum_eval(row_loss, row_hit, rows, per_row, scalars, stream);
}

}  // namespace batchlab::cuda
