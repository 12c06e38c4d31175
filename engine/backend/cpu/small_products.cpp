#include "engine/backend/cpu/small_products.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "engine/backend/cpu/eigen_core.h"

namespace batchlab {
namespace {

// Eigen's packet layer: 16 floats with AVX-512, 8 with AVX, 4 with SSE, and plain float when
// vectorisation is off, with FMA where the CPU has it.
namespace ei = Eigen::internal;
using Packet = ei::packet_traits<float>::type;
using Index = std::int64_t;
constexpr Index kP = ei::packet_traits<float>::size;
constexpr int kRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS;
// Column counts are compile-time so the accumulators below live in registers.
constexpr int kMaxCols = 8;

// How many R-wide groups of accumulators fit in the vector registers beside the loads.
constexpr int blocks_for(int cols, int cap) {
  return std::clamp((kRegisters - 3) / (cols + 1), 1, cap);
}

// Calls fn(std::integral_constant<int, rows>) for 1 ≤ rows ≤ kMaxCols.
template <typename Fn>
void with_cols(Index rows, Fn&& fn) {
  [&]<int... C>(std::integer_sequence<int, C...>) {
    (void)((rows == C + 1 ? (fn(std::integral_constant<int, C + 1>{}), true) : false) || ...);
  }
  (std::make_integer_sequence<int, kMaxCols>{});
}

// ---- forward: M rows of z at a time, each a dot product of a weight row with R columns -------

template <int M, int R>
void forward_rows(const float* w, const float* b, const float* x, float* z, Index o, Index ldz,
                  Index fan_in) {
  const Index vec_end = fan_in - fan_in % kP;
  const float* wr = w + o * fan_in;
  Packet acc[M][R];
  for (int m = 0; m < M; ++m)
    for (int r = 0; r < R; ++r) acc[m][r] = ei::pset1<Packet>(0.0f);
  for (Index i = 0; i < vec_end; i += kP) {
    Packet wv[M];
    for (int m = 0; m < M; ++m) wv[m] = ei::ploadu<Packet>(wr + m * fan_in + i);
    for (int r = 0; r < R; ++r) {
      const Packet xv = ei::ploadu<Packet>(x + r * fan_in + i);
      for (int m = 0; m < M; ++m) acc[m][r] = ei::pmadd(wv[m], xv, acc[m][r]);
    }
  }
  for (int m = 0; m < M; ++m)
    for (int r = 0; r < R; ++r) {
      float s = ei::predux(acc[m][r]);
      for (Index i = vec_end; i < fan_in; ++i) s += wr[m * fan_in + i] * x[r * fan_in + i];
      z[r * ldz + o + m] = b[o + m] + s;
    }
}

template <int R>
void forward_cols(const float* w, const float* b, const float* x, float* z, Index fan_out,
                  Index fan_in, Index ldz) {
  constexpr int M = blocks_for(R, 8);
  Index o = 0;
  for (; o + M <= fan_out; o += M) forward_rows<M, R>(w, b, x, z, o, ldz, fan_in);
  for (; o < fan_out; ++o) forward_rows<1, R>(w, b, x, z, o, ldz, fan_in);
}

// ---- weight gradient: one row of g per weight row, written once, squared on the way ----------

template <int R, bool Accumulate>
double weight_grad_cols(const float* x, const float* delta, float* g, float* db, Index fan_out,
                        Index fan_in) {
  const Index vec_end = fan_in - fan_in % kP;
  double total = 0.0;
  for (Index o = 0; o < fan_out; ++o) {
    float ds[R];
    Packet d[R];
    for (int r = 0; r < R; ++r) {
      ds[r] = delta[r * fan_out + o];
      d[r] = ei::pset1<Packet>(ds[r]);
    }
    float* gr = g + o * fan_in;
    const auto packet_at = [&](Index i) {
      Packet s = ei::pmul(d[0], ei::ploadu<Packet>(x + i));
      for (int r = 1; r < R; ++r) s = ei::pmadd(d[r], ei::ploadu<Packet>(x + r * fan_in + i), s);
      if constexpr (Accumulate) s = ei::padd(ei::ploadu<Packet>(gr + i), s);
      ei::pstoreu(gr + i, s);
      return s;
    };
    // Two square accumulators: one would chain every FMA of the row on the previous one.
    Packet sq0 = ei::pset1<Packet>(0.0f), sq1 = sq0;
    Index i = 0;
    for (; i + 2 * kP <= vec_end; i += 2 * kP) {
      const Packet s0 = packet_at(i), s1 = packet_at(i + kP);
      sq0 = ei::pmadd(s0, s0, sq0);
      sq1 = ei::pmadd(s1, s1, sq1);
    }
    if (i < vec_end) {
      const Packet s0 = packet_at(i);
      sq0 = ei::pmadd(s0, s0, sq0);
    }
    float sq = ei::predux(ei::padd(sq0, sq1));
    for (i = vec_end; i < fan_in; ++i) {
      float s = ds[0] * x[i];
      for (int r = 1; r < R; ++r) s += ds[r] * x[r * fan_in + i];
      if constexpr (Accumulate) s = gr[i] + s;
      gr[i] = s;
      sq += s * s;
    }
    float sb = ds[0];
    for (int r = 1; r < R; ++r) sb += ds[r];
    if constexpr (Accumulate) sb = db[o] + sb;
    db[o] = sb;
    // Float within a row (≤ a few thousand squares), double across rows: ~1e-7 relative.
    total += static_cast<double>(sq) + static_cast<double>(sb) * sb;
  }
  return total;
}

// ---- input gradient: N packets of out's rows at a time, summed over the weight rows ----------

template <int R, int N>
void input_grad_block(const float* w, const float* delta, float* out, Index i, Index fan_out,
                      Index fan_in) {
  Packet acc[R][N];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) acc[r][n] = ei::pset1<Packet>(0.0f);
  for (Index o = 0; o < fan_out; ++o) {
    const float* wr = w + o * fan_in + i;
    Packet wv[N];
    for (int n = 0; n < N; ++n) wv[n] = ei::ploadu<Packet>(wr + n * kP);
    for (int r = 0; r < R; ++r) {
      const Packet d = ei::pset1<Packet>(delta[r * fan_out + o]);
      for (int n = 0; n < N; ++n) acc[r][n] = ei::pmadd(wv[n], d, acc[r][n]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < N; ++n) ei::pstoreu(out + r * fan_in + i + n * kP, acc[r][n]);
}

template <int R>
void input_grad_cols(const float* w, const float* delta, float* out, Index fan_out, Index fan_in) {
  constexpr int N = blocks_for(R, 4);
  const Index vec_end = fan_in - fan_in % kP;
  Index i = 0;
  for (; i + N * kP <= vec_end; i += N * kP)
    input_grad_block<R, N>(w, delta, out, i, fan_out, fan_in);
  for (; i < vec_end; i += kP) input_grad_block<R, 1>(w, delta, out, i, fan_out, fan_in);
  for (; i < fan_in; ++i)
    for (int r = 0; r < R; ++r) {
      float s = 0.0f;
      for (Index o = 0; o < fan_out; ++o) s += w[o * fan_in + i] * delta[r * fan_out + o];
      out[r * fan_in + i] = s;
    }
}

}  // namespace

static_assert(kSmallRows <= kMaxCols, "the weight gradient takes all its columns in one pass");

void small_forward(const float* w, const float* b, const float* x, float* z, std::int64_t fan_out,
                   std::int64_t fan_in, std::int64_t rows, std::int64_t ldz) {
  with_cols(rows, [&](auto cols) { forward_cols<cols()>(w, b, x, z, fan_out, fan_in, ldz); });
}

double small_weight_grad(const float* x, const float* delta, float* g, float* db,
                         std::int64_t fan_out, std::int64_t fan_in, std::int64_t rows,
                         bool accumulate) {
  double norm2 = 0.0;
  with_cols(rows, [&](auto cols) {
    norm2 = accumulate ? weight_grad_cols<cols(), true>(x, delta, g, db, fan_out, fan_in)
                       : weight_grad_cols<cols(), false>(x, delta, g, db, fan_out, fan_in);
  });
  return norm2;
}

void small_input_grad(const float* w, const float* delta, float* out, std::int64_t fan_out,
                      std::int64_t fan_in, std::int64_t rows) {
  with_cols(rows, [&](auto cols) { input_grad_cols<cols()>(w, delta, out, fan_out, fan_in); });
}

}  // namespace batchlab
