// defines: CudaOptions, GpuInfo, GpuProbe, probe_gpus, make_cuda_backend, CudaStats, cuda_stats
// The CUDA backend's face to the rest of the engine, in plain C++: it compiles in every build.
// In a build without nvcc, probe_gpus() says so and make_cuda_backend() throws; the CPU-only
// build is otherwise unchanged (DESIGN §1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend/backend.h"

namespace batchlab {

struct CudaOptions {
  int device = 0;                 // cuda:N
  std::int64_t budget_bytes = 0;  // 0: no budget
  bool tf32 = false;
  bool graphs = true;
  int loss_every = 16;  // the most steps whose results may be pending (deferred mode)
  bool resident_data = true;
};

struct GpuInfo {
  int index = 0;
  std::string name;
  std::int64_t total_bytes = 0;
  int cc_major = 0;
  int cc_minor = 0;
  std::string unusable;  // why this GPU cannot run this build's kernels; empty: usable
};

struct GpuProbe {
  bool built_with_cuda = false;
  int driver_version = 0;     // 13000 for CUDA 13.0; 0: no driver
  int runtime_version = 0;    // the CUDA runtime this build links
  int device_count = 0;       // GPUs the driver sees
  std::vector<GpuInfo> gpus;  // those described (all, or the one asked for)
  std::string reason;         // why no GPU is usable; empty when at least one is
  // The first usable GPU's index, or -1.
  int first_usable() const;
};

// Never throws: every failure becomes `reason` (no driver, no device, built without CUDA...).
// Describing a GPU creates its CUDA context (checking that this build's kernels run there), so
// `only` >= 0 describes that GPU alone and leaves the others untouched; -1 describes them all.
GpuProbe probe_gpus(int only = -1);

// A CUDA version number as text: 13000 → "13.0".
std::string cuda_version_text(int version);

// The backend on cuda:options.device. Throws Error saying why when that GPU is unusable or the
// build has no CUDA.
std::unique_ptr<Backend> make_cuda_backend(const CudaOptions& options);

// What the CUDA backend did, for tests and benchmarks; all zero for another backend.
struct CudaStats {
  std::int64_t graph_captures = 0;  // forward + backward captured as a CUDA graph
  std::int64_t graph_launches = 0;  // ... and replayed (captures included)
  std::int64_t eager_passes = 0;    // forward + backward queued kernel by kernel
  bool resident_data = false;       // attach_data kept the datasets on the device
};
CudaStats cuda_stats(const Backend& backend);

}  // namespace batchlab
