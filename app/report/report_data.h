// defines: ReportRun, ReportServing, ReportInference, ReportData, load_report_data,
//          flatten_config
// Everything a report shows, read from the store once, so the PDF and the HTML writers agree and
// tests can check the findings without parsing a document.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QStringList>

#include "engine/core/events.h"
#include "engine/experiment/memory_limits.h"
#include "engine/experiment/run_store.h"
#include "engine/metrics/scaling_fit.h"
#include "engine/metrics/scaling_model.h"
#include "engine/metrics/sweep_findings.h"
#include "engine/metrics/time_fit.h"

namespace batchlab {

struct ReportRun {
  RunRecord record;
  RunSummary summary;
  std::map<std::string, std::string> config;  // flattened: "optimizer.lr" → "0.1"
  double batch = 0.0;                         // batch.size
  double lr = 0.0;                            // optimizer.lr
  std::vector<StepEvent> steps;
  // What the data-parallel scaling model needs (run_scaling_inputs.h) over kReportScalingLink;
  // nullopt for a run without a kept model or a measured compute time.
  std::optional<ScalingInputs> scaling;
};

// A serving run (schema v6): every point of its sweep (or its one simulation) and the windows.
struct ReportServing {
  RunRecord record;
  std::vector<ServingPointRow> points;
  std::vector<ServingWindowRow> windows;
};

// An inference run: one row per batch size.
struct ReportInference {
  RunRecord record;
  std::vector<InferenceRow> rows;
};
// The link the report's scaling section assumes: batchlab-cli scale's default.
inline constexpr const char* kReportScalingLink = "infiniband";

struct ReportData {
  QString title;
  QString date;     // when the report was made, UTC
  QString machine;  // "Intel Xeon … (16 cores), host x, Linux …"
  QString device;   // the runs' device(s): "cpu (Eigen, 2 threads)"
  std::vector<ReportRun> runs;  // the training runs; the sections below are theirs
  std::vector<ReportServing> serving;      // serving runs, in the order given
  std::vector<ReportInference> inference;  // inference runs, in the order given
  std::vector<std::string> shared_keys;     // same value in every run
  std::vector<std::string> differing_keys;  // not the same in every run
  std::optional<ScalingFit> fit;
  QString fit_note;                         // why there is no fit, when there is none
  std::optional<TimeToTargetFit> time_fit;  // T = α + β/B + γ·B, with the fastest batch size
  MemoryLimits limits;                      // budget and device memory, for the memory plot
  std::optional<double> knee;               // sweep_findings' knee, as the CLI prints it
  std::optional<FastestToTarget> fastest;   // lowest mean time to target over repeats
  QString target;                           // "val_accuracy ≥ 0.9"; empty without a stop target
  QStringList findings;
  double price_per_hour = 0;  // > 0: the summary shows each run's cost and cost to target
};

// Reads the runs (in the order given) or the sweep's runs. Throws Error naming the id when a run
// or sweep is unknown, or when no run is left to report on.
ReportData load_report_data(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                            std::int64_t sweep_id = 0);

// Dotted keys to values as JSON text ("batch.size" → "64"); arrays stay one value.
std::map<std::string, std::string> flatten_config(const std::string& config_json);

}  // namespace batchlab
