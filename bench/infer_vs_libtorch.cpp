// infer_vs_libtorch: forward-only samples/s of our CPU backend (run_batch_inference, the code
// `batchlab-cli infer` runs) against libtorch under torch::NoGradGuard with the model in eval
// mode, on the MLP 784-256-256-10, float32, Fashion-MNIST-shaped random data, with the same
// thread count for both. Both sides time full batches cut from the same rows and report the
// median; ours includes staging the rows into the backend's batch buffer, libtorch's is a
// forward pass on a slice it does not copy (so the comparison favours the peer a little).
// Then the single-request latency at batch 1 (median and p99 over many requests).
// Usage: infer_vs_libtorch [--threads N] [--seconds S] [--batches 1,8,64,1024]
#include <torch/torch.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/backend/backend.h"
#include "engine/core/rng.h"
#include "engine/serve/offline_infer.h"

using namespace batchlab;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kFeatures = bench::kBenchFeatures;
constexpr int kClasses = bench::kBenchClasses;
constexpr std::int64_t kRows = 8192;
using bench::cap_openblas_threads;

Dataset fashion_shaped() { return bench::fashion_shaped(kRows); }

MlpSpec spec() {
  MlpSpec s;
  s.inputs = kFeatures;
  s.hidden = {256, 256};
  s.outputs = kClasses;
  return s;
}


double percentile(std::vector<double> v, double q) {
  const auto k = static_cast<std::ptrdiff_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[static_cast<std::size_t>(k)];
}

struct Ours {
  double samples_per_s = 0;
  double step_ms = 0;
};

Ours ours(const Dataset& d, std::int64_t batch, int threads, double seconds) {
  InferOptions o;
  o.batch_sizes = {batch};
  o.min_seconds = seconds;
  o.min_batches = 20;
  const InferResult r = run_batch_inference(spec(), {}, 1, d, o,
                                            [threads] { return make_cpu_backend(threads, 0); });
  return {r.points.at(0).samples_per_s, r.points.at(0).step_ms};
}

// Per-batch times in seconds, after one warm-up batch, until `seconds` and 20 batches.
std::vector<double> libtorch_times(const Dataset& d, std::int64_t batch, double seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  torch::nn::Sequential model(torch::nn::Linear(kFeatures, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, kClasses));
  model->eval();
  const auto X =
      torch::from_blob(const_cast<float*>(d.x.data()), {kRows, kFeatures}, torch::kFloat32);
  std::vector<double> times;
  std::int64_t pos = 0;
  const auto start = Clock::now();
  for (int i = 0;; ++i) {
    if (pos + batch > kRows) pos = 0;
    const auto t0 = Clock::now();
    const auto out = model->forward(X.slice(0, pos, pos + batch));
    volatile float first = out.data_ptr<float>()[0];  // the result is read, as ours is
    (void)first;
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    pos += batch;
    if (i > 0) times.push_back(dt);
    if (std::chrono::duration<double>(Clock::now() - start).count() > seconds && times.size() >= 20)
      break;
  }
  return times;
}

// Our batch-1 request latencies: one prepared backend, one row staged and run per request.
std::vector<double> our_request_times(const Dataset& d, int threads, int requests) {
  auto backend = make_cpu_backend(threads, 0);
  const MlpSpec s = spec();
  backend->prepare_inference(s, 1, 1);
  std::vector<float> outputs(kClasses);
  std::vector<double> times;
  for (int i = 0; i <= requests; ++i) {
    const std::int64_t row = i % kRows;
    const auto t0 = Clock::now();
    backend->stage_batch(d, std::span<const std::int64_t>(&row, 1));
    backend->infer_staged(outputs);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (i > 0) times.push_back(dt);
  }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::BenchArgs args = bench::parse_bench_args(argc, argv, 1.0, {1, 8, 64, 1024});
  const int threads = args.threads;
  const double seconds = args.seconds;
  const std::vector<std::int64_t>& batches = args.batches;
  torch::set_num_threads(threads);
  const bool openblas_capped = cap_openblas_threads(threads);
  Eigen::setNbThreads(threads);
  const Dataset d = fashion_shaped();

  std::printf("Forward only: MLP 784-256-256-10, float32, %d thread%s%s, %.1f s per measurement\n\n",
              threads, threads == 1 ? "" : "s", openblas_capped ? " (OpenBLAS too)" : "", seconds);
  std::printf("%7s %14s %18s %7s %12s %16s\n", "batch", "ours (smp/s)", "libtorch (smp/s)",
              "ratio", "our step", "libtorch step");
  for (const auto b : batches) {
    const Ours us = ours(d, b, threads, seconds);
    const double them_s = percentile(libtorch_times(d, b, seconds), 0.5);
    const double them = static_cast<double>(b) / them_s;
    std::printf("%7lld %14.0f %18.0f %7.2f %9.3f ms %13.3f ms\n", static_cast<long long>(b),
                us.samples_per_s, them, us.samples_per_s / them, us.step_ms, them_s * 1e3);
    std::fflush(stdout);
  }

  constexpr int kRequests = 20000;
  const auto mine = our_request_times(d, threads, kRequests);
  // As many single-row forwards on the peer, in rounds of half a second.
  std::vector<double> peer;
  while (static_cast<int>(peer.size()) < kRequests) {
    const auto more = libtorch_times(d, 1, 0.5);
    peer.insert(peer.end(), more.begin(), more.end());
  }
  peer.resize(kRequests);
  std::printf("\nsingle request (batch 1, %d requests): ours p50 %.1f µs p99 %.1f µs; libtorch "
              "p50 %.1f µs p99 %.1f µs; ratio of p50 %.2f\n",
              kRequests, percentile(mine, 0.5) * 1e6, percentile(mine, 0.99) * 1e6,
              percentile(peer, 0.5) * 1e6, percentile(peer, 0.99) * 1e6,
              percentile(peer, 0.5) / percentile(mine, 0.5));
  std::printf("\ntargets: ratio >= 3.0 at batch <= 8, >= 1.5 at batch 1024\n");
  return 0;
}
