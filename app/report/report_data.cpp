#include "app/report/report_data.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <QDateTime>
#include <nlohmann/json.hpp>

#include "app/report/report_serving.h"
#include "engine/core/errors.h"
#include "engine/core/format_text.h"
#include "engine/experiment/run_scaling_inputs.h"
#include "widgets/format.h"
#include "widgets/sweep_plots.h"

namespace batchlab {

namespace {

using nlohmann::json;

void flatten(const json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  out[prefix] = j.is_string() ? j.get<std::string>() : j.dump();
}

double number_or(const std::map<std::string, std::string>& config, const std::string& key,
                 double fallback) {
  const auto it = config.find(key);
  if (it == config.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    return fallback;
  }
}

QString machine_line(const std::string& environment_json) {
  const json env = json::parse(environment_json, nullptr, false);
  if (!env.is_object()) return QStringLiteral("not recorded");
  QStringList parts;
  const std::string cpu = env.value("cpu_model", std::string());
  const int cores = env.value("cpu_cores", 0);
  if (!cpu.empty()) parts << QString::fromStdString(cpu) + QStringLiteral(" (%1 cores)").arg(cores);
  const std::string host = env.value("host", std::string());
  if (!host.empty()) parts << QStringLiteral("host ") + QString::fromStdString(host);
  const std::string os = env.value("os", std::string());
  if (!os.empty()) parts << QString::fromStdString(os);
  const std::string version = env.value("batchlab_version", std::string());
  if (!version.empty()) parts << QStringLiteral("BatchLab ") + QString::fromStdString(version);
  return parts.isEmpty() ? QStringLiteral("not recorded") : parts.join(QStringLiteral(", "));
}

void add_findings(ReportData& d) {
  // Fastest to target: by wall time, the quantity a person waits for, as the mean over repeats
  // (sweep_findings, which `batchlab-cli sweep` prints too), beside the fitted optimum.
  if (d.fastest) {
    const FastestToTarget& f = *d.fastest;
    QString text = f.runs > 1 ? QStringLiteral(
                                    "Fastest to the target (%1): batch size %2, in %3 on average "
                                    "(%4 of %5 repeats reached it).")
                                    .arg(d.target)
                                    .arg(f.batch)
                                    .arg(format_duration(f.mean_s))
                                    .arg(f.reached)
                                    .arg(f.runs)
                              : QStringLiteral("Fastest to the target (%1): batch size %2, in %3.")
                                    .arg(d.target)
                                    .arg(f.batch)
                                    .arg(format_duration(f.mean_s));
    if (d.time_fit)
      if (const auto b = d.time_fit->fastest_batch())
        text += QStringLiteral(" The fit T = α + β/B + γ·B puts the fastest at B ≈ %1.")
                    .arg(format_number(*b, 3));
    d.findings << text;
  } else if (!d.target.isEmpty()) {
    d.findings << QStringLiteral("No run reached the target (%1).").arg(d.target);
  } else {
    d.findings << QStringLiteral("The runs had no stop target, so there is no time to target.");
  }

  double largest_fit = 0.0;
  double smallest_oom = 0.0;
  for (const ReportRun& r : d.runs) {
    if (r.record.status == RunStatus::out_of_memory) {
      if (smallest_oom == 0.0 || r.batch < smallest_oom) smallest_oom = r.batch;
    } else if (r.record.status != RunStatus::running && r.record.status != RunStatus::failed) {
      largest_fit = std::max(largest_fit, r.batch);
    }
  }
  if (largest_fit > 0.0)
    d.findings << (smallest_oom > 0.0
                       ? QStringLiteral("Largest batch size that fit in memory: %1 (%2 ran out).")
                             .arg(largest_fit)
                             .arg(smallest_oom)
                       : QStringLiteral("Largest batch size that fit in memory: %1 (none ran out).")
                             .arg(largest_fit));
  else if (smallest_oom > 0.0)
    d.findings << QStringLiteral("Every batch size ran out of memory; the smallest was %1.")
                      .arg(smallest_oom);

  double largest_measured = 0.0;
  for (const ReportRun& r : d.runs)
    if (std::isfinite(r.summary.samples_per_s_median))
      largest_measured = std::max(largest_measured, r.batch);
  if (d.knee && *d.knee >= largest_measured && d.runs.size() > 1)
    d.findings << QStringLiteral(
                      "Throughput still rises up to the largest batch size measured (%1): no "
                      "knee within this sweep.")
                      .arg(*d.knee);
  else if (d.knee)
    d.findings << QStringLiteral(
                      "Throughput knee: batch size %1 is within 10% of the best throughput; "
                      "larger batches buy little speed.")
                      .arg(*d.knee);
  if (d.fit)
    d.findings << QStringLiteral(
                      "Fitted S = S_min(1 + B_noise/B): S_min = %1 steps, B_noise = %2 "
                      "(R² = %3). Batches well above B_noise need about S_min steps and waste "
                      "samples; well below, steps grow as 1/B.")
                      .arg(format_number(d.fit->s_min, 3))
                      .arg(format_number(d.fit->b_noise, 3))
                      .arg(format_number(d.fit->r2, 3));
  else
    d.findings << QStringLiteral("No B_noise fit: %1").arg(d.fit_note);
  if (d.time_fit)
    d.findings << QStringLiteral(
                      "Fitted time to target T = α + β/B + γ·B (steps to target × step time "
                      "t₀ + c·B; R² = %1): %2.")
                      .arg(format_number(d.time_fit->r2, 3), time_fit_text(*d.time_fit));
}

}  // namespace

std::map<std::string, std::string> flatten_config(const std::string& config_json) {
  std::map<std::string, std::string> out;
  const json j = json::parse(config_json, nullptr, false);
  if (j.is_object()) flatten(j, "", out);
  return out;
}

// One finding per serving run (its best setting under the p99 objective) and per inference run
// (its fastest batch size), in the words the runs table and the CLI use.
void add_serving_findings(ReportData& d) {
  const auto ms = [](double v) { return QString::fromStdString(text::latency(v * 1e-3)); };
  const auto rate = [](double v) { return QString::fromStdString(text::rate(v)); };
  for (const ReportServing& s : d.serving) {
    const QString run = QStringLiteral("run #%1").arg(s.record.id);
    double objective = 0;
    for (const auto& p : s.points) objective = std::max(objective, p.objective_ms);
    if (const ServingPointRow* b = best_serving_point(s.points)) {
      d.findings << QStringLiteral(
                        "Serving (%1): the best setting under p99 ≤ %2 is %3 at %4 req/s (p99 "
                        "%5, mean batch %6).")
                        .arg(run, ms(objective), serving_setting_text(*b), rate(b->throughput),
                             ms(b->p99_ms), format_number(b->mean_batch, 3));
    } else if (objective > 0) {
      d.findings << QStringLiteral(
                        "Serving (%1): no setting met p99 ≤ %2 with nothing lost at the loads "
                        "tried.")
                        .arg(run, ms(objective));
    }
    int saturated = 0;
    double lowest = 0;
    for (const auto& p : s.points)
      if (p.saturated) {
        ++saturated;
        lowest = lowest == 0 ? p.saturated_at : std::min(lowest, p.saturated_at);
      }
    if (saturated > 0)
      d.findings << QStringLiteral(
                        "Serving (%1): %2 of %3 points saturated (the queue grew); the lowest "
                        "kept up with ≈ %4 req/s.")
                        .arg(run)
                        .arg(saturated)
                        .arg(s.points.size())
                        .arg(rate(lowest));
  }
  for (const ReportInference& in : d.inference) {
    const InferenceRow* best = nullptr;
    for (const auto& r : in.rows)
      if (r.fits && std::isfinite(r.samples_per_s) && (!best || r.samples_per_s > best->samples_per_s))
        best = &r;
    if (best && in.rows.size() > 1)
      d.findings << QStringLiteral(
                        "Offline inference (run #%1): the fastest batch size is %2 at %3 "
                        "samples/s (%4× batch %5).")
                        .arg(in.record.id)
                        .arg(best->batch_size)
                        .arg(rate(best->samples_per_s))
                        .arg(format_number(best->samples_per_s / in.rows.front().samples_per_s, 3))
                        .arg(in.rows.front().batch_size);
  }
}

ReportData load_report_data(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                            std::int64_t sweep_id) {
  ReportData d;
  std::vector<RunRecord> records;
  if (sweep_id != 0) {
    const auto sweep = store.sweep(sweep_id);
    if (!sweep)
      throw Error("no sweep with id " + std::to_string(sweep_id) + " in " + store.path().string());
    records = store.runs_in_sweep(sweep_id);
    d.title = QStringLiteral("Sweep report: %1").arg(QString::fromStdString(sweep->name));
  }
  for (const std::int64_t id : run_ids) {
    auto record = store.run(id);
    if (!record)
      throw Error("no run with id " + std::to_string(id) + " in " + store.path().string());
    records.push_back(std::move(*record));
  }
  if (records.empty()) throw Error("nothing to report: the sweep has no runs");
  if (d.title.isEmpty())
    d.title = records.size() == 1
                  ? QStringLiteral("Run report: %1").arg(QString::fromStdString(records[0].name))
                  : QStringLiteral("Report on %1 runs").arg(records.size());
  d.date = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
  d.machine = machine_line(records.front().environment_json);

  std::set<std::string> devices;
  for (RunRecord& record : records) {
    devices.insert(record.device);
    if (record.kind == RunKind::serving) {
      ReportServing sv;
      sv.points = store.serving_points(record.id);
      sv.windows = store.serving_windows(record.id);
      sv.record = std::move(record);
      d.serving.push_back(std::move(sv));
      continue;
    }
    if (record.kind == RunKind::inference) {
      ReportInference in;
      in.rows = store.inference(record.id);
      in.record = std::move(record);
      d.inference.push_back(std::move(in));
      continue;
    }
    ReportRun r;
    r.summary = summary_from_json(record.summary_json.empty() ? "{}" : record.summary_json);
    r.config = flatten_config(record.config_json);
    r.batch = number_or(r.config, "batch.size", 0.0);
    r.lr = number_or(r.config, "optimizer.lr", 0.0);
    r.steps = store.steps(record.id);
    // Runs that trained keep their model, so the gradient size is read, never a dataset loaded.
    if (record.status == RunStatus::completed || record.status == RunStatus::stopped ||
        record.status == RunStatus::target_reached) {
      try {
        ScalingInputs in = scaling_inputs_for_run(store, record.id).in;
        const LinkPreset* link = find_link_preset(kReportScalingLink);
        in.bytes_per_s = link->gbit_per_s * 1e9 / 8.0;
        in.latency_s = link->latency_us * 1e-6;
        r.scaling = in;
      } catch (const std::exception&) {
        // Nothing measured to model from: the run has no scaling plot.
      }
    }
    d.limits.add(record);
    r.record = std::move(record);
    d.runs.push_back(std::move(r));
  }
  QStringList device_list;
  for (const std::string& dev : devices) device_list << QString::fromStdString(dev);
  d.device = device_list.join(QStringLiteral("; "));
  add_serving_findings(d);
  // Only inference and serving runs: the training findings, fits and settings have nothing
  // to say.
  if (d.runs.empty()) return d;

  const auto& first = d.runs.front().config;
  if (const auto m = first.find("stop.target.metric"); m != first.end()) {
    const auto v = first.find("stop.target.value");
    const bool loss = m->second.find("loss") != std::string::npos;
    d.target = QString::fromStdString(m->second) +
               (loss ? QStringLiteral(" ≤ ") : QStringLiteral(" ≥ ")) +
               (v != first.end() ? QString::fromStdString(v->second) : QString());
  }

  // Keys present in any run; a key missing from one run counts as differing.
  std::set<std::string> keys;
  for (const ReportRun& r : d.runs)
    for (const auto& [k, v] : r.config) keys.insert(k);
  for (const std::string& k : keys) {
    if (k == "name") continue;  // every run has its own name; the table shows it already
    const auto value = [&](const ReportRun& r) {
      const auto it = r.config.find(k);
      return it == r.config.end() ? std::string("—") : it->second;
    };
    const std::string v0 = value(d.runs.front());
    const bool same = std::all_of(d.runs.begin(), d.runs.end(),
                                  [&](const ReportRun& r) { return value(r) == v0; });
    (same ? d.shared_keys : d.differing_keys).push_back(k);
  }

  std::vector<OutcomePoint> outcomes;
  for (const ReportRun& r : d.runs) outcomes.push_back({r.batch, r.record.status, r.summary});
  const SweepFindings found = sweep_findings(outcomes);
  d.knee = found.knee;
  d.fastest = found.fastest;
  const std::vector<BatchPoint>& steps_pts = found.steps_to_target;
  const std::vector<BatchPoint>& time_pts = found.time_to_target;
  if (steps_pts.empty()) {
    d.fit_note = QStringLiteral("no run reached a stop target, so there are no steps to target.");
  } else {
    try {
      d.fit = fit_steps_to_target(steps_pts);
    } catch (const Error& e) {
      d.fit_note = QString::fromStdString(e.what());
    }
    // Fewer than three batch sizes reached the target: the findings say nothing more of time.
    try {
      d.time_fit = fit_time_to_target(time_pts);
    } catch (const Error&) {
    }
  }
  add_findings(d);
  return d;
}

}  // namespace batchlab
