// step_profile: runs N training steps of the MLP 784-256-256-10 (SGD momentum 0.9, float32)
// through the real Trainer and our CPU backend, for profilers. Instruction counts per step come
// from two runs that differ only in N (setup cancels out):
//   valgrind --tool=callgrind build-bench/bench/step_profile --batch 8 --steps 40
//   valgrind --tool=callgrind build-bench/bench/step_profile --batch 8 --steps 20
// Prints the final loss and a checksum of the final parameters (bit-exact comparisons between
// builds), and the time per step: wall, and this process's CPU time, which a loaded machine
// disturbs less (it still shares the caches). Neither means anything under valgrind.
// Usage: step_profile [--batch B] [--steps N] [--threads T] [--rows R]
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "engine/backend/backend.h"
#include "engine/core/rng.h"
#include "engine/train/trainer.h"

using namespace batchlab;

namespace {

Dataset fashion_shaped(std::int64_t rows) {
  Dataset d;
  d.name = "random 784-d, 10 classes";
  d.task = Task::classification;
  d.rows = rows;
  d.features = 784;
  d.outputs = 10;
  d.x.resize(static_cast<std::size_t>(rows * d.features));
  d.labels.resize(static_cast<std::size_t>(rows));
  Rng rng(42);
  for (auto& v : d.x) v = static_cast<float>(rng.normal());
  for (auto& l : d.labels) l = static_cast<std::int32_t>(rng.below(10));
  return d;
}

// FNV-1a over the parameters' bytes: equal checksums mean bit-identical weights.
std::uint64_t checksum(const std::vector<float>& v) {
  std::uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
  for (std::size_t i = 0; i < v.size() * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t batch = 1, steps = 20, rows = 1024;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch"))
      batch = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--steps"))
      steps = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads"))
      threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rows"))
      rows = std::stoll(argv[i + 1]);
  }
  DatasetSplit data;
  data.train = fashion_shaped(std::max(rows, batch));

  RunConfig c;
  c.dataset.kind = "bench";
  c.model.hidden = {256, 256};
  c.optimizer.lr = 0.01;
  c.optimizer.momentum = 0.9;
  c.batch.size = batch;
  c.stop.epochs = std::nullopt;
  c.stop.max_steps = steps;
  c.eval.every_epochs = std::nullopt;
  c.threads = threads;
  auto backend = make_cpu_backend(threads, 0);
  EventSink none;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &none;
  const auto cpu_seconds = [] {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
  };
  const double cpu0 = cpu_seconds();
  const RunFinished f = train(in);
  const double cpu_s = cpu_seconds() - cpu0;
  const auto per = static_cast<double>(std::max<std::int64_t>(1, f.summary.steps));
  std::printf(
      "batch %lld, %lld steps, %d thread%s: final loss %.9g, params checksum %016llx, "
      "%.1f us/step wall, %.1f us/step cpu (%.0f samples/s median)\n",
      static_cast<long long>(batch), static_cast<long long>(f.summary.steps), threads,
      threads == 1 ? "" : "s", f.summary.final_train_loss,
      static_cast<unsigned long long>(checksum(backend->parameters())),
      1e6 * f.summary.time_s / per, 1e6 * cpu_s / per, f.summary.samples_per_s_median);
  return 0;
}
