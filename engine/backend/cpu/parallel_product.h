// defines: product_into (dst = or += lhs · rhs, split into independent slices across threads)
// Eigen's own parallel GEMM shares packed panels between threads and busy-waits on every block
// of the product for the others' panels, so one descheduled thread stalls all of them: on a
// 2-core machine busy with other work, a 784-256-256-10 step at batch 512 took 88 ms with it
// against 8 ms on one thread. Here each thread computes its own rows or columns of dst with
// Eigen's sequential GEMM and the threads meet once, at the end (18 ms on the same busy machine;
// on an idle one both reach ~90% of the GEMM peak at batch 4096). A slice's result does not
// depend on which thread computes it, so runs repeat bit for bit.
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/backend/cpu/eigen_core.h"

namespace batchlab {

// Below this many multiply-adds (~0.1 ms on one core) a fork/join risks more than it saves:
// on a busy machine every join can wait a whole scheduler slice for a descheduled thread.
inline constexpr double kParallelMacs = 8.0e6;

enum class Accumulate : bool { no = false, yes = true };

template <typename Dst, typename Lhs, typename Rhs>
void product_into(Dst&& dst, const Lhs& lhs, const Rhs& rhs, Accumulate accumulate, int threads) {
  const auto run = [accumulate](auto&& d, const auto& l, const auto& r) {
    if (accumulate == Accumulate::yes)
      d.noalias() += l * r;
    else
      d.noalias() = l * r;
  };
  const Eigen::Index m = dst.rows(), n = dst.cols(), k = lhs.cols();
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (threads <= 1 || macs < kParallelMacs) {
    run(dst, lhs, rhs);
    return;
  }
  // Split the longer side of dst, in multiples of 16 floats (a cache line, a SIMD register).
  const bool by_columns = n >= m;
  const Eigen::Index extent = by_columns ? n : m;
  const Eigen::Index step = ((extent + threads - 1) / threads + 15) / 16 * 16;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
  for (int s = 0; s < threads; ++s) {
    const Eigen::Index begin = s * step;
    if (begin >= extent) continue;
    const Eigen::Index len = std::min(step, extent - begin);
    if (by_columns)
      run(dst.middleCols(begin, len), lhs, rhs.middleCols(begin, len));
    else
      run(dst.middleRows(begin, len), lhs.middleRows(begin, len), rhs);
  }
}

}  // namespace batchlab
