// defines: kBenchFeatures, kBenchClasses, fashion_shaped, cap_openblas_threads, BenchArgs,
//          parse_bench_args
// What both CPU benchmarks against libtorch share: Fashion-MNIST-shaped random data and the
// OpenBLAS thread cap that makes "same threads" true for the peer.
#pragma once

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/rng.h"
#include "engine/data/dataset.h"

namespace batchlab::bench {

inline constexpr int kBenchFeatures = 784;
inline constexpr int kBenchClasses = 10;

// `rows` random 784-d rows with labels 0–9, the same every time (seed 42).
inline Dataset fashion_shaped(std::int64_t rows) {
  Dataset d;
  d.name = "random 784-d, 10 classes";
  d.task = Task::classification;
  d.rows = rows;
  d.features = kBenchFeatures;
  d.outputs = kBenchClasses;
  d.x.resize(static_cast<std::size_t>(rows * kBenchFeatures));
  d.labels.resize(static_cast<std::size_t>(rows));
  Rng rng(42);
  for (auto& v : d.x) v = static_cast<float>(rng.normal());
  for (auto& l : d.labels) l = static_cast<std::int32_t>(rng.below(kBenchClasses));
  return d;
}

// torch::set_num_threads does not reach the pthread pool of Debian's OpenBLAS, which otherwise
// runs libtorch's GEMMs on every core whatever --threads says. Returns whether it was capped.
inline bool cap_openblas_threads(int threads) {
  using SetThreads = void (*)(int);
  void* fn = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (fn == nullptr) return false;
  reinterpret_cast<SetThreads>(fn)(threads);
  return true;
}

// The options both benchmarks take: [--threads N] [--seconds S] [--batches 1,8,64,...].
struct BenchArgs {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  double seconds = 1.0;
  std::vector<std::int64_t> batches;
};

inline BenchArgs parse_bench_args(int argc, char** argv, double seconds,
                                  std::vector<std::int64_t> batches) {
  BenchArgs a;
  a.seconds = seconds;
  a.batches = std::move(batches);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) a.threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) a.seconds = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batches")) {
      a.batches.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string b; std::getline(ss, b, ',');) a.batches.push_back(std::stoll(b));
    }
  }
  return a;
}

}  // namespace batchlab::bench
