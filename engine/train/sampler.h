// defines: Sampler (row indices for each batch: reshuffle, fixed order, with replacement)
// An epoch is one pass over the training rows. Reshuffle draws a new permutation each epoch from
// the run's seed; fixed keeps the dataset order; replacement draws every row independently (its
// "epoch" is rows draws). With drop_last a batch that would be short at an epoch's end is
// skipped and the next epoch begins. The batch size may change between calls (schedules).
// next_batch writes into the caller's buffer: nothing is allocated after construction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/core/rng.h"
#include "engine/core/run_config.h"

namespace batchlab {

class Sampler {
 public:
  Sampler(std::int64_t rows, Sampling sampling, bool drop_last, std::uint64_t seed);

  // Fills out[0..n) with the next batch of up to `batch` rows (batch ≤ out.size()) and returns n.
  // n < batch only for the last batch of an epoch without drop_last.
  std::int64_t next_batch(std::int64_t batch, std::span<std::int64_t> out);

  // Moves on exactly as next_batch(batch, ...) would and returns its n, without drawing row
  // indices: the run plan (run_plan.h) counts steps with the Trainer's own epoch arithmetic.
  // Construct with Sampling::fixed for that, so no epoch pays for a shuffle.
  std::int64_t skip_batch(std::int64_t batch);

  // Epochs completed, fractional: 2.5 means halfway through the third epoch.
  double epochs_done() const {
    return static_cast<double>(epoch_) + static_cast<double>(pos_) / static_cast<double>(rows_);
  }
  std::int64_t epoch() const { return epoch_; }
  std::int64_t rows() const { return rows_; }

  // Batches in one epoch at batch size b.
  static std::int64_t batches_per_epoch(std::int64_t rows, std::int64_t b, bool drop_last);

 private:
  void start_epoch();
  // next_batch's bookkeeping, shared with skip_batch: open_batch starts a new epoch where a
  // drop_last batch no longer fits and returns the batch's row count; close_batch moves past it.
  std::int64_t open_batch(std::int64_t batch);
  void close_batch(std::int64_t n, std::int64_t batch);

  std::int64_t rows_;
  Sampling sampling_;
  bool drop_last_;
  Rng rng_;
  std::vector<std::int64_t> order_;
  std::int64_t pos_ = 0;
  std::int64_t epoch_ = 0;
};

}  // namespace batchlab
