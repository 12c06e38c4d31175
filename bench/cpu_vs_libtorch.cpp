// cpu_vs_libtorch: samples/s of our Eigen backend (through the real Trainer) against libtorch on
// the MLP 784-256-256-10, SGD with momentum, float32, Fashion-MNIST-shaped random data, with the
// same thread count for both. Prints batch, our samples/s, libtorch samples/s, ratio, our GFLOP/s
// (6 × parameters × samples/s) and its share of this machine's float GEMM peak, measured here
// (the better of Eigen's and libtorch's 2048³ sgemm).
// Usage: cpu_vs_libtorch [--threads N] [--seconds S] [--batches 1,8,64,512,4096]
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
#include "engine/train/trainer.h"

using namespace batchlab;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kFeatures = bench::kBenchFeatures;
constexpr int kClasses = bench::kBenchClasses;
constexpr std::int64_t kRows = 16384;
using bench::cap_openblas_threads;

Dataset fashion_shaped() { return bench::fashion_shaped(kRows); }

double ours(const DatasetSplit& data, std::int64_t batch, int threads, double seconds) {
  RunConfig c;
  c.dataset.kind = "bench";
  c.model.hidden = {256, 256};
  c.optimizer.lr = 0.01;
  c.optimizer.momentum = 0.9;
  c.batch.size = batch;
  c.stop.epochs = std::nullopt;
  c.stop.time_limit_s = seconds;
  c.eval.every_epochs = std::nullopt;
  c.threads = threads;
  auto backend = make_cpu_backend(threads, 0);
  EventSink none;
  TrainerInputs in;
  in.config = &c;
  in.data = &data;
  in.backend = backend.get();
  in.sink = &none;
  const RunFinished f = train(in);
  return f.summary.samples_per_s_median;
}


double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double libtorch(const Dataset& d, std::int64_t batch, double seconds) {
  torch::manual_seed(1);
  torch::nn::Sequential model(torch::nn::Linear(kFeatures, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, kClasses));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  const auto X = torch::from_blob(const_cast<float*>(d.x.data()), {kRows, kFeatures}, torch::kFloat32);
  const auto y = torch::from_blob(const_cast<std::int32_t*>(d.labels.data()), {kRows}, torch::kInt32)
                     .to(torch::kInt64);
  auto perm = torch::randperm(kRows, torch::kInt64);
  std::int64_t pos = 0;
  std::vector<double> rates;
  const auto start = Clock::now();
  for (int step = 0;; ++step) {
    const auto t0 = Clock::now();
    if (pos + batch > kRows) {
      perm = torch::randperm(kRows, torch::kInt64);
      pos = 0;
    }
    const auto idx = perm.slice(0, pos, pos + batch);
    pos += batch;
    const auto xb = X.index_select(0, idx);
    const auto yb = y.index_select(0, idx);
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
    loss.backward();
    opt.step();
    volatile float l = loss.item<float>();  // our Trainer reads every step's loss too
    (void)l;
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (step > 0) rates.push_back(static_cast<double>(batch) / dt);  // first step warms up
    if (std::chrono::duration<double>(Clock::now() - start).count() > seconds && rates.size() >= 5) break;
  }
  return median(rates);
}

// Best of three n³ products, in GFLOP/s.
double eigen_gemm_gflops(int n) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  double best = 0;
  for (int i = 0; i < 4; ++i) {
    const auto t0 = Clock::now();
    c.noalias() = a * b;
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (i > 0) best = std::max(best, 2.0 * n * n * n / dt / 1e9);
  }
  return best;
}

double torch_gemm_gflops(int n) {
  const auto a = torch::randn({n, n}), b = torch::randn({n, n});
  double best = 0;
  for (int i = 0; i < 4; ++i) {
    const auto t0 = Clock::now();
    const auto c = torch::mm(a, b);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (i > 0) best = std::max(best, 2.0 * n * n * n / dt / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::BenchArgs args = bench::parse_bench_args(argc, argv, 2.0, {1, 8, 64, 512, 4096});
  const int threads = args.threads;
  const double seconds = args.seconds;
  const std::vector<std::int64_t>& batches = args.batches;
  torch::set_num_threads(threads);
  const bool openblas_capped = cap_openblas_threads(threads);
  Eigen::setNbThreads(threads);

  DatasetSplit data;
  data.train = fashion_shaped();
  const std::int64_t params = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10;

  const double peak = std::max(eigen_gemm_gflops(2048), torch_gemm_gflops(2048));
  std::printf("MLP 784-256-256-10 (%lld parameters), SGD momentum 0.9, float32, %d thread%s%s, "
              "%.1f s per measurement\n",
              static_cast<long long>(params), threads, threads == 1 ? "" : "s",
              openblas_capped ? " (OpenBLAS too)" : "", seconds);
  std::printf("float GEMM peak on this machine (best of Eigen and libtorch, 2048³): %.1f GFLOP/s\n\n", peak);
  std::printf("%7s %14s %18s %7s %12s %10s\n", "batch", "ours (smp/s)", "libtorch (smp/s)", "ratio",
              "our GFLOP/s", "% of peak");
  for (const auto b : batches) {
    const double us = ours(data, b, threads, seconds);
    const double them = libtorch(data.train, b, seconds);
    const double gflops = 6.0 * static_cast<double>(params) * us / 1e9;
    std::printf("%7lld %14.0f %18.0f %7.2f %12.1f %9.1f%%\n", static_cast<long long>(b), us, them,
                us / them, gflops, 100.0 * gflops / peak);
    std::fflush(stdout);
  }
  std::printf("\ntargets: ratio >= 3.0 at batch <= 8, >= 1.5 at batch >= 512, >= 60%% of peak at 4096\n");
  return 0;
}
