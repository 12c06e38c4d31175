#include "engine/experiment/store_sink.h"

#include <chrono>
#include <utility>

#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(250);
// Room for a quarter-second of fast steps, so on_step's push_back does not reallocate in steady
// state: the writer swaps its emptied (still reserved) vector back in at every flush.
constexpr std::size_t kReservedSteps = 8192;
constexpr std::size_t kReservedEvals = 64;

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
  steps_.push_back(e);
}

void StoreSink::on_eval(const EvalEvent& e) {
  std::lock_guard lock(mutex_);
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
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void StoreSink::writer_loop() {
  std::vector<StepEvent> steps;
  std::vector<EvalEvent> evals;
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
      store_->append_evals(evals);
    } catch (...) {
      error = std::current_exception();
    }
    steps.clear();
    evals.clear();
    // The final status goes in even when steps could not: the run must not stay `running`.
    if (finish) {
      try {
        store_->finish_run(finished);
      } catch (...) {
        if (!error) error = std::current_exception();
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
