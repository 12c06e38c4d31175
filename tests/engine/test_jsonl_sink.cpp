// The JSONL event stream (batchlab-cli --jsonl): one parseable object per line, "type" first,
// field names as in events.h, NaN as null, and flushed when a follower needs to see a line.
#include <QtTest>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <streambuf>

#include "engine/experiment/config_io.h"
#include "engine/experiment/jsonl_sink.h"

using namespace batchlab;
using nlohmann::ordered_json;

namespace {

// Collects the text and counts flushes, to see which events reach a `tail -f` at once.
class CountingBuf : public std::streambuf {
 public:
  std::string text;
  int syncs = 0;

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) text.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    text.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int sync() override {
    ++syncs;
    return 0;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::set<std::string> keys_of(const ordered_json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

}  // namespace

class TestJsonlSink : public QObject {
  Q_OBJECT

 private slots:
  void everyEventIsOneLineTypeFirst() {
    CountingBuf buf;
    std::ostream out(&buf);
    JsonlSink sink(out);

    RunStarted started;
    started.run_id = 7;
    started.name = "spirals b32";
    started.config.batch.size = 32;
    started.config.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.95};
    started.device = "cpu (Eigen, 2 threads)";
    started.dataset_name = "spirals (2000 × 2, 2 classes)";
    started.train_rows = 1600;
    started.val_rows = 400;
    started.parameters = 4482;
    started.steps_per_epoch = 50;
    started.planned_steps = 2500;
    started.predicted = {17928, 17928, 35856, 16384, 256, 0};

    StepEvent step;
    step.run_id = 7;
    step.step = 1;
    step.epoch = 0.02;
    step.samples_seen = 32;
    step.batch_size = 32;
    step.loss = 0.6931;
    step.memory = {1, 2, 3, 4, 5, 6};
    step.grad_norm2 = 2.5;  // b_simple stays NaN: not measured
    StepEvent diverged = step;
    diverged.step = 2;
    diverged.loss = std::numeric_limits<double>::infinity();

    EvalEvent eval{7, 50, 1.0, 0.3, kNaN, 0.35, 1.5};
    LogEvent log{7, LogLevel::warning, "batch 4096 leaves no batch"};
    RunFinished finished{7, RunStatus::diverged, "loss became inf at step 2", RunSummary{}};
    finished.summary.diverged_step = 2;

    sink.on_run_started(started);
    const int after_start = buf.syncs;
    sink.on_step(step);
    sink.on_step(diverged);
    const int after_steps = buf.syncs;
    sink.on_eval(eval);
    const int after_eval = buf.syncs;
    sink.on_log(log);
    sink.on_run_finished(finished);

    QVERIFY(after_start >= 1);
    QCOMPARE(after_steps, after_start);  // steps are buffered, not flushed one by one
    QVERIFY(after_eval > after_steps);
    QVERIFY(buf.syncs > after_eval);
    QVERIFY(buf.text.ends_with("\n"));

    const auto lines = lines_of(buf.text);
    QCOMPARE(lines.size(), std::size_t{6});
    const std::vector<std::string> types = {"run_started", "step", "step",
                                            "eval",        "log",  "run_finished"};
    std::vector<ordered_json> objs;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      QVERIFY2(lines[i].starts_with("{\"type\":\"" + types[i] + "\""), lines[i].c_str());
      objs.push_back(ordered_json::parse(lines[i]));  // throws, failing the test, if not JSON
      QCOMPARE(objs[i].begin().key(), std::string("type"));
    }

    const auto& s = objs[1];
    QCOMPARE(keys_of(s),
             (std::set<std::string>{
                 "type",       "run_id",        "step",       "epoch",         "samples_seen",
                 "batch_size", "micro_batches", "lr",         "loss",          "samples_per_s",
                 "step_ms",    "data_ms",       "compute_ms", "wall_s",        "memory",
                 "grad_norm2", "b_simple",      "replicas",   "replica_batch", "allreduce_ms",
                 "idle_ms"}));
    QCOMPARE(s["loss"].get<double>(), 0.6931);
    QCOMPARE(s["grad_norm2"].get<double>(), 2.5);
    QVERIFY(s["b_simple"].is_null());
    QCOMPARE(s["memory"]["parameters"].get<int>(), 1);
    QCOMPARE(s["memory"]["workspace"].get<int>(), 6);
    QCOMPARE(s["memory"].size(), std::size_t{6});
    QVERIFY(objs[2]["loss"].is_null());  // Inf has no JSON spelling either

    const auto& e = objs[3];
    QCOMPARE(e["val_loss"].get<double>(), 0.3);
    QVERIFY(e["val_accuracy"].is_null());
    QCOMPARE(e["train_loss"].get<double>(), 0.35);
    QCOMPARE(e["step"].get<int>(), 50);

    QCOMPARE(objs[4]["level"].get<std::string>(), std::string("warning"));
    QCOMPARE(objs[4]["message"].get<std::string>(), log.message);

    const auto& r = objs[0];
    QCOMPARE(r["dataset_name"].get<std::string>(), started.dataset_name);
    QCOMPARE(r["planned_steps"].get<int>(), 2500);
    QCOMPARE(r["predicted"]["optimizer"].get<int>(), 35856);
    const RunConfig config = run_config_from_json(nlohmann::json(r["config"]), "jsonl");
    QCOMPARE(config.batch.size, std::int64_t{32});
    QCOMPARE(config.stop.target->value, 0.95);

    const auto& f = objs[5];
    QCOMPARE(f["status"].get<std::string>(), std::string("diverged"));
    QCOMPARE(f["reason"].get<std::string>(), finished.reason);
    QCOMPARE(f["summary"]["diverged_step"].get<int>(), 2);
    QVERIFY(f["summary"]["final_val_loss"].is_null());
    QVERIFY(!f["summary"].contains("steps_to_target"));
  }

  // An event of a kind the sink was never told about is one line: its type, its run, its
  // fields in order; it travels through a FanOutSink unchanged.
  void extensionEventsAreWrittenFromTheirFields() {
    CountingBuf buf;
    std::ostream out(&buf);
    JsonlSink sink(out);
    FanOutSink fan;
    fan.add(&sink);
    DeviceMemoryEvent e;
    e.run_id = 4;
    e.step = 12;
    e.device = 1;
    e.memory = {10, 20, 30, 40, 50, 60};
    fan.on_extension(e);
    out.flush();
    const auto lines = lines_of(buf.text);
    QCOMPARE(lines.size(), std::size_t{1});
    const auto j = ordered_json::parse(lines[0]);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    QCOMPARE(keys, (std::vector<std::string>{"type", "run_id", "step", "device", "mem_parameters",
                                             "mem_gradients", "mem_optimizer", "mem_activations",
                                             "mem_batch", "mem_workspace"}));
    QCOMPARE(j["type"].get<std::string>(), std::string("device_memory"));
    QCOMPARE(j["run_id"].get<std::int64_t>(), std::int64_t{4});
    QVERIFY(j["step"].is_number_integer());
    QCOMPARE(j["device"].get<int>(), 1);
    QCOMPARE(j["mem_workspace"].get<std::int64_t>(), std::int64_t{60});
  }

  void invalidUtf8DoesNotThrow() {
    std::ostringstream out;
    JsonlSink sink(out);
    sink.on_log(LogEvent{1, LogLevel::error, std::string("bad \xff byte")});
    const auto j = ordered_json::parse(out.str());
    QCOMPARE(j["level"].get<std::string>(), std::string("error"));
    QVERIFY(j["message"].get<std::string>().starts_with("bad "));
  }
};

QTEST_APPLESS_MAIN(TestJsonlSink)
#include "test_jsonl_sink.moc"
