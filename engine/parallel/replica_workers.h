// defines: ReplicaWorkers (one persistent thread per replica, woken for each job)
// Threads are started once, when the data-parallel backend is made (once per run), and sleep on
// a futex (std::atomic::wait) between jobs: a step wakes them with one atomic increment and waits
// for the last to finish with another; no thread is created, no lock taken, nothing allocated.
// When the process may use at least one core per replica, replica r is pinned to its own slice of
// the allowed cores (its backend's threads, started from it, inherit the slice).
// Threading: run() from one thread at a time (the Trainer's).
#pragma once

#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace batchlab {

class ReplicaWorkers {
 public:
  explicit ReplicaWorkers(int replicas);
  ~ReplicaWorkers();  // wakes every worker to quit and joins it
  ReplicaWorkers(const ReplicaWorkers&) = delete;
  ReplicaWorkers& operator=(const ReplicaWorkers&) = delete;

  int size() const { return static_cast<int>(threads_.size()); }
  bool pinned() const { return pinned_; }

  // Calls job(r) on worker r for every replica and returns once all have finished. An exception
  // thrown by a job is rethrown here (the lowest replica's), after every worker has finished.
  template <typename Job>
  void run(Job& job) {
    dispatch([](void* j, int r) { (*static_cast<Job*>(j))(r); }, &job);
  }

 private:
  using Trampoline = void (*)(void*, int);
  void dispatch(Trampoline fn, void* job);
  void loop(int replica, std::vector<int> cpus);

  std::vector<std::thread> threads_;
  std::vector<std::exception_ptr> errors_;  // one per worker, read after a job
  Trampoline fn_ = nullptr;                 // the job, published by the generation bump
  void* job_ = nullptr;
  bool quit_ = false;
  bool pinned_ = false;
  std::atomic<int> generation_{0};  // bumped once per job: the workers' wake-up
  std::atomic<int> pending_{0};     // workers still busy with the current job
};

}  // namespace batchlab
