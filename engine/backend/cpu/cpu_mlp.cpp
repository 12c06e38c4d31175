#include "engine/backend/cpu/cpu_mlp.h"

#include <algorithm>
#include <limits>

#include "engine/backend/cpu/eigen_core.h"
#include "engine/backend/cpu/parallel_product.h"
#include "engine/backend/cpu/small_products.h"
#include "engine/backend/elementwise.h"

namespace batchlab {
namespace {

using Mat = Eigen::Map<Eigen::MatrixXf>;
using ConstMat = Eigen::Map<const Eigen::MatrixXf>;
using Vec = Eigen::Map<Eigen::VectorXf>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

// Calls fn with the functor of `act`, so the loops below are compiled once per activation with
// the function inlined, instead of switching per element.
template <typename Fn>
void with_activation(Activation act, Fn&& fn) {
  switch (act) {
    case Activation::relu:
      return fn(ew::Relu{});
    case Activation::tanh:
      return fn(ew::Tanh{});
    case Activation::sigmoid:
      return fn(ew::Sigmoid{});
    case Activation::gelu:
      return fn(ew::Gelu{});
  }
}

// Threads are ours to split (parallel_product.h): Eigen's own GEMM threading stays off.
void eigen_single_threaded() {
  Eigen::setNbThreads(1);
}

// Weight rows per block when a deferred update rides along with the forward pass: the update
// leaves the block's rows in L1/L2 for the products (24 rows of 784 floats: 75 KB per buffer).
constexpr std::int64_t kFusedRows = 24;

template <typename F>
void activate(const float* __restrict z, float* __restrict a, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) a[i] = F::f(z[i]);
}

// delta ← delta ⊙ f'(z): turns ∂loss/∂a into ∂loss/∂z in place.
template <typename F>
void times_derivative(const float* __restrict z, float* __restrict delta, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) delta[i] *= F::df(z[i]);
}

}  // namespace

void CpuMlp::forward(std::int64_t rows, const CpuUpdate* pending) const {
  eigen_single_threaded();
  const float* input = x;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const CpuLayer& layer = layers[l];
    const std::int64_t fan_in = layer.fan_in;
    if (pending != nullptr) pending->apply(layer.bias_offset, layer.bias_offset + layer.fan_out);
    if (rows <= kSmallRows) {
      // Memory-bound update and FMA-bound products in one pass over the weights.
      const std::int64_t block = pending != nullptr ? kFusedRows : layer.fan_out;
      for (std::int64_t o = 0; o < layer.fan_out; o += block) {
        const std::int64_t n = std::min(block, layer.fan_out - o);
        const std::int64_t first = layer.weight_offset + o * fan_in;
        if (pending != nullptr) pending->apply(first, first + n * fan_in);
        small_forward(layer.weight + o * fan_in, layer.bias + o, input, layer.z + o, n, fan_in,
                      rows, layer.fan_out);
      }
    } else {
      if (pending != nullptr)
        pending->apply(layer.weight_offset, layer.weight_offset + layer.fan_out * fan_in);
      ConstMat weight_t(layer.weight, layer.fan_in, layer.fan_out);
      ConstMat in(input, layer.fan_in, rows);
      Mat z(layer.z, layer.fan_out, rows);
      // Broadcasting the bias first lets the GEMM accumulate onto it: one pass over z, not two.
      z.colwise() = ConstVec(layer.bias, layer.fan_out);
      product_into(z, weight_t.transpose(), in, Accumulate::yes, threads);
    }
    if (l + 1 < layers.size()) {
      with_activation(activation, [&](auto f) {
        activate<decltype(f)>(layer.z, layer.a, layer.fan_out * rows);
      });
    }
    input = layer.a;
  }
}

BackwardResult CpuMlp::backward(std::int64_t rows, float grad_scale, Accumulate grads) const {
  const CpuLayer& out = layers.back();
  const std::int64_t n_out = out.fan_out;
  const auto b = static_cast<float>(rows);
  double loss_sum = 0.0;
  // The output delta ∂(grad_scale · mean loss)/∂logits replaces the logits in place.
  if (task == Task::classification) {
    const float scale = grad_scale / b;
    for (std::int64_t j = 0; j < rows; ++j) {
      float* logits = out.z + j * n_out;
      loss_sum += ew::softmax_xent_row(logits, logits, n_out, 1, labels[j], scale);
    }
  } else {
    const float scale = grad_scale / (b * static_cast<float>(n_out));
    for (std::int64_t j = 0; j < rows; ++j) {
      float* y = out.z + j * n_out;
      loss_sum += ew::squared_error_row(y, y, targets + j * n_out, n_out, 1, scale) /
                  static_cast<double>(n_out);
    }
  }

  eigen_single_threaded();
  const bool small = rows <= kSmallRows;
  double norm2 = small ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  for (std::size_t l = layers.size(); l-- > 0;) {
    const CpuLayer& layer = layers[l];
    ConstMat delta(layer.a, layer.fan_out, rows);
    const float* input = l > 0 ? layers[l - 1].a : x;
    // dWᵀ (+)= input · deltaᵀ and db (+)= Σ_rows delta, straight into the buffers.
    if (small) {
      norm2 += small_weight_grad(input, layer.a, layer.weight_grad, layer.bias_grad, layer.fan_out,
                                 layer.fan_in, rows, grads == Accumulate::yes);
    } else {
      Mat weight_grad_t(layer.weight_grad, layer.fan_in, layer.fan_out);
      product_into(weight_grad_t, ConstMat(input, layer.fan_in, rows), delta.transpose(), grads,
                   threads);
      Vec bias_grad(layer.bias_grad, layer.fan_out);
      if (grads == Accumulate::yes)
        bias_grad.noalias() += delta.rowwise().sum();
      else
        bias_grad.noalias() = delta.rowwise().sum();
    }
    // Layer l's gradient is final: a data-parallel backend reduces it while we go on down.
    if (grad_ready != nullptr) grad_ready->gradient_ready(static_cast<int>(l));
    if (l == 0) break;  // no gradient for the inputs
    // The previous activation has served its last use above; its storage takes ∂loss/∂a.
    const CpuLayer& prev = layers[l - 1];
    if (small) {
      small_input_grad(layer.weight, layer.a, prev.a, layer.fan_out, layer.fan_in, rows);
    } else {
      Mat prev_delta(prev.a, prev.fan_out, rows);
      product_into(prev_delta, ConstMat(layer.weight, layer.fan_in, layer.fan_out), delta,
                   Accumulate::no, threads);
    }
    with_activation(activation, [&](auto f) {
      times_derivative<decltype(f)>(prev.z, prev.a, prev.fan_out * rows);
    });
  }
  return {loss_sum / static_cast<double>(rows), norm2};
}

EvalTotals CpuMlp::totals(std::int64_t rows) const {
  const CpuLayer& out = layers.back();
  const std::int64_t n_out = out.fan_out;
  EvalTotals t;
  t.rows = rows;
  for (std::int64_t j = 0; j < rows; ++j) {
    const float* y = out.z + j * n_out;
    if (task == Task::classification) {
      t.loss_sum += ew::softmax_xent_row(y, nullptr, n_out, 1, labels[j], 0.0f);
      if (ew::argmax_row(y, n_out, 1) == labels[j]) ++t.correct;
    } else {
      t.loss_sum += ew::squared_error_row(y, nullptr, targets + j * n_out, n_out, 1, 0.0f) /
                    static_cast<double>(n_out);
    }
  }
  return t;
}

}  // namespace batchlab
