// Config JSON reading/writing, --set, presets and validation: what a user sees when a config is
// right, and the one-line error when it is not.
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <fstream>

#include "engine/core/errors.h"
#include "engine/experiment/config_io.h"

using namespace batchlab;
using nlohmann::json;

namespace {

// The message a config error shows, or "" when the config is accepted.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::string parse_error(const json& j) {
  return error_of([&] { run_config_from_json(j, "cfg.json"); });
}

json minimal() {
  return json{{"dataset", {{"kind", "spirals"}}}};
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

#define QVERIFY_CONTAINS(haystack, needle)                          \
  QVERIFY2(std::string(haystack).find(needle) != std::string::npos, \
           (std::string("\"") + (haystack) + "\" lacks \"" + (needle) + "\"").c_str())

}  // namespace

class TestConfigIo : public QObject {
  Q_OBJECT

 private slots:
  void roundTripKeepsEveryField() {
    RunConfig c;
    c.name = "every field";
    c.seed = 12345678901234ULL;
    c.dataset = {"csv", "/data/x.csv", 500, false, 0.25,    false,
                 3000,  0.3,           3,   5,     "label", "classification"};
    c.model = {"mlp", {128, 32, 7}, Activation::gelu, Init::xavier};
    c.optimizer = {OptimizerKind::adam, 0.003, 0.5, true, 1e-4, 0.8, 0.99, 1e-7};
    c.batch.strategy = BatchStrategy::mini;
    c.batch.size = 96;
    c.batch.sampling = Sampling::replacement;
    c.batch.drop_last = true;
    c.batch.accumulate = 4;
    c.batch.schedule = {ScheduleKind::linear, {1.5, 3}, 3.0, 1024, 2.5};
    c.batch.lr_scaling = {LrScalingRule::sqrt, 32, 0.5};
    c.stop = {std::nullopt, 1000, 60.5, TargetConfig{TargetMetric::val_loss, 0.25}};
    c.eval = {std::nullopt, 50};
    c.device = "cuda:1";
    c.memory_budget_mb = 512.5;
    c.threads = 3;
    c.noise_scale = {true, NoiseScaleMethod::micro, 0.8, 3};
    c.cuda = {true, false, 4, false};

    const json j = run_config_to_json(c);
    const RunConfig back = run_config_from_json(j, "roundtrip");
    QCOMPARE(run_config_to_json(back), j);
    // Spot checks on the struct itself, so a key dropped on both sides still fails.
    QCOMPARE(back.seed, c.seed);
    QCOMPARE(back.dataset.train_limit, std::int64_t{500});
    QCOMPARE(back.dataset.validation_fraction, 0.25);
    QCOMPARE(back.dataset.target, std::string("label"));
    QCOMPARE(back.model.hidden, (std::vector<int>{128, 32, 7}));
    QCOMPARE(back.model.activation, Activation::gelu);
    QCOMPARE(back.optimizer.beta2, 0.99);
    QCOMPARE(back.optimizer.nesterov, true);
    QCOMPARE(back.batch.schedule.to_size, std::int64_t{1024});
    QCOMPARE(back.batch.schedule.epochs, (std::vector<double>{1.5, 3}));
    QCOMPARE(back.batch.lr_scaling.rule, LrScalingRule::sqrt);
    QVERIFY(!back.stop.epochs);
    QCOMPARE(*back.stop.max_steps, std::int64_t{1000});
    QCOMPARE(back.stop.target->metric, TargetMetric::val_loss);
    QCOMPARE(back.stop.target->value, 0.25);
    QCOMPARE(*back.eval.every_steps, std::int64_t{50});
    QCOMPARE(*back.memory_budget_mb, 512.5);
    QCOMPARE(back.threads, 3);
    QCOMPARE(back.noise_scale.method, NoiseScaleMethod::micro);
    QCOMPARE(back.noise_scale.ema, 0.8);
    QCOMPARE(back.noise_scale.every, std::int64_t{3});
    QCOMPARE(back.cuda.tf32, true);
    QCOMPARE(back.cuda.graphs, false);
    QCOMPARE(back.cuda.loss_every, 4);
    QCOMPARE(back.cuda.resident_data, false);
  }

  void defaultsWriteEveryKeyWithNulls() {
    const json j = run_config_to_json(RunConfig{});
    QVERIFY(j["stop"]["max_steps"].is_null());
    QVERIFY(j["stop"]["target"].is_null());
    QVERIFY(j["eval"]["every_steps"].is_null());
    QVERIFY(j["memory_budget_mb"].is_null());
    QVERIFY(j["dataset"]["train_limit"].is_null());
    QCOMPARE(j["dataset"]["validation"].get<double>(), 0.2);
    QCOMPARE(j["batch"]["schedule"]["kind"].get<std::string>(), std::string("constant"));
    QCOMPARE(j["optimizer"]["beta1"].get<double>(), 0.9);
    // The test split is written as "test" and read back as such.
    RunConfig c;
    c.dataset.kind = "fashion-mnist";
    c.dataset.validation_test_split = true;
    const json t = run_config_to_json(c);
    QCOMPARE(t["dataset"]["validation"].get<std::string>(), std::string("test"));
    QVERIFY(run_config_from_json(t, "t").dataset.validation_test_split);
  }

  void partialConfigKeepsDefaults() {
    const RunConfig c = run_config_from_json(
        json::parse(R"({"dataset": {"kind": "moons"}, "batch": {"size": 128}})"), "p");
    QCOMPARE(c.dataset.kind, std::string("moons"));
    QCOMPARE(c.batch.size, std::int64_t{128});
    QCOMPARE(c.optimizer.lr, OptimizerConfig{}.lr);
    QCOMPARE(*c.stop.epochs, 5.0);
    QVERIFY(parse_error(json::object()).find("cfg.json: dataset: required") == 0);
  }

  void everyPresetParses() {
    const std::filesystem::path dir =
        std::filesystem::path(BATCHLAB_SOURCE_DIR) / "resources" / "presets";
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      ++count;
      std::ifstream in(entry.path());
      const json j = json::parse(in);
      const std::string err = error_of([&] { run_config_from_json(j, entry.path().string()); });
      QVERIFY2(err.empty(), err.c_str());
      QVERIFY2(j.value("description", "").size() > 40, entry.path().c_str());
      const RunConfig loaded = load_run_config(entry.path().stem().string());
      QVERIFY(!loaded.name.empty());
    }
    QVERIFY2(count >= 6, "expected at least six presets");

    const RunConfig f = load_run_config("fashion-mnist-mlp");
    QCOMPARE(f.dataset.kind, std::string("fashion-mnist"));
    QCOMPARE(f.dataset.train_limit, std::int64_t{10000});
    QVERIFY(f.dataset.validation_test_split);
    QCOMPARE(f.model.hidden, (std::vector<int>{256, 256}));
    QCOMPARE(f.optimizer.lr, 0.02);
    QCOMPARE(f.optimizer.momentum, 0.9);
    QCOMPARE(f.batch.size, std::int64_t{64});
    QCOMPARE(*f.stop.epochs, 1.0);
    QCOMPARE(*f.eval.every_epochs, 1.0);
    const RunConfig s = load_run_config("spirals-mlp");
    QCOMPARE(s.dataset.samples, std::int64_t{2000});
    QCOMPARE(s.dataset.noise, 0.08);
  }

  void listPresetsHonoursOverrideDir() {
    QTemporaryDir dir;
    write_file(dir.filePath("spirals-mlp.json").toStdString(),
               R"({"name": "Mine", "description": "Overrides.", "dataset": {"kind": "xor"}})");
    write_file(dir.filePath("custom.json").toStdString(), R"({"dataset": {"kind": "circles"}})");
    qputenv("BATCHLAB_PRESET_DIR", dir.path().toUtf8());
    const auto presets = list_presets();
    const auto found = find_preset("spirals-mlp");
    const RunConfig custom = load_run_config("custom");
    qunsetenv("BATCHLAB_PRESET_DIR");

    QCOMPARE(QString::fromStdString(found.string()), dir.filePath("spirals-mlp.json"));
    QCOMPARE(custom.dataset.kind, std::string("circles"));
    QCOMPARE(custom.name, std::string("custom"));  // the stem when the file names none
    bool saw_override = false, saw_fmnist = false;
    for (const auto& p : presets) {
      if (p.name == "spirals-mlp") {
        saw_override = true;
        QCOMPARE(p.title, std::string("Mine"));
        QCOMPARE(p.description, std::string("Overrides."));
      }
      saw_fmnist |= p.name == "fashion-mnist-mlp";
    }
    QVERIFY(saw_override);
    QVERIFY(saw_fmnist);  // the source tree's presets still list after the override dir
  }

  void unknownKeyNamesKeyAndSuggestion() {
    json j = minimal();
    j["batch"] = {{"sise", 64}};
    std::string err = parse_error(j);
    QVERIFY_CONTAINS(err, "cfg.json: batch.sise: unknown key");
    QVERIFY_CONTAINS(err, "did you mean batch.size?");

    j = minimal();
    j["batch_size"] = 64;
    QVERIFY_CONTAINS(parse_error(j), "did you mean batch.size?");

    j = minimal();
    j["lr"] = 0.1;  // right name, wrong level
    QVERIFY_CONTAINS(parse_error(j), "lr: unknown key (did you mean optimizer.lr?)");

    j = minimal();
    j["dataset"]["validaton"] = 0.1;
    QVERIFY_CONTAINS(parse_error(j),
                     "dataset.validaton: unknown key (did you mean dataset.validation?)");

    j = minimal();
    j["colour"] = "red";
    err = parse_error(j);
    QVERIFY_CONTAINS(err, "colour: unknown key");
    QVERIFY(err.find("did you mean") == std::string::npos);

    j = minimal();
    j["stop"] = {{"target", {{"metric", "val_loss"}, {"valeu", 0.3}}}};
    QVERIFY_CONTAINS(parse_error(j),
                     "stop.target.valeu: unknown key (did you mean stop.target.value?)");
  }

  void wrongTypeSaysWhatWasExpected() {
    json j = minimal();
    j["optimizer"] = {{"lr", "abc"}};
    QCOMPARE(parse_error(j), std::string("cfg.json: optimizer.lr: expected a number, got \"abc\""));
    j = minimal();
    j["batch"] = {{"size", 64.5}};
    QCOMPARE(parse_error(j), std::string("cfg.json: batch.size: expected an integer, got 64.5"));
    j = minimal();
    j["model"] = {{"hidden", {64, "x"}}};
    QVERIFY_CONTAINS(parse_error(j), "model.hidden[1]: expected an integer, got \"x\"");
    j = minimal();
    j["batch"] = {{"drop_last", "yes"}};
    QVERIFY_CONTAINS(parse_error(j), "batch.drop_last: expected true or false");
    j = minimal();
    j["dataset"]["validation"] = "train";
    QVERIFY_CONTAINS(parse_error(j), "dataset.validation: expected \"test\" or a fraction");
    j = minimal();
    j["eval"] = 3;
    QVERIFY_CONTAINS(parse_error(j), "cfg.json: eval: expected an object, got 3");
    // Whole numbers written as floats are integers.
    j = minimal();
    j["batch"] = {{"size", 128.0}};
    QCOMPARE(run_config_from_json(j, "x").batch.size, std::int64_t{128});
  }

  void enumErrorsListAcceptedNames() {
    json j = minimal();
    j["model"] = {{"activation", "relux"}};
    QVERIFY_CONTAINS(parse_error(j),
                     "model.activation: unknown value \"relux\"; expected one of "
                     "relu, tanh, sigmoid, gelu");
    j = minimal();
    j["batch"] = {{"strategy", "huge"}};
    QVERIFY_CONTAINS(parse_error(j), "full, mini, stochastic");
    j = minimal();
    j["stop"] = {{"target", {{"metric", "accuracy"}, {"value", 0.9}}}};
    QVERIFY_CONTAINS(parse_error(j), "val_accuracy, val_loss, train_loss");
  }

  void applySetAddressesDottedKeys() {
    json j = minimal();
    apply_set(j, "batch.size=512");
    apply_set(j, "model.hidden=[32,32]");
    apply_set(j, "device=cpu");  // not JSON: taken as a string
    apply_set(j, "stop.epochs=null");
    apply_set(j, "stop.max_steps=200");
    QCOMPARE(j["batch"]["size"].get<int>(), 512);
    const RunConfig c = run_config_from_json(j, "set");
    QCOMPARE(c.batch.size, std::int64_t{512});
    QCOMPARE(c.model.hidden, (std::vector<int>{32, 32}));
    QCOMPARE(c.device, std::string("cpu"));
    QVERIFY(!c.stop.epochs);
    QCOMPARE(*c.stop.max_steps, std::int64_t{200});
  }

  void applySetCreatesStopTarget() {
    json j = minimal();
    j["stop"] = {{"target", nullptr}};
    apply_set(j, "stop.target.metric=val_loss");
    apply_set(j, "stop.target.value=0.3");
    const RunConfig c = run_config_from_json(j, "set");
    QVERIFY(c.stop.target);
    QCOMPARE(c.stop.target->metric, TargetMetric::val_loss);
    QCOMPARE(c.stop.target->value, 0.3);
    // Without a value the target would be met at once, so the reader insists on one.
    json k = minimal();
    apply_set(k, "stop.target.metric=val_loss");
    QVERIFY_CONTAINS(parse_error(k), "stop.target.value: required");
  }

  void applySetRejectsUnknownKeys() {
    json j = minimal();
    const std::string err = error_of([&] { apply_set(j, "batch.sise=3"); });
    QCOMPARE(err, std::string("--set: batch.sise: unknown key (did you mean batch.size?)"));
    QVERIFY(!j.contains("batch"));  // nothing written
    QVERIFY_CONTAINS(error_of([&] { apply_set(j, "batch.size"); }), "expected key=value");
    QVERIFY_CONTAINS(error_of([&] { apply_set(j, "batch.size.x=1"); }),
                     "batch.size.x: unknown key");
  }

  void loadWithSetsNamesTheSource() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("run.json").toStdString();
    write_file(path, R"({"dataset": {"kind": "moons"}})");
    QCOMPARE(load_run_config(path, {"batch.size=512"}).batch.size, std::int64_t{512});
    QCOMPARE(error_of([&] { load_run_config(path, {"optimizer.lr=fast"}); }),
             std::string("--set: optimizer.lr: expected a number, got \"fast\""));
    QCOMPARE(error_of([&] { load_run_config(path, {"batch.size=0"}); }),
             path + " with --set: batch.size: must be at least 1, got 0");
  }

  void badJsonFileReportsLine() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("broken.json").toStdString();
    write_file(path, "{\n  \"seed\": 1,\n  \"name\": oops\n}\n");
    const std::string err = error_of([&] { load_run_config(path); });
    QVERIFY_CONTAINS(err, path + ": line 3, column 11: invalid JSON");

    write_file(path, "{\"dataset\": {\"kind\": \"moons\"},\n\"seed\": 1,\n");
    QVERIFY_CONTAINS(error_of([&] { load_run_config(path); }), path + ": line 3");
  }

  void missingFilesAndPresets() {
    QVERIFY_CONTAINS(error_of([] { load_run_config("/nonexistent/run.json"); }),
                     "/nonexistent/run.json: no such file");
    const std::string err = error_of([] { load_run_config("no-such-preset"); });
    QVERIFY_CONTAINS(err, "\"no-such-preset\" is neither a config file nor a preset");
    QVERIFY_CONTAINS(err, "spirals-mlp");
    QTemporaryDir dir;
    QVERIFY_CONTAINS(error_of([&] { load_run_config(dir.path().toStdString()); }), "is a folder");
  }

  void validationErrors_data() {
    QTest::addColumn<QString>("assignment");
    QTest::addColumn<QString>("expected");
    QTest::newRow("batch size 0") << "batch.size=0"
                                  << "batch.size: must be at least 1, got 0";
    QTest::newRow("accumulate > size") << "batch.accumulate=128"
                                       << "batch.accumulate: cannot split a batch of 64 into 128";
    QTest::newRow("no stop criterion") << "stop.epochs=null"
                                       << "stop: no stop criterion: set stop.epochs";
    QTest::newRow("zero lr") << "optimizer.lr=0"
                             << "optimizer.lr: must be greater than 0, got 0";
    QTest::newRow("zero width") << "model.hidden=[64,0]"
                                << "model.hidden[1]: must be at least 1";
    QTest::newRow("zero epochs") << "stop.epochs=0"
                                 << "stop.epochs: must be greater than 0";
    QTest::newRow("budget") << "memory_budget_mb=-5"
                            << "memory_budget_mb: must be greater than 0";
    QTest::newRow("fraction 1") << "dataset.validation=1"
                                << "dataset.validation: must be in [0, 1)";
    QTest::newRow("momentum 1") << "optimizer.momentum=1"
                                << "optimizer.momentum: must be in [0, 1)";
    QTest::newRow("device") << "device=gpu"
                            << "device: unknown device \"gpu\"; expected auto, cpu";
    QTest::newRow("device N") << "device=cuda:x"
                              << "device: unknown device \"cuda:x\"";
    QTest::newRow("loss_every 0") << "cuda.loss_every=0"
                                  << "cuda.loss_every: must be at least 1, got 0";
    QTest::newRow("loss_every big") << "cuda.loss_every=100000"
                                    << "cuda.loss_every: must be at most 4096, got 100000";
    QTest::newRow("tf32 type") << "cuda.tf32=1"
                               << "cuda.tf32: expected true or false";
    QTest::newRow("dataset kind") << "dataset.kind=iris"
                                  << "dataset.kind: unknown dataset \"iris\"";
    QTest::newRow("noise micro, k 1") << "noise_scale={\"enabled\": true, \"method\": \"micro\"}"
                                      << "noise_scale.method: micro measures a micro-batch";
    QTest::newRow("noise ema") << "noise_scale.ema=1"
                               << "noise_scale.ema: must be in [0, 1), got 1";
    QTest::newRow("test split") << "dataset.validation=test"
                                << "dataset.validation: \"test\" needs a dataset with a test split";
  }
  void validationErrors() {
    QFETCH(QString, assignment);
    QFETCH(QString, expected);
    json j = minimal();
    apply_set(j, assignment.toStdString());
    QVERIFY_CONTAINS(parse_error(j), "cfg.json: " + expected.toStdString());
  }

  void targetNeedsEvaluation() {
    json j = minimal();
    apply_set(j, "stop.target={\"metric\": \"val_accuracy\", \"value\": 0.9}");
    apply_set(j, "eval.every_epochs=null");
    QVERIFY_CONTAINS(parse_error(j), "stop.target: a val_accuracy target needs evaluation");
    apply_set(j, "stop.target.metric=train_loss");  // measured on training batches: no eval
    apply_set(j, "stop.target.value=0.1");
    QCOMPARE(parse_error(j), std::string());
    apply_set(j, "eval.every_steps=100");
    apply_set(j, "stop.target.metric=val_accuracy");
    apply_set(j, "stop.epochs=null");  // a target alone is a stop criterion
    QCOMPARE(parse_error(j), std::string());
    QCOMPARE(run_config_from_json(j, "x").stop.target->value, 0.1);
  }

  void validConfigsPass() {
    json j = minimal();
    apply_set(j, "device=cuda:0");
    apply_set(j, "batch.accumulate=64");  // k = B: micro-batches of one sample
    apply_set(j, "model.hidden=[]");      // no hidden layer: a linear model
    QCOMPARE(parse_error(j), std::string());
    apply_set(j, "batch.strategy=full");
    apply_set(j, "batch.size=0");  // ignored by the full strategy
    QCOMPARE(parse_error(j), std::string());
  }
};

QTEST_APPLESS_MAIN(TestConfigIo)
#include "test_config_io.moc"
