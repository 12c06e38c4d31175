// The CUDA entry points of a build without nvcc: they say so, and nothing else changes.
#ifndef BATCHLAB_HAVE_CUDA

#include "engine/backend/cuda_backend.h"
#include "engine/core/errors.h"

namespace batchlab {

namespace {
constexpr const char* kNoCuda = "built without CUDA (nvcc was not found at configure time)";
constexpr const char* kNoCudaBackend =
    "this build has no CUDA backend: nvcc was not found at configure time; use --device cpu";
}  // namespace

int GpuProbe::first_usable() const {
  return -1;
}

GpuProbe probe_gpus(int /*only*/) {
  GpuProbe p;
  p.reason = kNoCuda;
  return p;
}

std::string cuda_version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

std::unique_ptr<Backend> make_cuda_backend(const CudaOptions& options) {
  throw Error("device \"cuda:" + std::to_string(options.device) + "\": " + kNoCudaBackend);
}

CudaStats cuda_stats(const Backend& /*backend*/) {
  return {};
}

}  // namespace batchlab

#endif  // BATCHLAB_HAVE_CUDA
