// defines: GraphCache (forward + backward as CUDA graphs, one per batch shape)
// A small-batch step is ~20 kernels of a few microseconds each; launched one by one, the CPU's
// launch overhead is the step time. Captured once as a graph and replayed, the step is one
// launch. A graph bakes in its pointers and scalars, so the key is everything that varies: the
// row count, the input slot and the gradient scale. A shape is captured the second time it
// runs: the first run is queued eagerly, which also makes cuBLAS and CUDA's lazy module loading
// do their one-time work outside any capture, and a shape seen once (the last partial batch of
// a single epoch) costs no capture at all.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend/cuda/cuda_check.h"

namespace batchlab::cuda {

class GraphCache {
 public:
  struct Key {
    std::int64_t rows = 0;
    int slot = 0;
    std::uint32_t scale_bits = 0;
    bool operator==(const Key&) const = default;
  };

  GraphCache() = default;
  GraphCache(const GraphCache&) = delete;
  GraphCache& operator=(const GraphCache&) = delete;
  ~GraphCache() { clear(); }

  // Runs the work `enqueue` queues on `stream`: eagerly the first time `key` is seen, captured
  // into a graph the second time, replayed from then on. `enqueue` must only queue work.
  template <typename Enqueue>
  void run(const Key& key, cudaStream_t stream, Enqueue&& enqueue) {
    if (cudaGraphExec_t exec = find(key)) return launch(exec, stream);
    if (!seen_before(key)) {
      enqueue();
      ++eager_;
      return;
    }
    BATCHLAB_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      abandon_capture(stream);
      throw;
    }
    launch(store(key, end_capture(stream)), stream);
    ++captures_;
  }

  void clear();  // destroys every graph (a graph still running finishes first, by CUDA's rules)

  std::int64_t captures() const { return captures_; }
  std::int64_t launches() const { return launches_; }
  std::int64_t eager_runs() const { return eager_; }

 private:
  struct Entry {
    Key key;
    cudaGraphExec_t exec = nullptr;
  };
  static constexpr std::size_t kCapacity = 8;  // two slots × a few shapes

  cudaGraphExec_t find(const Key& key) const;
  bool seen_before(const Key& key);  // records the key when it was not
  cudaGraphExec_t end_capture(cudaStream_t stream);
  static void abandon_capture(cudaStream_t stream);
  cudaGraphExec_t store(const Key& key, cudaGraphExec_t exec);
  void launch(cudaGraphExec_t exec, cudaStream_t stream);

  std::vector<Entry> graphs_;  // at most kCapacity, replaced round robin
  std::size_t next_victim_ = 0;
  std::vector<Key> seen_;  // keys run eagerly once, at most kCapacity, round robin
  std::size_t next_seen_ = 0;
  std::int64_t captures_ = 0;
  std::int64_t launches_ = 0;
  std::int64_t eager_ = 0;
};

}  // namespace batchlab::cuda
