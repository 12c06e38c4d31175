// defines: kSmallRows, small_forward, small_weight_grad, small_input_grad
// The three products of a layer for micro-batches of at most kSmallRows samples. There a GEMM
// costs more in set-up than in arithmetic (Eigen packs the whole weight matrix into panels on
// every call, a copy as big as the matrix), and the step is bound by passes over the weights and
// gradients rather than by multiply-adds. Each kernel here streams its matrix exactly once and
// keeps the batch's few columns in registers. Summation orders are fixed by the code, so results
// repeat bit for bit.
// Layouts as in cpu_mlp.h: a weight is row-major fan_out × fan_in; batches are column-major
// (one sample per column, ld = the column's length).
#pragma once

#include <cstdint>

namespace batchlab {

// Measured on the 784-256-256-10 MLP (bench/step_profile, callgrind on an AVX2 build): the three
// products take 25% fewer instructions than Eigen's GEMM at 8 rows, 44% fewer at 12; at 16 rows,
// where the batch's columns (16 × 784 floats) no longer fit in L1 beside the streamed matrix, the
// two are level in time, and beyond it the GEMM wins. 8 keeps the batch in L1 and the
// instantiations few.
inline constexpr std::int64_t kSmallRows = 8;

// z[:, r] = W · x[:, r] + b for r < rows ≤ kSmallRows, z's columns ldz apart (W may be a block
// of a layer's rows, z then the same rows of the layer's output).
void small_forward(const float* w, const float* b, const float* x, float* z, std::int64_t fan_out,
                   std::int64_t fan_in, std::int64_t rows, std::int64_t ldz);

// g (=|+=) Σ_r delta[:, r] · x[:, r]ᵀ (fan_out × fan_in, row-major) and db (=|+=) Σ_r delta[:, r],
// adding to what is there when `accumulate`, else overwriting it. Returns Σ of the squares of
// every value written, so |g|² comes with the pass that writes g.
double small_weight_grad(const float* x, const float* delta, float* g, float* db,
                         std::int64_t fan_out, std::int64_t fan_in, std::int64_t rows,
                         bool accumulate);

// out[:, r] = Wᵀ · delta[:, r]: ∂loss/∂(layer input), fan_in × rows.
void small_input_grad(const float* w, const float* delta, float* out, std::int64_t fan_out,
                      std::int64_t fan_in, std::int64_t rows);

}  // namespace batchlab
