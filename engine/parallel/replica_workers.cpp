#include "engine/parallel/replica_workers.h"

#include <string>
#include <utility>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace batchlab {
namespace {

// The cores this process may run on, in order.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
#endif
  return cpus;
}

void pin_current_thread(const std::vector<int>& cpus) {
#ifdef __linux__
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  // Best effort: a refused mask leaves the thread where the scheduler puts it.
  (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
  (void)cpus;
#endif
}

}  // namespace

ReplicaWorkers::ReplicaWorkers(int replicas) : errors_(static_cast<std::size_t>(replicas)) {
  const std::vector<int> cpus = allowed_cpus();
  const auto n = static_cast<std::size_t>(replicas);
  // Fewer cores than replicas: pinning would stack replicas on a core for good; let them move.
  pinned_ = replicas > 1 && cpus.size() >= n;
  threads_.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<int> slice;
    if (pinned_)
      slice.assign(cpus.begin() + static_cast<std::ptrdiff_t>(r * cpus.size() / n),
                   cpus.begin() + static_cast<std::ptrdiff_t>((r + 1) * cpus.size() / n));
    threads_.emplace_back(&ReplicaWorkers::loop, this, static_cast<int>(r), std::move(slice));
  }
}

ReplicaWorkers::~ReplicaWorkers() {
  quit_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ReplicaWorkers::dispatch(Trampoline fn, void* job) {
  fn_ = fn;
  job_ = job;
  pending_.store(size(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes fn_, job_ and the job's inputs
  generation_.notify_all();
  for (int left = pending_.load(std::memory_order_acquire); left != 0;
       left = pending_.load(std::memory_order_acquire))
    pending_.wait(left, std::memory_order_acquire);
  for (auto& e : errors_) {
    if (!e) continue;
    std::exception_ptr first = std::exchange(e, nullptr);
    for (auto& rest : errors_) rest = nullptr;
    std::rethrow_exception(first);
  }
}

void ReplicaWorkers::loop(int replica, std::vector<int> cpus) {
  pin_current_thread(cpus);
  int seen = 0;
  for (;;) {
    generation_.wait(seen, std::memory_order_acquire);
    seen = generation_.load(std::memory_order_acquire);
    if (quit_) return;
    try {
      fn_(job_, replica);
    } catch (...) {
      errors_[static_cast<std::size_t>(replica)] = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

}  // namespace batchlab
