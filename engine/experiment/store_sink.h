// defines: StoreSink (EventSink → RunStore, batched on a writer thread)
// on_step copies the event into a buffer under a mutex and returns; a writer thread with its
// own RunStore connection flushes every 250 ms in one transaction. A crash or kill therefore
// loses at most the last quarter-second of steps and never the file. on_run_finished flushes
// everything, writes the final status and returns once both are in the store; it throws Error
// when the store could not be written during the run.
#pragma once

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/core/event_sink.h"

namespace batchlab {

class RunStore;

class StoreSink final : public EventSink {
 public:
  // Opens the store on the calling thread, so a bad path throws here.
  explicit StoreSink(std::filesystem::path store_path);
  ~StoreSink() override;  // flushes and joins

  void on_step(const StepEvent& e) override;
  void on_eval(const EvalEvent& e) override;
  void on_run_finished(const RunFinished& e) override;

 private:
  void writer_loop();

  std::filesystem::path path_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StepEvent> steps_;
  std::vector<EvalEvent> evals_;
  bool finished_pending_ = false;
  RunFinished finished_;
  bool quit_ = false;
  bool flushed_ = false;
  std::condition_variable flushed_cv_;
  std::unique_ptr<RunStore> store_;  // used by the writer thread only once it runs
  std::exception_ptr error_;         // the first failed write, reported by on_run_finished
  std::thread writer_;
};

}  // namespace batchlab
