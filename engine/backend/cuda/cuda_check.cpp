#include "engine/backend/cuda/cuda_check.h"

#include <string>
#include <string_view>

namespace batchlab::cuda {
namespace {

// The source path from engine/ on, so messages do not carry the build machine's folders.
std::string_view short_file(const char* file) {
  const std::string_view f(file);
  const auto at = f.rfind("engine/");
  return at == std::string_view::npos ? f : f.substr(at);
}

// The failing call as written, cut so the message stays one readable line.
std::string short_call(const char* call) {
  std::string c(call);
  if (c.size() > 90) c = c.substr(0, 87) + "...";
  return c;
}

}  // namespace

std::string version_text(int cuda_version) {
  return std::to_string(cuda_version / 1000) + "." + std::to_string(cuda_version % 1000 / 10);
}

void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  // Clears the error if it is not sticky, so a caller that recovers (a sweep's next run) starts
  // from a clean state; a sticky one (an illegal address) stays, and the backend resets the device.
  (void)cudaGetLastError();
  const std::string where =
      short_call(call) + " at " + std::string(short_file(file)) + ":" + std::to_string(line);
  const std::string what =
      std::string(cudaGetErrorName(code)) + " (" + cudaGetErrorString(code) + ")";
  if (code == cudaErrorMemoryAllocation)
    throw OutOfMemoryError("CUDA ran out of device memory: " + what + " in " + where +
                               " — lower batch.size or use a smaller model",
                           0, 0, 0);
  throw CudaError("CUDA error " + what + " in " + where);
}

void throw_cublas_error(cublasStatus_t code, const char* call, const char* file, int line) {
  const std::string where =
      short_call(call) + " at " + std::string(short_file(file)) + ":" + std::to_string(line);
  const std::string what =
      std::string(cublasGetStatusName(code)) + " (" + cublasGetStatusString(code) + ")";
  if (code == CUBLAS_STATUS_ALLOC_FAILED)
    throw OutOfMemoryError("cuBLAS could not allocate device memory: " + what + " in " + where +
                               " — lower batch.size or use a smaller model",
                           0, 0, 0);
  throw CudaError("cuBLAS error " + what + " in " + where);
}

}  // namespace batchlab::cuda
