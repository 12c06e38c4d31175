// defines: CudaError, BATCHLAB_CUDA_CHECK, BATCHLAB_CUBLAS_CHECK, BATCHLAB_CHECK_LAUNCH
// Every CUDA runtime and cuBLAS call goes through one of these macros: a failure throws, with the
// error's name and text, the call and its file:line, so a run ends `failed` with a message a person
// can search for instead of a crash. An allocation failure anywhere throws OutOfMemoryError, so
// it ends the run `out_of_memory` like a refused cudaMalloc.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "engine/core/errors.h"

namespace batchlab::cuda {

class CudaError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t code, const char* call, const char* file,
                                     int line);

inline void check_cuda(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, call, file, line);
}
inline void check_cublas(cublasStatus_t code, const char* call, const char* file, int line) {
  if (code != CUBLAS_STATUS_SUCCESS) throw_cublas_error(code, call, file, line);
}

// A CUDA version number as text: 13000 → "13.0".
std::string version_text(int cuda_version);

}  // namespace batchlab::cuda

#define BATCHLAB_CUDA_CHECK(call) ::batchlab::cuda::check_cuda((call), #call, __FILE__, __LINE__)
#define BATCHLAB_CUBLAS_CHECK(call) \
  ::batchlab::cuda::check_cublas((call), #call, __FILE__, __LINE__)
// After every kernel launch: a bad launch configuration is reported here, at its call site; a
// fault inside the kernel surfaces at the next synchronising call.
#define BATCHLAB_CHECK_LAUNCH(kernel_name) \
  ::batchlab::cuda::check_cuda(cudaGetLastError(), "launch of " kernel_name, __FILE__, __LINE__)
