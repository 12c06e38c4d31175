// defines: Stream, Event, BlasHandle (RAII owners of CUDA streams, events and a cuBLAS handle)
// Creation is checked and throws; destruction never throws (a failing device is reported by the
// call that noticed it, not by a destructor).
#pragma once

#include <utility>

#include "engine/backend/cuda/cuda_check.h"

namespace batchlab::cuda {

// A stream that does not synchronise with the legacy default stream.
class Stream {
 public:
  Stream() { BATCHLAB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { reset(); }
  cudaStream_t get() const { return stream_; }
  void reset() {
    if (stream_ != nullptr && cudaStreamDestroy(stream_) != cudaSuccess) (void)cudaGetLastError();
    stream_ = nullptr;
  }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  // timing = false is cheaper for pure ordering (cudaStreamWaitEvent, queries).
  explicit Event(bool timing) {
    BATCHLAB_CUDA_CHECK(
        cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming));
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  Event& operator=(Event&& other) noexcept {
    std::swap(event_, other.event_);
    return *this;
  }
  ~Event() {
    if (event_ != nullptr && cudaEventDestroy(event_) != cudaSuccess) (void)cudaGetLastError();
  }
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

class BlasHandle {
 public:
  BlasHandle() { BATCHLAB_CUBLAS_CHECK(cublasCreate(&handle_)); }
  BlasHandle(const BlasHandle&) = delete;
  BlasHandle& operator=(const BlasHandle&) = delete;
  ~BlasHandle() { reset(); }
  cublasHandle_t get() const { return handle_; }
  void reset() {
    if (handle_ != nullptr) (void)cublasDestroy(handle_);
    handle_ = nullptr;
  }

 private:
  cublasHandle_t handle_ = nullptr;
};

// Milliseconds between two completed events.
inline double elapsed_ms(const Event& from, const Event& to) {
  float ms = 0.0f;
  BATCHLAB_CUDA_CHECK(cudaEventElapsedTime(&ms, from.get(), to.get()));
  return static_cast<double>(ms);
}

}  // namespace batchlab::cuda
