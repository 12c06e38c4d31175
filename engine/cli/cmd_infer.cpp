// batchlab-cli infer: forward passes only, over the dataset's rows at each batch size: a table
// of samples/s, median step time, accuracy, and memory measured beside the memory model's
// prediction for inference.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "engine/core/errors.h"
#include "engine/core/format.h"
#include "engine/experiment/run_executor.h"
#include "engine/serve/latency_text.h"
#include "engine/serve/offline_infer.h"
#include "engine/serve/serve_store.h"
#include "engine/serve/serving_config.h"
#include "engine/serve/serving_model.h"
#include "event_stream.h"
#include "progress_line.h"

namespace batchlab::cli {
namespace {

std::string cell(const std::string& text, std::size_t width) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return std::string(width > chars ? width - chars : 0, ' ') + text;
}

std::int64_t at(const MemoryBytes& m, MemCategory c) {
  return m[static_cast<std::size_t>(c)];
}

std::string header() {
  return cell("batch", 8) + cell("samples/s", 11) + cell("step", 11) + cell("accuracy", 10) +
         cell("parameters", 12) + cell("activations", 13) + cell("batch in", 10) +
         cell("measured", 11) + cell("predicted", 11);
}

std::string row(const InferPoint& p) {
  std::string r = cell(std::to_string(p.batch_size), 8);
  if (!p.fits) return r + "  out of memory: " + p.error;
  const std::string quality = std::isfinite(p.accuracy) ? format_number(p.accuracy, 4)
                              : std::isfinite(p.mse)    ? "mse " + format_number(p.mse, 3)
                                                        : std::string(kMissing);
  r += cell(format_rate(p.samples_per_s), 11) + cell(format_latency(p.step_ms * 1e-3), 11) +
       cell(quality, 10) + cell(format_bytes(at(p.memory, MemCategory::parameters)), 12) +
       cell(format_bytes(at(p.memory, MemCategory::activations)), 13) +
       cell(format_bytes(at(p.memory, MemCategory::batch)), 10) +
       cell(format_bytes(total_bytes(p.memory)), 11) + cell(format_bytes(total_bytes(p.predicted)), 11);
  if (p.memory != p.predicted) r += "  (differs from the model)";
  return r;
}

}  // namespace

int cmd_infer(const ServingCliOptions& o) {
  ServingConfig config;
  ServingModel model;
  if (!load_serving_input(o, config, model)) return kExitBadInput;
  std::string device;
  try {
    device = make_backend(model.config)->device_name();  // e.g. cuda in a build without it: bad input
  } catch (const Error& e) {
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    return kExitBadInput;
  }
  EventStream jsonl;
  if (!jsonl.open(o.jsonl)) return kExitBadInput;
  bool store_ok = true;
  const auto writer =
      open_serving_run(o, RunKind::inference, config, device, store_ok);
  if (!store_ok) return kExitBadInput;
  std::FILE* out = o.jsonl == "-" ? stderr : stdout;
  const bool terminal = ::isatty(STDERR_FILENO) != 0;

  // Ctrl-C stops after the batch being timed; a watcher turns the signal flag into the stop.
  RunControl control;
  install_interrupt_handler();
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished.load()) {
      if (interrupt_requested()) control.request_stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  const Dataset& rows = model.rows();
  std::fprintf(out, "infer %s: %s, %lld %s rows; forward only (no gradients, no optimizer state)\n",
               config.name.c_str(), model.label.c_str(), static_cast<long long>(rows.rows),
               &rows == &model.data.train ? "training" : "validation");
  bool headed = false;
  const auto announce = [&](std::int64_t b) {
    if (terminal) std::fprintf(stderr, "\r\033[Kmeasuring batch %lld …", static_cast<long long>(b));
  };
  bool any_oom = false;
  const auto on_point = [&](const InferPoint& p) {
    if (terminal) std::fprintf(stderr, "\r\033[K");
    if (!headed) {
      std::fprintf(out, "%s\n", header().c_str());
      headed = true;
    }
    std::fprintf(out, "%s\n", row(p).c_str());
    std::fflush(out);
    any_oom |= !p.fits;
    const auto& sizes = config.infer.batch_sizes;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
      if (sizes[i] == p.batch_size) announce(sizes[i + 1]);
  };
  InferResult result;
  int code = kExitOk;
  try {
    if (!config.infer.batch_sizes.empty()) announce(config.infer.batch_sizes.front());
    result = run_batch_inference(model.spec, model.parameters, model.config.seed, rows, config.infer,
                                 [&] { return make_backend(model.config); }, jsonl.sink(), &control,
                                 on_point);
  } catch (const Error& e) {
    if (terminal) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "batchlab-cli: %s\n", e.what());
    if (writer) writer->fail(e.what());
    code = kExitFailed;
  }
  finished.store(true);
  watcher.join();
  if (code != kExitOk) return code;
  if (terminal) std::fprintf(stderr, "\r\033[K");
  std::fprintf(out, "device: %s; step = staging + forward pass of one batch (median); samples/s = batch / step\n",
               result.device.c_str());
  if (result.stopped) std::fprintf(out, "stopped early\n");
  if (writer) {
    std::vector<InferenceRow> stored;
    for (const InferPoint& p : result.points) stored.push_back(inference_row(p));
    writer->finish_inference(stored, result.stopped);
    std::fprintf(out, "recorded as run %lld in %s\n", static_cast<long long>(writer->run_id()),
                 store_path_or_default(o.db).c_str());
  }
  return any_oom ? kExitResult : kExitOk;
}

}  // namespace batchlab::cli
