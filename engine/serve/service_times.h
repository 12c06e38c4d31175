// defines: ServiceTimes, BackendService, MeasuredServiceTimes, LinearServiceTimes
// How long the server takes for a batch. On the real clock the batch really runs on the
// backend (BackendService) and its measured time is the batch's compute time. On the virtual
// clock the time is looked up: measured once per batch size on the backend and reused
// (MeasuredServiceTimes, so a simulation of an hour takes seconds and repeats exactly), or given
// as fixed + per-row seconds (LinearServiceTimes, for tests and what-if questions).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/data/dataset.h"

namespace batchlab {

class ServiceTimes {
 public:
  virtual ~ServiceTimes() = default;
  // The service time in seconds of one batch of these dataset rows (rows.size() ≥ 1).
  virtual double serve(std::span<const std::int64_t> rows) = 0;
  // True when serve() really computes, so the real clock has moved when it returns.
  virtual bool computes() const = 0;
};

// Stages the rows and runs the forward pass on a backend prepared (prepare_inference) for at
// least max_batch rows. The outputs buffer is allocated here, once.
class BackendService final : public ServiceTimes {
 public:
  BackendService(Backend& backend, const Dataset& data, std::int64_t max_batch,
                 std::int64_t outputs);
  double serve(std::span<const std::int64_t> rows) override;
  bool computes() const override { return true; }
  const Dataset& data() const { return data_; }

 private:
  Backend& backend_;
  const Dataset& data_;
  std::int64_t outputs_;
  std::vector<float> out_;
};

// The median of `repeats` runs (after one warm-up) the first time a batch size is asked for,
// then that number: deterministic from there on.
class MeasuredServiceTimes final : public ServiceTimes {
 public:
  explicit MeasuredServiceTimes(BackendService& backend, int repeats = 5);
  double serve(std::span<const std::int64_t> rows) override;
  bool computes() const override { return false; }
  // (batch size, seconds) for each size measured so far, smallest first.
  std::vector<std::pair<std::int64_t, double>> measured() const;

 private:
  BackendService& backend_;
  int repeats_;
  std::vector<double> seconds_;  // by batch size; NaN: not measured yet
};

class LinearServiceTimes final : public ServiceTimes {
 public:
  LinearServiceTimes(double fixed_s, double per_row_s) : fixed_s_(fixed_s), per_row_s_(per_row_s) {}
  double serve(std::span<const std::int64_t> rows) override {
    return fixed_s_ + per_row_s_ * static_cast<double>(rows.size());
  }
  bool computes() const override { return false; }

 private:
  double fixed_s_;
  double per_row_s_;
};

}  // namespace batchlab
