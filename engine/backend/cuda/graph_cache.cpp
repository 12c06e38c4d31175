#include "engine/backend/cuda/graph_cache.h"

namespace batchlab::cuda {

void GraphCache::clear() {
  for (Entry& e : graphs_)
    if (cudaGraphExecDestroy(e.exec) != cudaSuccess) (void)cudaGetLastError();
  graphs_.clear();
  seen_.clear();
  next_victim_ = 0;
  next_seen_ = 0;
}

cudaGraphExec_t GraphCache::find(const Key& key) const {
  for (const Entry& e : graphs_)
    if (e.key == key) return e.exec;
  return nullptr;
}

bool GraphCache::seen_before(const Key& key) {
  for (const Key& k : seen_)
    if (k == key) return true;
  if (seen_.size() < kCapacity) {
    seen_.push_back(key);
  } else {
    seen_[next_seen_] = key;
    next_seen_ = (next_seen_ + 1) % kCapacity;
  }
  return false;
}

cudaGraphExec_t GraphCache::end_capture(cudaStream_t stream) {
  cudaGraph_t graph = nullptr;
  BATCHLAB_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
  if (cudaGraphDestroy(graph) != cudaSuccess) (void)cudaGetLastError();  // exec keeps a copy
  check_cuda(e, "cudaGraphInstantiate(&exec, graph, 0)", __FILE__, __LINE__);
  return exec;
}

void GraphCache::abandon_capture(cudaStream_t stream) {
  // Ends the capture so the stream is usable again; the partial graph is thrown away.
  cudaGraph_t graph = nullptr;
  if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph != nullptr)
    (void)cudaGraphDestroy(graph);
  (void)cudaGetLastError();
}

cudaGraphExec_t GraphCache::store(const Key& key, cudaGraphExec_t exec) {
  if (graphs_.size() < kCapacity) {
    graphs_.reserve(kCapacity);
    graphs_.push_back({key, exec});
    return exec;
  }
  // cudaGraphExecDestroy on a graph still in flight frees it once it completes.
  Entry& victim = graphs_[next_victim_];
  if (cudaGraphExecDestroy(victim.exec) != cudaSuccess) (void)cudaGetLastError();
  victim = {key, exec};
  next_victim_ = (next_victim_ + 1) % kCapacity;
  return exec;
}

void GraphCache::launch(cudaGraphExec_t exec, cudaStream_t stream) {
  BATCHLAB_CUDA_CHECK(cudaGraphLaunch(exec, stream));
  ++launches_;
}

}  // namespace batchlab::cuda
