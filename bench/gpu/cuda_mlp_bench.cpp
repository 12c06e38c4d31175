// batchlab-bench-gpu: our half of bench/gpu/run.sh. For each batch size it trains the MLP
// 784-256-256-10 (ReLU, SGD momentum 0.9) with the real Trainer on the CUDA backend, on random
// data already on the device, and measures samples/s by the wall clock over the steps after a
// warm-up. It then times cuBLAS alone on the same step's eight GEMMs (replayed from a CUDA graph,
// so no launch overhead counts against cuBLAS): our share of the cuBLAS GEMM rate is that GEMM
// time over our whole step time. One JSON object per batch size on stdout; torch_mlp.py turns
// them into the table.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "engine/backend/cuda_backend.h"
#include "engine/core/rng.h"
#include "engine/experiment/run_executor.h"
#include "engine/train/trainer.h"

using namespace batchlab;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kInputs = 784;
constexpr std::int64_t kHidden = 256;
constexpr std::int64_t kClasses = 10;

struct Options {
  std::vector<std::int64_t> batches = {1, 8, 64, 512, 4096, 32768};
  std::int64_t rows = 65536;
  bool tf32 = false;
  bool graphs = true;
  bool resident = true;
  double samples_target = 4.0e6;  // per batch size: about a second or two of training
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr,
               "batchlab-bench-gpu: %s\n"
               "usage: batchlab-bench-gpu [--batches 1,8,64] [--rows N] [--tf32] [--no-graphs] "
               "[--host-data] [--samples N]\n",
               what.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--batches") {
      o.batches.clear();
      std::string list = value();
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        o.batches.push_back(std::atoll(list.substr(start, comma - start).c_str()));
        if (o.batches.back() < 1) usage_error("bad batch size in " + list);
        start = comma + 1;
      }
    } else if (a == "--rows") {
      o.rows = std::atoll(value().c_str());
    } else if (a == "--samples") {
      o.samples_target = std::atof(value().c_str());
    } else if (a == "--tf32") {
      o.tf32 = true;
    } else if (a == "--no-graphs") {
      o.graphs = false;
    } else if (a == "--host-data") {
      o.resident = false;
    } else {
      usage_error("unknown argument " + a);
    }
  }
  for (auto b : o.batches)
    if (b > o.rows) usage_error("batch " + std::to_string(b) + " exceeds --rows");
  return o;
}

// Random features N(0, 1) and uniform labels: a classification set of the benchmark's shape.
DatasetSplit benchmark_data(std::int64_t rows) {
  DatasetSplit split;
  Dataset& d = split.train;
  d.name = "random " + std::to_string(rows) + " × 784";
  d.task = Task::classification;
  d.rows = rows;
  d.features = kInputs;
  d.outputs = kClasses;
  Rng rng(1);
  d.x.resize(static_cast<std::size_t>(rows * kInputs));
  for (auto& v : d.x) v = static_cast<float>(rng.normal());
  d.labels.resize(static_cast<std::size_t>(rows));
  for (auto& l : d.labels) l = static_cast<std::int32_t>(rng.below(kClasses));
  Dataset& v = split.val;  // the same shape with no rows: nothing to evaluate
  v.name = "no validation";
  v.task = d.task;
  v.features = d.features;
  v.outputs = d.outputs;
  return split;
}

// Wall-clock time when the event of step `mark` arrives (with deferred results: once the device
// has finished it) and when the run ends (every step finished).
class Stopwatches : public EventSink {
 public:
  explicit Stopwatches(std::int64_t mark) : mark_(mark) {}
  void on_step(const StepEvent& e) override {
    if (e.step == mark_) marked = Clock::now();
  }
  void on_run_finished(const RunFinished&) override { finished = Clock::now(); }
  Clock::time_point marked, finished;

 private:
  std::int64_t mark_;
};

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "batchlab-bench-gpu: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "batchlab-bench-gpu: %s: %s\n", what, cublasGetStatusString(s));
    std::exit(1);
  }
}

// Milliseconds of GPU time for the eight GEMMs of one training step at batch B (the CUDA
// backend's mapping: forward W·X per layer, dWᵀ += X·Δᵀ per layer, ΔX = Wᵀ·Δ for layers 2 and 3),
// captured once into a graph and replayed, on random operands.
double cublas_step_ms(std::int64_t batch, bool tf32) {
  const std::int64_t widths[] = {kInputs, kHidden, kHidden, kClasses};
  std::vector<float*> w(3), dw(3), act(4), delta(4);
  std::int64_t largest = 0;
  for (int l = 0; l < 3; ++l) largest = std::max(largest, widths[l] * widths[l + 1]);
  for (int l = 0; l < 4; ++l) largest = std::max(largest, widths[l] * batch);
  std::vector<float> host(static_cast<std::size_t>(largest));
  Rng rng(2);
  for (auto& v : host) v = static_cast<float>(rng.normal(0.0, 0.05));
  const auto alloc = [&](std::int64_t count) {
    void* p = nullptr;
    check(cudaMalloc(&p, static_cast<std::size_t>(count) * sizeof(float)), "cudaMalloc");
    check(cudaMemcpy(p, host.data(), static_cast<std::size_t>(count) * sizeof(float),
                     cudaMemcpyHostToDevice),
          "cudaMemcpy");
    return static_cast<float*>(p);
  };
  for (int l = 0; l < 3; ++l) {
    w[static_cast<std::size_t>(l)] = alloc(widths[l] * widths[l + 1]);
    dw[static_cast<std::size_t>(l)] = alloc(widths[l] * widths[l + 1]);
  }
  for (int l = 0; l < 4; ++l) {
    act[static_cast<std::size_t>(l)] = alloc(widths[l] * batch);
    delta[static_cast<std::size_t>(l)] = alloc(widths[l] * batch);
  }
  void* workspace = nullptr;
  const std::size_t workspace_bytes = std::size_t{32} << 20;
  check(cudaMalloc(&workspace, workspace_bytes), "cudaMalloc");

  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  cublasHandle_t blas = nullptr;
  check(cublasCreate(&blas), "cublasCreate");
  check(cublasSetStream(blas, stream), "cublasSetStream");
  check(cublasSetWorkspace(blas, workspace, workspace_bytes), "cublasSetWorkspace");
  check(cublasSetMathMode(blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");

  const float one = 1.0f;
  const float zero = 0.0f;
  const int b = static_cast<int>(batch);
  const auto step = [&] {
    for (int l = 0; l < 3; ++l) {
      const int in = static_cast<int>(widths[l]);
      const int out = static_cast<int>(widths[l + 1]);
      const auto k = static_cast<std::size_t>(l);
      check(cublasSgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, out, b, in, &one, w[k], in, act[k], in,
                        &zero, act[k + 1], out),
            "forward GEMM");
    }
    for (int l = 2; l >= 0; --l) {
      const int in = static_cast<int>(widths[l]);
      const int out = static_cast<int>(widths[l + 1]);
      const auto k = static_cast<std::size_t>(l);
      check(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, b, &one, act[k], in, delta[k + 1],
                        out, &one, dw[k], in),
            "weight-gradient GEMM");
      if (l > 0)
        check(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, in, b, out, &one, w[k], in, delta[k + 1],
                          out, &zero, delta[k], in),
              "input-gradient GEMM");
    }
  };
  step();  // outside the capture: cuBLAS's one-time work and lazy module loading
  check(cudaStreamSynchronize(stream), "warm-up");
  cudaGraph_t graph = nullptr;
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "begin capture");
  step();
  check(cudaStreamEndCapture(stream, &graph), "end capture");
  cudaGraphExec_t exec = nullptr;
  check(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
  cudaEvent_t start = nullptr, stop = nullptr;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  const int reps = static_cast<int>(std::clamp<std::int64_t>(200000 / batch, 20, 2000));
  check(cudaGraphLaunch(exec, stream), "launch");  // warm
  check(cudaEventRecord(start, stream), "record");
  for (int r = 0; r < reps; ++r) check(cudaGraphLaunch(exec, stream), "launch");
  check(cudaEventRecord(stop, stream), "record");
  check(cudaEventSynchronize(stop), "sync");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start, stop), "elapsed");

  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cublasDestroy(blas);
  cudaStreamDestroy(stream);
  cudaFree(workspace);
  for (auto* p : w) cudaFree(p);
  for (auto* p : dw) cudaFree(p);
  for (auto* p : act) cudaFree(p);
  for (auto* p : delta) cudaFree(p);
  return static_cast<double>(ms) / reps;
}

double step_flops(std::int64_t batch) {
  const double b = static_cast<double>(batch);
  const double fwd = 2.0 * b * (kInputs * kHidden + kHidden * kHidden + kHidden * kClasses);
  const double dx = 2.0 * b * (kHidden * kHidden + kHidden * kClasses);
  return 2.0 * fwd + dx;  // forward, weight gradients (as many flops), input gradients
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const GpuProbe probe = probe_gpus(0);
  if (probe.gpus.empty() || !probe.gpus.front().unusable.empty()) {
    std::fprintf(stderr, "batchlab-bench-gpu: no usable GPU: %s\n",
                 probe.gpus.empty() ? probe.reason.c_str() : probe.gpus.front().unusable.c_str());
    return 2;
  }
  const DatasetSplit data = benchmark_data(o.rows);
  for (const std::int64_t batch : o.batches) {
    RunConfig c;
    c.name = "bench b" + std::to_string(batch);
    c.seed = 1;
    c.model.hidden = {static_cast<int>(kHidden), static_cast<int>(kHidden)};
    c.model.activation = Activation::relu;
    c.optimizer.lr = 0.01;
    c.optimizer.momentum = 0.9;
    c.batch.size = batch;
    c.batch.drop_last = true;  // every step a full batch
    const auto steps = static_cast<std::int64_t>(
        std::clamp(o.samples_target / static_cast<double>(batch), 50.0, 20000.0));
    const std::int64_t warmup = std::min<std::int64_t>(steps / 5, 200);
    c.stop.epochs = std::nullopt;
    c.stop.max_steps = steps;
    c.eval.every_epochs = std::nullopt;
    c.device = "cuda";
    c.cuda.tf32 = o.tf32;
    c.cuda.graphs = o.graphs;
    c.cuda.resident_data = o.resident;

    try {
      std::unique_ptr<Backend> backend = make_backend(c);
      Stopwatches clock(warmup);
      TrainerInputs in;
      in.config = &c;
      in.data = &data;
      in.backend = backend.get();
      in.sink = &clock;
      const RunFinished f = train(in);
      if (f.status != RunStatus::completed) {
        std::fprintf(stderr, "batchlab-bench-gpu: batch %lld: run %s: %s\n",
                     static_cast<long long>(batch), std::string(to_string(f.status)).c_str(),
                     f.reason.c_str());
        return 1;
      }
      const double seconds = std::chrono::duration<double>(clock.finished - clock.marked).count();
      const double rate = static_cast<double>((f.summary.steps - warmup) * batch) / seconds;
      const double step_ms = 1e3 * static_cast<double>(batch) / rate;
      const CudaStats stats = cuda_stats(*backend);
      const std::string device = backend->device_name();
      backend.reset();  // give the memory back before timing cuBLAS alone
      const double gemm_ms = cublas_step_ms(batch, o.tf32);
      std::printf(
          "{\"batch\": %lld, \"samples_per_s\": %.1f, \"step_ms\": %.5f, "
          "\"median_samples_per_s\": %.1f, \"gemm_ms\": %.5f, \"gemm_share\": %.4f, "
          "\"gemm_tflops\": %.3f, \"steps\": %lld, \"graph_launches\": %lld, \"tf32\": %s, "
          "\"graphs\": %s, \"resident\": %s, \"device\": \"%s\"}\n",
          static_cast<long long>(batch), rate, step_ms, f.summary.samples_per_s_median, gemm_ms,
          gemm_ms / step_ms, step_flops(batch) / (gemm_ms * 1e9), static_cast<long long>(steps),
          static_cast<long long>(stats.graph_launches), o.tf32 ? "true" : "false",
          o.graphs ? "true" : "false", o.resident ? "true" : "false", device.c_str());
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "batchlab-bench-gpu: batch %lld: %s\n", static_cast<long long>(batch),
                   e.what());
      return 1;
    }
  }
  return 0;
}
