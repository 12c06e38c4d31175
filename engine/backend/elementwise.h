// defines: BATCHLAB_HD, Relu, Tanh, Sigmoid, Gelu (activation functors with their derivatives),
//          softmax_xent_row, squared_error_row (loss and gradient per row), argmax_row,
//          sgd_step, sgd_momentum_step, AdamStep, make_adam_step, adam_step
// The element-wise maths of the MLP, written once. Every function is inline and marked
// BATCHLAB_HD so the CPU backend calls it in its loops and a CUDA backend calls the very same
// formulas from its kernels; the two backends can then differ only in summation order.
// Optimizer semantics are PyTorch's (torch.optim.SGD with dampening 0, torch.optim.Adam):
// weight decay is L2, added to the gradient before momentum or moments.
#pragma once

#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define BATCHLAB_HD __host__ __device__
#else
#define BATCHLAB_HD
#endif

namespace batchlab::ew {

// ---- activations: f(z) and f'(z). Derivatives take z so one stored tensor suffices. ----------

struct Relu {
  BATCHLAB_HD static float f(float z) { return z > 0.0f ? z : 0.0f; }
  BATCHLAB_HD static float df(float z) { return z > 0.0f ? 1.0f : 0.0f; }
};

struct Tanh {
  BATCHLAB_HD static float f(float z) { return tanhf(z); }
  BATCHLAB_HD static float df(float z) {
    const float t = tanhf(z);
    return 1.0f - t * t;
  }
};

struct Sigmoid {
  // Split on the sign so exp never overflows for large |z|.
  BATCHLAB_HD static float f(float z) {
    if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));
    const float e = expf(z);
    return e / (1.0f + e);
  }
  BATCHLAB_HD static float df(float z) {
    const float s = f(z);
    return s * (1.0f - s);
  }
};

// The tanh approximation, PyTorch's gelu(approximate='tanh'):
// 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))).
struct Gelu {
  static constexpr float kSqrt2OverPi = 0.7978845608028654f;
  static constexpr float kCubic = 0.044715f;
  BATCHLAB_HD static float f(float z) {
    const float u = kSqrt2OverPi * (z + kCubic * z * z * z);
    return 0.5f * z * (1.0f + tanhf(u));
  }
  BATCHLAB_HD static float df(float z) {
    const float u = kSqrt2OverPi * (z + kCubic * z * z * z);
    const float t = tanhf(u);
    const float du = kSqrt2OverPi * (1.0f + 3.0f * kCubic * z * z);
    return 0.5f * (1.0f + t) + 0.5f * z * (1.0f - t * t) * du;
  }
};

// ---- losses, one row (one sample's n outputs, `stride` apart) at a time ----------------------

// Softmax cross-entropy of logits z against class `label`, by log-sum-exp so large logits cannot
// overflow. Returns the row's loss. When `grad` is non-null it receives
// grad_scale·(softmax(z) − onehot(label)) at the same stride (it may alias z).
BATCHLAB_HD inline float softmax_xent_row(const float* z, float* grad, std::int64_t n,
                                          std::int64_t stride, std::int32_t label,
                                          float grad_scale) {
  float m = z[0];
  for (std::int64_t i = 1; i < n; ++i) m = fmaxf(m, z[i * stride]);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += expf(z[i * stride] - m);
  const float log_sum = logf(sum);
  const float loss = m + log_sum - z[label * stride];
  if (grad != nullptr) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float p = expf(z[i * stride] - m - log_sum);
      grad[i * stride] = grad_scale * (p - (i == label ? 1.0f : 0.0f));
    }
  }
  return loss;
}

// Squared error of a row of predictions y against targets t: returns Σ(y−t)² (the caller divides
// by what it averages over). When `grad` is non-null it receives grad_scale·2(y−t) (it may
// alias y).
BATCHLAB_HD inline float squared_error_row(const float* y, float* grad, const float* t,
                                           std::int64_t n, std::int64_t stride, float grad_scale) {
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) {
    const float d = y[i * stride] - t[i];
    sum += d * d;
    if (grad != nullptr) grad[i * stride] = grad_scale * 2.0f * d;
  }
  return sum;
}

// Index of the largest of n values `stride` apart; the first on ties.
BATCHLAB_HD inline std::int64_t argmax_row(const float* z, std::int64_t n, std::int64_t stride) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < n; ++i)
    if (z[i * stride] > z[best * stride]) best = i;
  return best;
}

// ---- optimizers: one parameter at a time --------------------------------------------------

// Plain SGD: p ← p − lr·(g + wd·p).
BATCHLAB_HD inline void sgd_step(float& p, float g, float lr, float weight_decay) {
  p -= lr * (g + weight_decay * p);
}

// SGD with momentum μ (torch.optim.SGD, dampening 0). The buffer starts at zero, so the first
// step leaves buf = g as PyTorch's clone does.
//   g ← g + wd·p;  buf ← μ·buf + g;  p ← p − lr·(nesterov ? g + μ·buf : buf)
BATCHLAB_HD inline void sgd_momentum_step(float& p, float& buf, float g, float lr, float momentum,
                                          float weight_decay, bool nesterov) {
  const float d = g + weight_decay * p;
  buf = momentum * buf + d;
  p -= lr * (nesterov ? d + momentum * buf : buf);
}

// Adam's per-step scalars, computed once per update from the step number t ≥ 1.
struct AdamStep {
  float step_size = 0.0f;       // lr / (1 − β₁ᵗ)
  float inv_bias2_sqrt = 0.0f;  // 1 / √(1 − β₂ᵗ)
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
};

BATCHLAB_HD inline AdamStep make_adam_step(double lr, std::int64_t t, double beta1, double beta2,
                                           double eps, double weight_decay) {
  const double td = static_cast<double>(t);
  AdamStep s;
  s.step_size = static_cast<float>(lr / (1.0 - pow(beta1, td)));
  s.inv_bias2_sqrt = static_cast<float>(1.0 / sqrt(1.0 - pow(beta2, td)));
  s.beta1 = static_cast<float>(beta1);
  s.beta2 = static_cast<float>(beta2);
  s.eps = static_cast<float>(eps);
  s.weight_decay = static_cast<float>(weight_decay);
  return s;
}

// torch.optim.Adam: g ← g + wd·p;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
// p ← p − step_size · m / (√v / √(1−β₂ᵗ) + ε).
BATCHLAB_HD inline void adam_step(float& p, float& m, float& v, float g, const AdamStep& s) {
  const float d = g + s.weight_decay * p;
  m = s.beta1 * m + (1.0f - s.beta1) * d;
  v = s.beta2 * v + (1.0f - s.beta2) * d * d;
  const float denom = sqrtf(v) * s.inv_bias2_sqrt + s.eps;
  p -= s.step_size * m / denom;
}

}  // namespace batchlab::ew
