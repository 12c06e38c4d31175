// probe_gpus: what `batchlab-cli devices` and `--device auto` know of this machine's GPUs.
// Every CUDA error becomes a sentence in the result; nothing here throws.
#include <string>

#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/kernels.h"
#include "engine/backend/cuda_backend.h"

namespace batchlab {
namespace {

std::string error_text(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

// Whether this build's fat binary holds code for the current device (CMAKE_CUDA_ARCHITECTURES).
std::string kernel_image_problem(const cudaDeviceProp& prop) {
  const cudaError_t e = cuda::probe_kernel_image();
  (void)cudaGetLastError();
  if (e == cudaSuccess) return {};
  const std::string sm = "sm_" + std::to_string(prop.major) + std::to_string(prop.minor);
  if (e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDeviceFunction)
    return "this build has no kernels for " + sm +
           " (rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(prop.major) +
           std::to_string(prop.minor) + ")";
  return "cannot run kernels on it (" + error_text(e) + ")";
}

}  // namespace

int GpuProbe::first_usable() const {
  for (const GpuInfo& g : gpus)
    if (g.unusable.empty()) return g.index;
  return -1;
}

std::string cuda_version_text(int version) {
  return cuda::version_text(version);
}

GpuProbe probe_gpus(int only) {
  GpuProbe p;
  p.built_with_cuda = true;
  (void)cudaRuntimeGetVersion(&p.runtime_version);
  if (cudaDriverGetVersion(&p.driver_version) != cudaSuccess) p.driver_version = 0;
  (void)cudaGetLastError();
  if (p.driver_version == 0) {
    p.reason = "no NVIDIA driver (libcuda.so.1 not found)";
    return p;
  }
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  (void)cudaGetLastError();
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
    p.reason = "no CUDA device (driver " + cuda::version_text(p.driver_version) + " found)";
    return p;
  }
  if (e == cudaErrorInsufficientDriver) {
    p.reason = "the NVIDIA driver supports CUDA " + cuda::version_text(p.driver_version) +
               " but this build needs " + cuda::version_text(p.runtime_version) +
               "; update the driver";
    return p;
  }
  if (e != cudaSuccess) {
    p.reason = "cannot count the CUDA devices (" + error_text(e) + ")";
    return p;
  }

  p.device_count = count;
  if (only >= count) {
    p.reason =
        "there is no cuda:" + std::to_string(only) + " (" + std::to_string(count) +
        (count == 1 ? " GPU: cuda:0)" : " GPUs: cuda:0 to cuda:" + std::to_string(count - 1) + ")");
    return p;
  }
  // No restoring of the previous device afterwards: since CUDA 12 cudaSetDevice creates the
  // device's context, and a probe must not create one on a GPU it was not asked about.
  for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : count); ++i) {
    GpuInfo g;
    g.index = i;
    cudaDeviceProp prop{};
    if (const cudaError_t pe = cudaGetDeviceProperties(&prop, i); pe != cudaSuccess) {
      (void)cudaGetLastError();
      g.name = "cuda:" + std::to_string(i);
      g.unusable = "cannot read its properties (" + error_text(pe) + ")";
      p.gpus.push_back(g);
      continue;
    }
    g.name = prop.name;
    g.total_bytes = static_cast<std::int64_t>(prop.totalGlobalMem);
    g.cc_major = prop.major;
    g.cc_minor = prop.minor;
    if (const cudaError_t se = cudaSetDevice(i); se != cudaSuccess) {
      (void)cudaGetLastError();
      g.unusable = "cannot select it (" + error_text(se) + ")";
    } else {
      g.unusable = kernel_image_problem(prop);
    }
    p.gpus.push_back(g);
  }
  if (p.first_usable() < 0) {
    p.reason = "no usable GPU:";
    for (const GpuInfo& g : p.gpus)
      p.reason += " cuda:" + std::to_string(g.index) + " (" + g.name + ") " + g.unusable + ";";
    p.reason.pop_back();
  }
  return p;
}

}  // namespace batchlab
