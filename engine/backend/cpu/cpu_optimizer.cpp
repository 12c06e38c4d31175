#include "engine/backend/cpu/cpu_optimizer.h"

#include "engine/backend/elementwise.h"

namespace batchlab {

void cpu_apply_update(const OptimizerConfig& opt, double lr, std::int64_t adam_t,
                      float* __restrict params, const float* __restrict grads,
                      float* __restrict state, std::int64_t p) {
  const auto wd = static_cast<float>(opt.weight_decay);
  if (opt.kind == OptimizerKind::adam) {
    const ew::AdamStep s =
        ew::make_adam_step(lr, adam_t, opt.beta1, opt.beta2, opt.eps, opt.weight_decay);
    float* __restrict m = state;
    float* __restrict v = state + p;
    for (std::int64_t i = 0; i < p; ++i) ew::adam_step(params[i], m[i], v[i], grads[i], s);
    return;
  }
  const auto rate = static_cast<float>(lr);
  if (opt.momentum == 0.0) {
    for (std::int64_t i = 0; i < p; ++i) ew::sgd_step(params[i], grads[i], rate, wd);
    return;
  }
  const auto mu = static_cast<float>(opt.momentum);
  // Two loops so the branch on nesterov is hoisted and each loop vectorises.
  if (opt.nesterov) {
    for (std::int64_t i = 0; i < p; ++i)
      ew::sgd_momentum_step(params[i], state[i], grads[i], rate, mu, wd, true);
  } else {
    for (std::int64_t i = 0; i < p; ++i)
      ew::sgd_momentum_step(params[i], state[i], grads[i], rate, mu, wd, false);
  }
}

}  // namespace batchlab
