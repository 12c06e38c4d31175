#include "engine/train/sampler.h"

#include <algorithm>
#include <numeric>

namespace batchlab {

Sampler::Sampler(std::int64_t rows, Sampling sampling, bool drop_last, std::uint64_t seed)
    : rows_(rows), sampling_(sampling), drop_last_(drop_last), rng_(seed ^ 0x5a3b1e5eedULL) {
  if (sampling_ != Sampling::replacement) {
    order_.resize(static_cast<std::size_t>(rows_));
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
  }
  start_epoch();
}

void Sampler::start_epoch() {
  pos_ = 0;
  if (sampling_ == Sampling::reshuffle) shuffle(std::span<std::int64_t>(order_), rng_);
}

std::int64_t Sampler::batches_per_epoch(std::int64_t rows, std::int64_t b, bool drop_last) {
  if (b <= 0) return 0;
  b = std::min(b, rows);
  return drop_last ? rows / b : (rows + b - 1) / b;
}

std::int64_t Sampler::open_batch(std::int64_t batch) {
  if (batch <= 0) return 0;
  if (drop_last_ && rows_ - pos_ < batch) {  // the batch grew since the last call
    ++epoch_;
    start_epoch();
  }
  return std::min(batch, rows_ - pos_);
}

void Sampler::close_batch(std::int64_t n, std::int64_t batch) {
  pos_ += n;
  // Close the epoch as soon as no further batch of this size fits, so epochs_done() reads a
  // whole number at an epoch's end (drop_last discards the short tail here).
  if (pos_ == rows_ || (drop_last_ && rows_ - pos_ < batch)) {
    ++epoch_;
    start_epoch();
  }
}

std::int64_t Sampler::next_batch(std::int64_t batch, std::span<std::int64_t> out) {
  batch = std::min({batch, rows_, static_cast<std::int64_t>(out.size())});
  const std::int64_t n = open_batch(batch);
  if (n <= 0) return 0;
  if (sampling_ == Sampling::replacement) {
    for (std::int64_t i = 0; i < n; ++i)
      out[static_cast<std::size_t>(i)] =
          static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(rows_)));
  } else {
    std::copy_n(order_.begin() + pos_, n, out.begin());
  }
  close_batch(n, batch);
  return n;
}

std::int64_t Sampler::skip_batch(std::int64_t batch) {
  batch = std::min(batch, rows_);
  const std::int64_t n = open_batch(batch);
  if (n > 0) close_batch(n, batch);
  return n;
}

}  // namespace batchlab
