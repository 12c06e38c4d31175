// sweep --slurm: the job-array script, the run files, the run list and the shards for a 4-run
// sweep; each run file loads back as its expanded run config; the array range; the printed
// sbatch and merge lines; bad options and a used folder refused. Without a Slurm, the script's
// own command line is run for each task by bash (as the array would), and the shards merge
// into one sweep of four runs.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "check_helpers.h"
#include "cli_process.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/slurm_script.h"
#include "engine/experiment/store_merge.h"
#include "engine/experiment/sweep.h"

using namespace batchlab;
using batchlab::testing::error_of;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json four_run_sweep() {
  return {{"name", "slurm test"},
          {"base",
           {{"seed", 1},
            {"dataset",
             {{"kind", "spirals"},
              {"samples", 200},
              {"noise", 0.1},
              {"classes", 2},
              {"validation", 0.2}}},
            {"model", {{"kind", "mlp"}, {"hidden", {8}}}},
            {"optimizer", {{"kind", "adam"}, {"lr", 0.01}}},
            {"batch", {{"strategy", "mini"}}},
            {"stop", {{"epochs", 2}}},
            {"eval", {{"every_epochs", 1}}},
            {"device", "cpu"}}},
          {"batch_sizes", {8, 16, 32, 64}}};
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

class TestSlurmScript : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path root_;

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    root_ = dir_.path().toStdString();
  }

  void writesTheArrayTheRunFilesAndTheShards() {
    const SweepConfig sweep = sweep_config_from_json(four_run_sweep(), "sweep.json");
    const auto plans = expand_sweep(sweep);
    QCOMPARE(plans.size(), std::size_t{4});
    SlurmOptions o;
    o.out_dir = root_ / "out";
    o.cli = "/opt/batchlab/bin/batchlab-cli";
    o.partition = "gpu";
    o.gres = "gpu:1";
    o.time = "01:30:00";
    o.cpus_per_task = 4;
    o.mem = "8G";
    const SlurmSweepFiles f = write_slurm_sweep(sweep, plans, o);
    const std::string out = (root_ / "out").string();
    QCOMPARE(f.out_dir.string(), out);

    // One run file per task, each the expanded run's whole config.
    QCOMPARE(f.run_files.size(), std::size_t{4});
    for (std::size_t i = 0; i < 4; ++i) {
      const fs::path want = root_ / "out" / "runs" / ("00" + std::to_string(i) + ".json");
      QCOMPARE(f.run_files[i], want);
      const RunConfig loaded = load_run_config(want.string());
      QCOMPARE(run_config_to_json(loaded), run_config_to_json(plans[i].config));
      QCOMPARE(loaded.batch.size, plans[i].batch_size);
    }
    QVERIFY(!fs::exists(root_ / "out" / "runs" / "004.json"));

    const auto list = lines(read(f.run_list));
    QCOMPARE(list.size(), std::size_t{5});
    QCOMPARE(list[0], std::string("index\tname\tbatch_size\tlr\tseed"));
    QCOMPARE(list[3], std::string("002\tslurm test b=32 lr=0.01\t32\t0.01\t1"));

    const std::string script = read(f.script);
    QVERIFY(script.starts_with("#!/bin/bash\n"));
    for (const std::string& want : std::vector<std::string>{
             "#SBATCH --array=0-3\n", "#SBATCH --partition=gpu\n", "#SBATCH --gres=gpu:1\n",
             "#SBATCH --time=01:30:00\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --mem=8G\n",
             "#SBATCH --job-name=batchlab-slurm-test\n",
             "#SBATCH --output=" + out + "/logs/slurm-%A_%a.out\n",
             "exec /opt/batchlab/bin/batchlab-cli run \"" + out +
                 "/runs/$(printf %03d \"$SLURM_ARRAY_TASK_ID\").json\" --sweep-id 1",
             "--db \"" + out + "/shards/task-$SLURM_ARRAY_TASK_ID.sqlite\"",
             "--jsonl \"" + out + "/logs/task-$SLURM_ARRAY_TASK_ID.jsonl\""})
      QVERIFY2(script.find(want) != std::string::npos, want.c_str());
    // sbatch reads #SBATCH lines only before the first command.
    QVERIFY(script.find("#SBATCH") < script.find("set -euo pipefail"));
    QVERIFY(script.rfind("#SBATCH") < script.find("set -euo pipefail"));
    QVERIFY((fs::status(f.script).permissions() & fs::perms::owner_exec) != fs::perms::none);

    QCOMPARE(f.sbatch_line, "sbatch " + out + "/sweep.sbatch");
    QCOMPARE(f.merge_line, "/opt/batchlab/bin/batchlab-cli merge " + out + "/shards/*.sqlite");

    // Every shard holds the same sweep row, id 1, and no run yet.
    QCOMPARE(f.shards.size(), std::size_t{4});
    QCOMPARE(f.sweep_id, std::int64_t{1});
    std::optional<SweepRecord> first;
    for (std::size_t k = 0; k < 4; ++k) {
      QCOMPARE(f.shards[k], root_ / "out" / "shards" / ("task-" + std::to_string(k) + ".sqlite"));
      const RunStore s(f.shards[k]);
      QVERIFY(s.list_runs().empty());
      const auto sweeps = s.list_sweeps();
      QCOMPARE(sweeps.size(), std::size_t{1});
      QCOMPARE(sweeps[0].id, f.sweep_id);
      QCOMPARE(sweeps[0].name, std::string("slurm test"));
      if (!first) first = sweeps[0];
      QCOMPARE(sweeps[0].created, first->created);
      QCOMPARE(sweeps[0].config_json, first->config_json);
    }
    QVERIFY(fs::is_directory(root_ / "out" / "logs"));
  }

  void optionalLinesAreLeftOutAndTheFolderMustBeEmpty() {
    const SweepConfig sweep = sweep_config_from_json(four_run_sweep(), "sweep.json");
    const auto plans = expand_sweep(sweep);
    SlurmOptions o;
    o.out_dir = root_ / "plain";
    o.cli = "/usr/bin/batchlab-cli";
    const SlurmSweepFiles f = write_slurm_sweep(sweep, plans, o);
    const std::string script = read(f.script);
    for (const char* absent : {"--partition", "--gres", "--time", "--mem", "--cpus-per-task"})
      QVERIFY2(script.find(absent) == std::string::npos, absent);
    // The same folder again: refused, and what is there is left alone.
    const std::string e = error_of([&] { write_slurm_sweep(sweep, plans, o); });
    QVERIFY2(e.find("is not empty") != std::string::npos, e.c_str());
    QVERIFY(fs::exists(f.script));
  }

  void badOptionsAreRefusedByName() {
    const SweepConfig sweep = sweep_config_from_json(four_run_sweep(), "sweep.json");
    const auto plans = expand_sweep(sweep);
    const auto refused = [&](SlurmOptions o, const std::string& field) {
      o.cli = "/usr/bin/batchlab-cli";
      if (o.out_dir.empty()) o.out_dir = root_ / "never";
      const std::string e = error_of([&] { write_slurm_sweep(sweep, plans, o); });
      QVERIFY2(e.starts_with("--slurm: " + field + ": "), e.c_str());
      QVERIFY(!fs::exists(root_ / "never"));
    };
    SlurmOptions o;
    o.time = "90 minutes";
    refused(o, "--time");
    o = {};
    o.time = "1:2:3:4";
    refused(o, "--time");
    o = {};
    o.gres = "gpu:1\n#SBATCH --qos=high";
    refused(o, "--gres");
    o = {};
    o.mem = "lots";
    refused(o, "--mem");
    o = {};
    o.partition = "a b";
    refused(o, "--partition");
    o = {};
    o.out_dir = root_ / "with space";
    refused(o, "OUT_DIR");
    for (const char* ok : {"30", "30:00", "01:30:00", "2-00:00:00", "2-12"}) {
      SlurmOptions good;
      good.out_dir = root_ / ("time-" + std::to_string(std::hash<std::string>{}(ok)));
      good.cli = "/usr/bin/batchlab-cli";
      good.time = ok;
      QVERIFY2(error_of([&] { check_slurm_options(good); }).empty(), ok);
    }
  }

  // The CLI writes the files for the bundled preset and prints the sbatch line, then the merge
  // line; the script runs this very executable by its absolute path.
  void theCliPrintsTheSbatchAndMergeLines() {
    using batchlab::testing::cli;
    const QString out = QString::fromStdString((root_ / "cli").string());
    const auto r = cli({"sweep", "spirals-batch-sizes", "--slurm", out, "--partition", "gpu",
                        "--gres", "gpu:1", "--time", "00:20:00", "--db", "/data/runs.sqlite"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList printed = r.out.trimmed().split('\n');
    QVERIFY(printed.size() >= 2);
    const std::string cli_path = fs::canonical(BATCHLAB_CLI_PATH).string();
    QCOMPARE(printed[printed.size() - 2], "sbatch " + out + "/sweep.sbatch");
    QCOMPARE(printed.back(), QString::fromStdString(cli_path) + " merge " + out +
                                 "/shards/*.sqlite --db /data/runs.sqlite");
    const std::string script = read(root_ / "cli" / "sweep.sbatch");
    QVERIFY(script.find("#SBATCH --array=0-5\n") != std::string::npos);  // six batch sizes
    QVERIFY(script.find("exec " + cli_path + " run ") != std::string::npos);
    QVERIFY(fs::exists(root_ / "cli" / "runs" / "005.json"));
    QVERIFY(!fs::exists(root_ / "cli" / "runs" / "006.json"));

    const auto bad = cli({"sweep", "spirals-batch-sizes", "--slurm",
                          QString::fromStdString((root_ / "cli-bad").string()), "--time", "soon"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains("--slurm: --time: expected HH:MM:SS"), qPrintable(bad.err));
    QCOMPARE(bad.err.count('\n'), 1);
    const auto alone = cli({"sweep", "spirals-batch-sizes", "--partition", "gpu"});
    QCOMPARE(alone.code, 2);  // an #SBATCH option without --slurm
    const auto both = cli({"sweep", "spirals-batch-sizes", "--slurm",
                           QString::fromStdString((root_ / "cli-both").string()), "--dry-run"});
    QCOMPARE(both.code, 2);
  }

  // What each array task does, done by bash here: the script's own lines with the task id set.
  // The four shards then merge into one sweep of four runs.
  void theTasksRunAndTheirShardsMergeIntoOneSweep() {
    const QString out = QString::fromStdString((root_ / "tasks").string());
    const QString sweep_file = QString::fromStdString((root_ / "four.json").string());
    {
      std::ofstream f(sweep_file.toStdString());
      f << four_run_sweep().dump(2);
    }
    using batchlab::testing::cli;
    const auto w = cli({"sweep", sweep_file, "--slurm", out});
    QVERIFY2(w.code == 0, qPrintable(w.err));
    for (int task = 0; task < 4; ++task) {
      QProcess bash;
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("SLURM_ARRAY_TASK_ID", QString::number(task));
      bash.setProcessEnvironment(env);
      bash.start("bash", {out + "/sweep.sbatch"});
      QVERIFY(bash.waitForFinished(120000));
      QVERIFY2(bash.exitCode() == 0, bash.readAllStandardError().constData());
      QVERIFY(fs::file_size(
                  (root_ / "tasks" / "logs" / ("task-" + std::to_string(task) + ".jsonl"))) > 0);
    }
    const fs::path main = root_ / "tasks-main.sqlite";
    std::vector<fs::path> shards;
    for (int k = 0; k < 4; ++k)
      shards.push_back(root_ / "tasks" / "shards" / ("task-" + std::to_string(k) + ".sqlite"));
    const MergeResult r = merge_shards(main, shards);
    QCOMPARE(r.runs_added(), 4);
    QCOMPARE(r.sweep_ids.size(), std::size_t{1});
    const RunStore m(main);
    QCOMPARE(m.list_sweeps().size(), std::size_t{1});
    const auto runs = m.runs_in_sweep(r.sweep_ids.front());
    QCOMPARE(runs.size(), std::size_t{4});
    for (int k = 0; k < 4; ++k)
      QCOMPARE(runs[static_cast<std::size_t>(k)].name,
               "slurm test b=" + std::to_string(8 << k) + " lr=0.01");
  }
};

QTEST_GUILESS_MAIN(TestSlurmScript)
#include "test_slurm_script.moc"
