#include "engine/serve/offline_infer.h"

#include <algorithm>
#include <cmath>

#include "engine/core/errors.h"
#include "engine/core/stopwatch.h"
#include "engine/metrics/memory_model.h"
#include "engine/serve/serve_events.h"

namespace batchlab {
namespace {

// Pass 1: every row once, in batches of up to B.
void predict_rows(Backend& backend, const MlpSpec& spec, const Dataset& data, std::int64_t b,
                  bool keep_outputs, InferPoint& p) {
  const auto outputs = static_cast<std::size_t>(spec.outputs);
  std::vector<float> out(static_cast<std::size_t>(b) * outputs);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(b));
  const bool classify = spec.task == Task::classification;
  std::int64_t correct = 0;
  double squared = 0.0;
  if (classify) p.predictions.resize(static_cast<std::size_t>(data.rows));
  if (keep_outputs) p.outputs.resize(static_cast<std::size_t>(data.rows) * outputs);
  for (std::int64_t first = 0; first < data.rows; first += b) {
    const std::int64_t n = std::min(b, data.rows - first);
    for (std::int64_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = first + i;
    backend.stage_batch(data, std::span<const std::int64_t>(rows.data(), static_cast<std::size_t>(n)));
    const std::span<float> o(out.data(), static_cast<std::size_t>(n) * outputs);
    backend.infer_staged(o);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::size_t row = static_cast<std::size_t>(first + i);
      const float* y = o.data() + static_cast<std::size_t>(i) * outputs;  // one row's outputs
      if (keep_outputs) std::copy(y, y + outputs, p.outputs.begin() + static_cast<std::ptrdiff_t>(row * outputs));
      if (classify) {
        const auto best = static_cast<std::int32_t>(std::max_element(y, y + outputs) - y);
        p.predictions[row] = best;
        if (!data.labels.empty()) correct += best == data.labels[row];
      } else if (!data.targets.empty()) {
        for (std::size_t k = 0; k < outputs; ++k) {
          const double d = y[k] - data.targets[row * outputs + k];
          squared += d * d;
        }
      }
    }
  }
  p.rows = data.rows;
  if (data.rows > 0) {
    if (classify && !data.labels.empty())
      p.accuracy = static_cast<double>(correct) / static_cast<double>(data.rows);
    if (!classify && !data.targets.empty())
      p.mse = squared / static_cast<double>(data.rows * spec.outputs);
  }
}

// Pass 2: full batches of B, timed.
void time_batches(Backend& backend, const MlpSpec& spec, const Dataset& data, std::int64_t b,
                  const InferOptions& options, RunControl* control, InferPoint& p) {
  std::vector<float> out(static_cast<std::size_t>(b * spec.outputs));
  std::vector<std::int64_t> rows(static_cast<std::size_t>(b));
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(std::min<std::int64_t>(options.max_batches, 1 << 16)));
  std::int64_t next = 0;
  const auto one_batch = [&] {
    for (auto& r : rows) {
      r = next;
      next = next + 1 == data.rows ? 0 : next + 1;
    }
    const Stopwatch watch;
    backend.stage_batch(data, rows);
    backend.infer_staged(out);
    return watch.seconds();
  };
  one_batch();  // warm-up: first touch of the buffers, thread pool start
  const Stopwatch total;
  while (static_cast<std::int64_t>(times.size()) < options.max_batches) {
    times.push_back(one_batch());
    if (static_cast<std::int64_t>(times.size()) >= options.min_batches &&
        total.seconds() >= options.min_seconds)
      break;
    if (control && control->stop_requested()) break;
  }
  const auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), mid, times.end());
  p.timed_batches = static_cast<std::int64_t>(times.size());
  p.step_ms = *mid * 1e3;
  p.samples_per_s = static_cast<double>(b) / *mid;
}

}  // namespace

InferResult run_batch_inference(const MlpSpec& spec, std::span<const float> parameters,
                                std::uint64_t seed, const Dataset& data,
                                const InferOptions& options, const BackendFactory& make_backend,
                                EventSink* sink, RunControl* control,
                                const std::function<void(const InferPoint&)>& on_point) {
  if (data.rows < 1) throw Error("inference: the dataset has no rows to predict");
  if (data.features != spec.inputs)
    throw Error("inference: the model takes " + std::to_string(spec.inputs) +
                " inputs, the dataset has " + std::to_string(data.features) + " features");
  if (!parameters.empty() && static_cast<std::int64_t>(parameters.size()) != mlp_parameter_count(spec))
    throw Error("inference: " + std::to_string(parameters.size()) + " parameters for a model of " +
                std::to_string(mlp_parameter_count(spec)));
  InferResult result;
  for (const std::int64_t b : options.batch_sizes) {
    if (control && control->stop_requested()) {
      result.stopped = true;
      break;
    }
    if (b < 1) throw Error("inference: batch size " + std::to_string(b) + " is below 1");
    InferPoint p;
    p.batch_size = b;
    p.predicted = predict_mlp_inference_memory(spec, b);
    {
      std::unique_ptr<Backend> backend = make_backend();
      if (result.device.empty()) result.device = backend->device_name();
      try {
        backend->prepare_inference(spec, b, seed);
      } catch (const OutOfMemoryError& e) {
        p.fits = false;
        p.error = e.what();
        p.memory = backend->memory().current();
      }
      if (p.fits) {
        if (!parameters.empty()) backend->set_parameters(parameters);
        p.memory = backend->memory().current();
        predict_rows(*backend, spec, data, b, options.keep_outputs, p);
        time_batches(*backend, spec, data, b, options, control, p);
      }
    }  // the backend goes before the next one is made: a device holds one at a time
    if (sink) {
      InferBatchSizeEvent e;
      e.batch_size = p.batch_size;
      e.rows = p.rows;
      e.timed_batches = p.timed_batches;
      e.samples_per_s = p.samples_per_s;
      e.step_ms = p.step_ms;
      e.accuracy = p.accuracy;
      e.memory = p.memory;
      e.predicted = p.predicted;
      sink->on_extension(e);
    }
    if (on_point) on_point(p);
    result.points.push_back(std::move(p));
  }
  return result;
}

}  // namespace batchlab
