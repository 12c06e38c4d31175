// defines: QueuedRequest, RequestQueue (the server's FIFO of waiting requests)
// A ring buffer that grows by doubling and never shrinks, so after warming up a simulation
// step allocates nothing (std::deque allocates and frees blocks as it breathes).
#pragma once

#include <cstdint>
#include <vector>

namespace batchlab {

struct QueuedRequest {
  std::int64_t id = 0;  // arrival order, from 0
  double arrival = 0.0;
};

class RequestQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::int64_t size() const { return static_cast<std::int64_t>(size_); }
  const QueuedRequest& front() const { return ring_[head_]; }
  // The i-th oldest (0 = front).
  const QueuedRequest& at(std::size_t i) const { return ring_[(head_ + i) & (ring_.size() - 1)]; }

  void push(const QueuedRequest& r) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) & (ring_.size() - 1)] = r;
    ++size_;
  }
  void pop_front(std::size_t n = 1) {
    head_ = (head_ + n) & (ring_.size() - 1);
    size_ -= n;
  }

 private:
  void grow() {
    std::vector<QueuedRequest> bigger(ring_.empty() ? 1024 : ring_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = at(i);
    ring_.swap(bigger);
    head_ = 0;
  }

  std::vector<QueuedRequest> ring_;  // size a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace batchlab
