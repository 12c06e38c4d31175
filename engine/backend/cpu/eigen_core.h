// defines: nothing; includes <Eigen/Core> for the CPU backend's sources.
// GCC 12 warns -Wmaybe-uninitialized inside its own avx512fintrin.h (the `__Y = __Y` idiom of
// _mm512_undefined_ps, GCC bug 105593) wherever Eigen's AVX-512 GEMM kernel is instantiated.
// The warning is about the compiler's header, not ours, so it is silenced for that header only.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop
