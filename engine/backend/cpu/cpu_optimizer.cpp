#include "engine/backend/cpu/cpu_optimizer.h"

namespace batchlab {

CpuUpdate::CpuUpdate(const OptimizerConfig& opt, double lr, std::int64_t adam_t, float* params,
                     const float* grads, float* state, std::int64_t p)
    : opt_(opt), lr_(static_cast<float>(lr)), params_(params), grads_(grads), m_(state), p_(p) {
  if (opt.kind == OptimizerKind::adam) {
    adam_ = ew::make_adam_step(lr, adam_t, opt.beta1, opt.beta2, opt.eps, opt.weight_decay);
    v_ = state + p;
  }
}

void CpuUpdate::apply(std::int64_t begin, std::int64_t end) const {
  float* __restrict params = params_;
  const float* __restrict grads = grads_;
  float* __restrict m = m_;
  float* __restrict v = v_;
  const auto wd = static_cast<float>(opt_.weight_decay);
  if (opt_.kind == OptimizerKind::adam) {
    for (std::int64_t i = begin; i < end; ++i)
      ew::adam_step(params[i], m[i], v[i], grads[i], adam_);
    return;
  }
  if (opt_.momentum == 0.0) {
    for (std::int64_t i = begin; i < end; ++i) ew::sgd_step(params[i], grads[i], lr_, wd);
    return;
  }
  const auto mu = static_cast<float>(opt_.momentum);
  // Two loops so the branch on nesterov is hoisted and each loop vectorises.
  if (opt_.nesterov) {
    for (std::int64_t i = begin; i < end; ++i)
      ew::sgd_momentum_step(params[i], m[i], grads[i], lr_, mu, wd, true);
  } else {
    for (std::int64_t i = begin; i < end; ++i)
      ew::sgd_momentum_step(params[i], m[i], grads[i], lr_, mu, wd, false);
  }
}

}  // namespace batchlab
