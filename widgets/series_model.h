// defines: XAxisKind, RunSeries, SeriesModel (every plotted point of every run, undecimated)
// The plots read from here and decimate for display; nothing here is thinned, so hover shows
// exact values and a zoom re-decimates from the full data. Points with a non-finite x are
// dropped at the door; a non-finite loss or throughput is kept out of its series as NaN, which
// the decimator and the hover skip, so it never reaches QCustomPlot.
// Threading: GUI thread only (the bridge hands events over in batches).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/core/events.h"
#include "widgets/column.h"
#include "widgets/smoothing.h"

namespace batchlab {

enum class XAxisKind : int { step = 0, samples = 1, epoch = 2, wall = 3 };
inline constexpr int kXAxisKindCount = 4;

// Columns that let a series be drawn against any of the four x axes.
struct XColumns {
  std::array<Column, kXAxisKindCount> columns;

  const Column& get(XAxisKind k) const { return columns[static_cast<std::size_t>(k)]; }
  std::size_t size() const { return columns[0].size(); }
  void push(double step, double samples, double epoch, double wall);
  void clear();
};

struct RunSeries {
  std::int64_t run_id = 0;
  std::string name;
  bool visible = true;

  // One row per step: x columns, the batch's training loss, throughput and its moving average.
  XColumns steps;
  Column loss;
  Column samples_per_s;
  Column samples_per_s_avg;
  DebiasedEma throughput_ema{0.95};
  // What the forward and backward passes alone would give (batch / compute_ms), averaged as
  // samples_per_s_avg is; NaN where a step reports no compute time. The gap to samples_per_s_avg
  // is the step's other time: all-reduce, replicas idle, data and update.
  Column compute_per_s_avg;
  DebiasedEma compute_ema{0.95};
  bool has_compute = false;  // some step reported its compute time
  // Data-parallel runs only (empty while every step had one replica): each step's exposed
  // all-reduce and idle time, aligned with `steps` once the first replicated step arrives.
  Column allreduce_ms;
  Column idle_ms;
  // The schedule as it ran: each step's batch and LR, and the gradient noise scale where it was
  // measured (NaN elsewhere).
  Column step_batch;
  Column lr;
  Column b_simple;

  // One row per evaluation.
  XColumns evals;
  Column val_loss;
  Column val_accuracy;

  // Memory by category: the latest step's and the peak total seen.
  MemoryBytes memory{};
  std::int64_t peak_memory = 0;
  std::optional<MemoryBytes> predicted;  // the memory model, when the run started here
  // The model's total alone, for a run read back from the store (its summary keeps only that).
  std::int64_t predicted_total = 0;
  std::int64_t predicted_bytes() const {
    return predicted ? total_bytes(*predicted) : predicted_total;
  }
  std::int64_t device_total = 0;  // 0: unknown
  std::int64_t batch_size = 0;    // the largest batch a step has used so far
  std::int64_t last_batch = 0;    // the latest step's batch
  double last_b_simple = kNaN;    // the latest noise scale measured
  std::int64_t dropped = 0;       // steps refused for a non-finite x
  int replicas = 1;               // the latest step's replica count
  std::int64_t last_replica_batch = 0;  // and its busiest replica's rows
  // Per device, the latest memory (DeviceMemoryEvent) of a backend over several devices;
  // empty for one device and for a run read back from the store (which keeps the sum only).
  std::vector<MemoryBytes> device_memory;
  int generation = 0;             // bumped when load() replaces the points: caches start over

  bool empty() const { return steps.size() == 0 && evals.size() == 0; }
};

// The batch B a run starts with: batch.size, 1 (stochastic) or every training row (full).
std::int64_t starting_batch(const RunStarted& e);

class SeriesModel {
 public:
  RunSeries& ensure(std::int64_t run_id);
  const RunSeries* find(std::int64_t run_id) const;
  RunSeries* find(std::int64_t run_id);
  void remove(std::int64_t run_id);
  void clear() { runs_.clear(); }

  void on_started(const RunStarted& e);
  void append(const StepEvent& e);
  // A drained batch: the run lookup is done once per run, not once per step.
  void append(std::span<const StepEvent> steps);
  void append(const EvalEvent& e);
  // One device's memory after a step (a backend over several devices).
  void set_device_memory(std::int64_t run_id, int device, const MemoryBytes& memory);
  // Replaces a run's points with those read back from the store.
  void load(std::int64_t run_id, std::span<const StepEvent> steps,
            std::span<const EvalEvent> evals);

  void set_visible(std::int64_t run_id, bool visible);
  // Runs in id order.
  const std::map<std::int64_t, RunSeries>& runs() const { return runs_; }

 private:
  static void append_to(RunSeries& run, const StepEvent& e);
  std::map<std::int64_t, RunSeries> runs_;
};

}  // namespace batchlab
