// defines: BackendFactory, InferOptions, InferPoint, InferResult, run_batch_inference
// Offline batch inference: forward passes only, over every row of a dataset, at each batch size
// asked for. Per batch size a fresh backend is prepared for inference (parameters, the
// inference activation layout and the staged batch: no gradients, no optimizer state), so its
// memory is that batch size's and can be set beside predict_mlp_inference_memory. Then:
//   1. one pass over the rows in batches of B (the last one shorter): predictions (argmax for
//      classification), accuracy or MSE where the rows have targets;
//   2. timed full batches of B rows (wrapping around the rows when B exceeds them), after one
//      warm-up batch, until min_seconds and min_batches are both reached: the median step time
//      (staging + forward, what one request of B rows costs) and samples/s = B / median.
// A batch size that does not fit (OutOfMemoryError) is a result, as in a sweep: the point says
// so and the next batch size runs.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/core/event_sink.h"
#include "engine/core/memory_category.h"
#include "engine/core/run_control.h"
#include "engine/data/dataset.h"
#include "engine/model/mlp_spec.h"

namespace batchlab {

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

struct InferOptions {
  std::vector<std::int64_t> batch_sizes = {1, 8, 64, 1024};
  double min_seconds = 0.3;       // timed per batch size, at least
  std::int64_t min_batches = 5;   // and at least this many batches
  std::int64_t max_batches = 200000;
  bool keep_outputs = false;      // InferPoint::outputs (tests compare them)
};

struct InferPoint {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::int64_t batch_size = 0;
  bool fits = true;           // false: out of memory; `error` says what was refused
  std::string error;
  std::int64_t rows = 0;      // rows predicted
  std::int64_t timed_batches = 0;
  double step_ms = kNaN;      // median
  double samples_per_s = kNaN;
  double accuracy = kNaN;     // classification
  double mse = kNaN;          // regression: mean over rows and outputs
  MemoryBytes memory{};       // measured after prepare_inference
  MemoryBytes predicted{};    // predict_mlp_inference_memory(spec, batch_size)
  std::vector<std::int32_t> predictions;  // classification: the argmax of each row
  std::vector<float> outputs;             // keep_outputs: rows × outputs, row by row
};

struct InferResult {
  std::string device;
  std::vector<InferPoint> points;  // in the order of batch_sizes
  bool stopped = false;
};

// `parameters` empty: a fresh model initialised from `seed`; else mlp_parameter_count(spec)
// floats, as a stored model keeps them. `on_point` sees each point as it ends; `sink` gets an
// InferBatchSizeEvent per point. Throws Error for a spec or dataset that do not match.
InferResult run_batch_inference(const MlpSpec& spec, std::span<const float> parameters,
                                std::uint64_t seed, const Dataset& data,
                                const InferOptions& options, const BackendFactory& make_backend,
                                EventSink* sink = nullptr, RunControl* control = nullptr,
                                const std::function<void(const InferPoint&)>& on_point = {});

}  // namespace batchlab
