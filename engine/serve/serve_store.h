// defines: serving_point_row, serving_point_rows, inference_row, ServingWindowRecorder,
//          ServingRunWriter
// Inference and serving results into the run store (schema v6, experiment/serving_record.h):
// the CLI's `infer` and `serve` and the Inference window write their results through these, so a
// stored serving run is the same whichever of them ran it.
// A run is created when the work starts (status running, kind inference or serving, the serving
// config as its config) and finished with its rows in one transaction, so a crash leaves a run
// that the next open marks interrupted rather than a run with half its points.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/event_sink.h"
#include "engine/experiment/serving_record.h"
#include "engine/serve/offline_infer.h"
#include "engine/serve/serve_sweep.h"
#include "engine/serve/serving_config.h"

namespace batchlab {

class RunStore;

ServingPointRow serving_point_row(int point, const ServeResult& r, double objective_s,
                                  bool meets_objective, bool best);
// A sweep's points (meets and best as the sweep judged them), or one simulation's result judged
// against the batcher's own objective (slo_p99_s; best when it meets it).
std::vector<ServingPointRow> serving_point_rows(const ServeSweepResult& sweep);
std::vector<ServingPointRow> serving_point_rows(const ServeResult& result, double objective_s);
InferenceRow inference_row(const InferPoint& p);

// An EventSink that keeps the serve_window events of each simulation (a sweep point ends with a
// serve_sweep_point event, which moves it to the next point). At most kMaxPerPoint windows a
// point: past that it keeps every second one, then every fourth, … so a long trace stays bounded.
class ServingWindowRecorder final : public EventSink {
 public:
  static constexpr std::size_t kMaxPerPoint = 2000;
  void on_extension(const ExtensionEvent& e) override;
  const std::vector<ServingWindowRow>& windows() const { return windows_; }

 private:
  std::vector<ServingWindowRow> windows_;
  int point_ = 0;
  std::size_t point_begin_ = 0;  // index of the current point's first window
  std::int64_t seen_ = 0;        // windows the current point sent
  std::int64_t stride_ = 1;      // keep one window in stride_
};

// One inference or serving run in the store at `path` (created when missing). Throws Error
// naming the store when it cannot be opened or written.
class ServingRunWriter {
 public:
  ServingRunWriter(const std::filesystem::path& path, RunKind kind, const std::string& name,
                   const ServingConfig& config, const std::string& device);
  ~ServingRunWriter();
  ServingRunWriter(const ServingRunWriter&) = delete;
  ServingRunWriter& operator=(const ServingRunWriter&) = delete;

  std::int64_t run_id() const { return run_id_; }
  void finish_inference(std::span<const InferenceRow> rows, bool stopped);
  void finish_serving(std::span<const ServingPointRow> points,
                      std::span<const ServingWindowRow> windows, bool stopped);
  // The work failed: the run ends `failed` with `reason`.
  void fail(const std::string& reason);

 private:
  void finish(bool stopped, const std::string& summary_json);
  std::unique_ptr<RunStore> store_;
  std::int64_t run_id_ = 0;
  bool finished_ = false;
};

}  // namespace batchlab
