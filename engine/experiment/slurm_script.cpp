#include "engine/experiment/slurm_script.h"

#include <cctype>
#include <cstdio>
#include <regex>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/experiment/atomic_file.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"

namespace batchlab {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSource = "--slurm";

// The paths go into #SBATCH lines, which sbatch splits at whitespace, and into shell lines
// inside double quotes: refuse what either would misread rather than quote half-way.
void check_path(const std::string& option, const fs::path& p) {
  const std::string s = p.string();
  if (s.find_first_of(" \t\n\r\"'`$\\") != std::string::npos)
    throw ConfigError(kSource, option,
                      "\"" + s +
                          "\" holds a space, quote, $ or backslash, which #SBATCH lines "
                          "cannot carry; choose a plainer path");
}

void check_value(const std::string& option, const std::string& value, const std::regex& shape,
                 const std::string& expected) {
  if (!value.empty() && !std::regex_match(value, shape))
    throw ConfigError(kSource, option, "expected " + expected + ", got \"" + value + "\"");
}

// Slurm's job names are shown in squeue; keep them to one plain word.
std::string job_name(const std::string& sweep_name) {
  std::string out = "batchlab-";
  for (const char c : sweep_name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return out;
}

std::string task_stem(std::size_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03zu", index);
  return buf;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

// A relative dataset path was relative to where the sweep was expanded; a task starts in
// whatever folder sbatch was called from, so the run file says where the data is.
RunConfig for_task(RunConfig config) {
  if (!config.dataset.path.empty() && fs::path(config.dataset.path).is_relative())
    config.dataset.path = fs::absolute(config.dataset.path).lexically_normal().string();
  return config;
}

}  // namespace

void check_slurm_options(const SlurmOptions& o) {
  if (o.out_dir.empty()) throw ConfigError(kSource, "OUT_DIR", "give the folder to write to");
  check_path("OUT_DIR", fs::absolute(o.out_dir));
  check_path("batchlab-cli path", fs::absolute(o.cli));
  static const std::regex partition(R"([A-Za-z0-9_.,\-]+)");
  static const std::regex gres(R"([A-Za-z0-9_.:,=\-]+)");
  static const std::regex time(R"((\d+-\d{1,2}(:\d{2}){0,2})|(\d+(:\d{2}){0,2}))");
  static const std::regex mem(R"(\d+[KMGT]?)");
  check_value("--partition", o.partition, partition, "a partition name such as gpu");
  check_value("--gres", o.gres, gres, "a generic resource such as gpu:1");
  check_value("--time", o.time, time, "HH:MM:SS (or Slurm's MM, MM:SS, D-HH:MM:SS)");
  check_value("--mem", o.mem, mem, "a size such as 16G or 4000M");
  if (o.cpus_per_task < 0) throw ConfigError(kSource, "--cpus-per-task", "must be at least 1");
}

std::string slurm_array_script(const std::string& sweep_name, std::size_t runs,
                               const SlurmOptions& o, std::int64_t sweep_id) {
  const std::string out = o.out_dir.string();
  const std::string cli = o.cli.string();
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# BatchLab sweep \"" << one_line(sweep_name) << "\" as a Slurm job array: " << runs
    << " run" << (runs == 1 ? "" : "s") << ", one array task each (" << out
    << "/runs.tsv lists them).\n"
    << "# Written by batchlab-cli sweep --slurm. Submit it with\n"
    << "#   sbatch " << out << "/sweep.sbatch\n"
    << "# and once every task has ended, merge the store shards into the run store:\n"
    << "#   " << cli << " merge " << out << "/shards/*.sqlite"
    << (o.merge_db.empty() ? "" : " --db " + o.merge_db) << "\n"
    << "#SBATCH --job-name=" << job_name(sweep_name) << "\n"
    << "#SBATCH --array=0-" << (runs - 1) << "\n"
    << "#SBATCH --output=" << out << "/logs/slurm-%A_%a.out\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.gres.empty()) s << "#SBATCH --gres=" << o.gres << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  if (o.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n";
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
  s << "set -euo pipefail\n"
    << "# Task K trains runs/K.json (three digits) into its own shard, whose sweep row (id "
    << sweep_id << ")\n"
    << "# every shard shares, so the merge regroups the runs into one sweep. Exit 3 is a run\n"
    << "# that diverged or ran out of memory: a result, stored in the shard like any other.\n"
    << "exec " << cli << " run \"" << out
    << "/runs/$(printf %03d \"$SLURM_ARRAY_TASK_ID\").json\" --sweep-id " << sweep_id << " \\\n"
    << "  --db \"" << out << "/shards/task-$SLURM_ARRAY_TASK_ID.sqlite\" \\\n"
    << "  --jsonl \"" << out << "/logs/task-$SLURM_ARRAY_TASK_ID.jsonl\"\n";
  return s.str();
}

std::string slurm_run_list(const std::vector<SweepRunPlan>& plans) {
  std::ostringstream s;
  s << "index\tname\tbatch_size\tlr\tseed\n";
  for (const auto& p : plans) {
    char lr[32];
    std::snprintf(lr, sizeof lr, "%.6g", p.scaled_lr);
    s << task_stem(static_cast<std::size_t>(p.index)) << '\t' << one_line(p.config.name) << '\t'
      << p.batch_size << '\t' << lr << '\t' << p.seed << '\n';
  }
  return s.str();
}

SlurmSweepFiles write_slurm_sweep(const SweepConfig& sweep, const std::vector<SweepRunPlan>& plans,
                                  const SlurmOptions& options) {
  check_slurm_options(options);
  if (plans.empty()) throw ConfigError(kSource, "sweep", "the sweep expands to no runs");
  SlurmOptions o = options;
  o.out_dir = fs::absolute(options.out_dir).lexically_normal();
  if (o.out_dir.has_filename() == false) o.out_dir = o.out_dir.parent_path();
  o.cli = fs::absolute(options.cli).lexically_normal();

  std::error_code ec;
  const bool existed = fs::exists(o.out_dir, ec);
  if (existed && !fs::is_directory(o.out_dir, ec))
    throw Error(o.out_dir.string() + ": exists and is not a folder");
  if (existed && !fs::is_empty(o.out_dir, ec))
    throw Error(o.out_dir.string() +
                ": is not empty; give a new or empty folder (another sweep's shards must not "
                "mix with this one's)");

  SlurmSweepFiles files;
  files.out_dir = o.out_dir;
  files.script = o.out_dir / "sweep.sbatch";
  files.run_list = o.out_dir / "runs.tsv";
  const fs::path runs_dir = o.out_dir / "runs";
  const fs::path shards_dir = o.out_dir / "shards";
  try {
    for (const auto& d : {runs_dir, shards_dir, o.out_dir / "logs"}) {
      fs::create_directories(d, ec);
      if (ec) throw Error(d.string() + ": cannot create the folder: " + ec.message());
    }
    std::vector<PendingFile> pending;
    for (const auto& p : plans) {
      files.run_files.push_back(runs_dir /
                                (task_stem(static_cast<std::size_t>(p.index)) + ".json"));
      const std::string text = run_config_to_json(for_task(p.config)).dump(2) + "\n";
      pending.push_back({files.run_files.back(), [text](std::ostream& out) { out << text; }});
    }
    const std::string list = slurm_run_list(plans);
    pending.push_back({files.run_list, [list](std::ostream& out) { out << list; }});

    // The sweep row, once; the other shards are byte copies (see the header).
    const fs::path first = shards_dir / "task-0.sqlite";
    {
      RunStore store(first);
      files.sweep_id = store.create_sweep(sweep.name, sweep_config_to_json(sweep).dump());
    }
    files.shards.push_back(first);
    for (std::size_t k = 1; k < plans.size(); ++k) {
      files.shards.push_back(shards_dir / ("task-" + std::to_string(k) + ".sqlite"));
      fs::copy_file(first, files.shards.back(), ec);
      if (ec) throw Error(files.shards.back().string() + ": cannot write: " + ec.message());
    }
    const std::string script = slurm_array_script(sweep.name, plans.size(), o, files.sweep_id);
    pending.push_back({files.script, [script](std::ostream& out) { out << script; }});
    write_files_atomically(pending);
    fs::permissions(files.script, fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add, ec);
  } catch (...) {
    // Leave the folder as it was found: gone if we made it, else empty again.
    if (!existed) {
      fs::remove_all(o.out_dir, ec);
    } else {
      for (const auto& e : fs::directory_iterator(o.out_dir, ec)) fs::remove_all(e.path(), ec);
    }
    throw;
  }
  files.sbatch_line = "sbatch " + files.script.string();
  files.merge_line = o.cli.string() + " merge " + shards_dir.string() + "/*.sqlite" +
                     (o.merge_db.empty() ? "" : " --db " + o.merge_db);
  return files;
}

}  // namespace batchlab
