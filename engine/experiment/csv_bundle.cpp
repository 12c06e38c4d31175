#include "engine/experiment/csv_bundle.h"

#include <cmath>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"
#include "engine/experiment/atomic_file.h"
#include "engine/experiment/exporter.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRunColumns =
    "run_id,name,sweep_id,sweep,status,reason,created,device,dataset,hidden,optimizer,"
    "batch_size,accumulate,lr,lr_scaling,lr_base_batch,seed,target_metric,target_value,"
    "steps,samples,epochs,time_s,samples_per_s_median,peak_memory_bytes,final_train_loss,"
    "final_val_loss,final_val_accuracy,best_val_loss,best_val_accuracy,steps_to_target,"
    "samples_to_target,epochs_to_target,time_to_target_s,diverged_step,oom_requested_bytes,tags";

void put(std::ostream& o, double v) {
  if (std::isfinite(v)) o << v;
}

template <typename T>
void put(std::ostream& o, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_floating_point_v<T>)
    put(o, *v);
  else
    o << *v;
}

// One value of the stored config (run_config_to_json's layout) as a cell: strings quoted,
// numbers as numbers, lists joined with '-', null or absent as an empty cell.
std::string config_cell(const json& config, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!config.is_object() || !config.contains(p)) return {};
  const json& v = config.at(p);
  if (v.is_null()) return {};
  if (v.is_string()) return csv_quote(v.get<std::string>());
  if (v.is_array()) {
    std::string joined;
    for (const auto& e : v) {
      if (!joined.empty()) joined += '-';  // append, not a + chain: GCC 12's -Wrestrict (105329)
      joined += e.dump();
    }
    return csv_quote(joined);
  }
  return v.dump();
}

void write_runs_csv(std::ostream& o, const std::vector<RunRecord>& runs,
                    const std::map<std::int64_t, std::string>& sweep_names) {
  o.precision(9);
  o << kRunColumns << '\n';
  for (const auto& r : runs) {
    const json config = json::parse(r.config_json, nullptr, /*allow_exceptions=*/false);
    const RunSummary s = summary_from_json(r.summary_json);
    o << r.id << ',' << csv_quote(r.name) << ',';
    if (r.sweep_id > 0) {
      o << r.sweep_id;
      if (auto it = sweep_names.find(r.sweep_id); it != sweep_names.end())
        o << ',' << csv_quote(it->second);
      else
        o << ',';
    } else {
      o << ',';
    }
    o << ',' << to_string(r.status) << ',' << csv_quote(r.reason) << ',' << csv_quote(r.created)
      << ',' << csv_quote(r.device);
    for (const char* key :
         {"/dataset/kind", "/model/hidden", "/optimizer/kind", "/batch/size", "/batch/accumulate",
          "/optimizer/lr", "/batch/lr_scaling/rule", "/batch/lr_scaling/base_batch", "/seed",
          "/stop/target/metric", "/stop/target/value"})
      o << ',' << config_cell(config, key);
    o << ',' << s.steps << ',' << s.samples << ',';
    put(o, s.epochs);
    o << ',';
    put(o, s.time_s);
    o << ',';
    put(o, s.samples_per_s_median);
    o << ',' << s.peak_memory_bytes;
    for (double v : {s.final_train_loss, s.final_val_loss, s.final_val_accuracy, s.best_val_loss,
                     s.best_val_accuracy}) {
      o << ',';
      put(o, v);
    }
    o << ',';
    put(o, s.steps_to_target);
    o << ',';
    put(o, s.samples_to_target);
    o << ',';
    put(o, s.epochs_to_target);
    o << ',';
    put(o, s.time_to_target_s);
    o << ',';
    put(o, s.diverged_step);
    o << ',';
    put(o, s.oom_requested_bytes);
    std::string tags;
    for (const auto& t : r.tags) {
      if (!tags.empty()) tags += ';';
      tags += t;
    }
    o << ',' << csv_quote(tags) << '\n';
  }
}

void write_evals_csv(std::ostream& o, const RunStore& store, const std::vector<RunRecord>& runs) {
  o.precision(9);
  o << "run_id,run_name,step,epoch,val_loss,val_accuracy,train_loss,wall_s\n";
  for (const auto& r : runs) {
    const std::string name = csv_quote(r.name);
    for (const auto& e : store.evals(r.id)) {
      o << r.id << ',' << name << ',' << e.step << ',' << e.epoch << ',';
      put(o, e.val_loss);
      o << ',';
      put(o, e.val_accuracy);
      o << ',';
      put(o, e.train_loss);
      o << ',' << e.wall_s << '\n';
    }
  }
}

}  // namespace

CsvBundleFiles export_csv_bundle(const RunStore& store, const std::vector<std::int64_t>& run_ids,
                                 const fs::path& folder) {
  const std::vector<RunRecord> runs = stored_runs(store, run_ids);  // unknown ids: nothing written
  std::map<std::int64_t, std::string> sweep_names;
  for (const auto& r : runs)
    if (r.sweep_id > 0 && !sweep_names.contains(r.sweep_id))
      if (auto sw = store.sweep(r.sweep_id)) sweep_names[r.sweep_id] = sw->name;

  std::error_code ec;
  bool created = false;
  if (fs::exists(folder, ec)) {
    if (!fs::is_directory(folder, ec))
      throw Error(folder.string() + ": is a file; the CSV bundle needs a folder (-o names one)");
  } else {
    created = fs::create_directories(folder, ec);
    if (ec) throw Error(folder.string() + ": cannot create the folder: " + ec.message());
  }

  const CsvBundleFiles files{folder / "runs.csv", folder / "steps.csv", folder / "evals.csv"};
  const PendingFile pending[] = {
      {files.runs, [&](std::ostream& o) { write_runs_csv(o, runs, sweep_names); }},
      {files.steps, [&](std::ostream& o) { write_steps_csv(o, store, runs); }},
      {files.evals, [&](std::ostream& o) { write_evals_csv(o, store, runs); }},
  };
  try {
    write_files_atomically(pending);
  } catch (...) {
    if (created) fs::remove(folder, ec);  // only ever empty here: temporaries are gone
    throw;
  }
  return files;
}

}  // namespace batchlab
