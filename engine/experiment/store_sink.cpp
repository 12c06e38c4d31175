// A store that cannot be written (disk full, read-only, damaged) ends the run: the writer keeps
// the first error, with what is in the store so far; the next on_step or on_eval throws it on
// the Trainer's thread, which ends the run `failed` with that message (the Trainer's catch).
// on_run_finished throws it only when the run was not already told, so a failure is reported
// exactly once and every sink after this one still receives the run's end.
#include "engine/experiment/store_sink.h"

#include <chrono>
#include <string>
#include <utility>

#include "engine/core/errors.h"
#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(250);
// Room for a quarter-second of fast steps, so on_step's push_back does not reallocate in steady
// state: the writer swaps its emptied (still reserved) vector back in at every flush.
constexpr std::size_t kReservedSteps = 8192;
constexpr std::size_t kReservedEvals = 64;

std::string message_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

// The store's own message names the file and SQLite's reason ("<path>: cannot write steps:
// database or disk is full"); this adds what a reader of the store will find.
std::exception_ptr write_failure(const std::exception_ptr& cause, std::int64_t last_step) {
  const std::string kept = last_step > 0 ? "steps 1 to " + std::to_string(last_step) +
                                               " of this run are in the store and stay readable"
                                         : "no steps of this run are in the store";
  return std::make_exception_ptr(Error(message_of(cause) + " (" + kept + ")"));
}

}  // namespace

StoreSink::StoreSink(std::filesystem::path store_path)
    : path_(std::move(store_path)), store_(std::make_unique<RunStore>(path_)) {
  steps_.reserve(kReservedSteps);
  evals_.reserve(kReservedEvals);
  writer_ = std::thread([this] { writer_loop(); });
}

StoreSink::~StoreSink() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void StoreSink::on_step(const StepEvent& e) {
  std::lock_guard lock(mutex_);
  if (error_) [[unlikely]]
    std::rethrow_exception(error_);
  steps_.push_back(e);
}

void StoreSink::on_eval(const EvalEvent& e) {
  std::lock_guard lock(mutex_);
  if (error_) [[unlikely]]
    std::rethrow_exception(error_);
  evals_.push_back(e);
}

void StoreSink::on_run_finished(const RunFinished& e) {
  std::unique_lock lock(mutex_);
  finished_ = e;
  finished_pending_ = true;
  flushed_ = false;
  cv_.notify_all();
  // The caller may read the store or exit right after: wait until the run is written.
  flushed_cv_.wait(lock, [&] { return flushed_; });
  // A run that ends `failed` with this very message has been told (by on_step, or by this
  // function on its first call); throwing again would skip the sinks after this one.
  if (error_ && !(e.status == RunStatus::failed && e.reason == message_of(error_)))
    std::rethrow_exception(error_);
}

void StoreSink::writer_loop() {
  std::vector<StepEvent> steps;
  std::vector<EvalEvent> evals;
  std::int64_t last_step = 0;  // the last step known to be in the store
  steps.reserve(kReservedSteps);
  evals.reserve(kReservedEvals);
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait_for(lock, kFlushInterval, [&] { return quit_ || finished_pending_; });
    steps.swap(steps_);
    evals.swap(evals_);
    const bool finish = std::exchange(finished_pending_, false);
    const RunFinished finished = finish ? finished_ : RunFinished{};
    const bool quit = quit_;
    lock.unlock();

    std::exception_ptr error;
    try {
      store_->append_steps(steps);
      if (!steps.empty()) last_step = steps.back().step;
      store_->append_evals(evals);
    } catch (...) {
      error = write_failure(std::current_exception(), last_step);
    }
    steps.clear();
    evals.clear();
    // The final status goes in even when steps could not: the run must not stay `running`.
    if (finish) {
      try {
        store_->finish_run(finished);
      } catch (...) {
        if (!error) error = write_failure(std::current_exception(), last_step);
      }
    }

    lock.lock();
    if (error && !error_) error_ = error;
    if (finish) {
      flushed_ = true;
      flushed_cv_.notify_all();
    }
    if (quit && steps_.empty() && evals_.empty() && !finished_pending_) break;
  }
}

}  // namespace batchlab
