// Serving configs are read as strictly as run configs: every shipped serving preset loads, an
// unknown or mistyped key is an error naming its dotted path, the model is exactly one source,
// and a run preset or run config file is a model with every serving key at its default.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "check_helpers.h"
#include "engine/core/errors.h"
#include "engine/experiment/preset_lookup.h"
#include "engine/serve/serving_config.h"

using namespace batchlab;
using batchlab::testing::error_of;
using nlohmann::json;

namespace {

std::string error_in(const json& j) {
  return error_of([&] { serving_config_from_json(j, "s.json", {}); });
}

json with_model(json j) {
  j["model"] = {{"preset", "spirals-mlp"}};
  return j;
}

}  // namespace

class TestServeConfig : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { qunsetenv("BATCHLAB_PRESET_DIR"); }

  void shippedServingPresetsLoad() {
    const auto presets = list_presets(PresetKind::serving);
    QVERIFY(presets.size() >= 2);
    for (const auto& p : presets) {
      const ServingConfig c = load_serving_config(p.name);
      QVERIFY2(!c.description.empty(), p.name.c_str());
      QVERIFY(c.model.config || !c.model.preset.empty());
    }
    const ServingConfig batch = load_serving_config("batch-inference-throughput");
    QVERIFY(batch.infer.batch_sizes.size() >= 4);
    const ServingConfig load = load_serving_config("realtime-vs-dynamic");
    QVERIFY(load.sweep.modes.size() == 2);
    QVERIFY(load.sweep.rates.size() >= 3);
    QVERIFY(load.batcher.slo_p99_s > 0);
  }

  void keysAreCheckedAndNamed() {
    QVERIFY(error_in(with_model({{"batcher", {{"max_bach", 3}}}}))
                .starts_with("s.json: batcher.max_bach: unknown key (did you mean batcher.max_batch?)"));
    QCOMPARE(error_in(with_model({{"workload", {{"rate", "fast"}}}})),
             std::string("s.json: workload.rate: expected a number, got \"fast\""));
    QVERIFY(error_in(with_model({{"batcher", {{"mode", "turbo"}}}, {"workload", {{"rate", 1}}}}))
                .starts_with("s.json: batcher.mode: unknown value \"turbo\""));
    QVERIFY(error_in(with_model({})).empty());  // offline inference needs no rate
    QVERIFY(error_of([] {
              require_arrival_rate(serving_config_from_json(with_model({}), "s.json", {}), "s.json");
            }).starts_with("s.json: workload.rate: required"));
    QVERIFY(error_in(with_model({{"workload", {{"rate", 10}}}, {"batcher", {{"max_batch", 0}}}}))
                .starts_with("s.json: batcher.max_batch: must be from 1"));
    QVERIFY(error_in(with_model({{"workload", {{"rate", 10}}}, {"batcher", {{"mode", "adaptive"}}}}))
                .starts_with("s.json: batcher.slo_p99_ms: adaptive batching holds a p99 objective"));
    QVERIFY(error_in(with_model({{"workload", {{"rate", 10}}},
                                 {"batcher", {{"max_batch", 8}, {"preferred", {4, 16}}}}}))
                .starts_with("s.json: batcher.preferred[1]: must be from 1 to max_batch (8)"));
    QVERIFY(error_in(with_model({{"workload", {{"arrivals", "trace"}}}}))
                .starts_with("s.json: workload.trace: "));
    QVERIFY(error_in(with_model({{"sweep", {{"rates", {10, -1}}}}}))
                .starts_with("s.json: sweep.rates[1]: must be above 0"));
    QVERIFY(error_in({{"workload", {{"rate", 10}}}}).starts_with("s.json: model: required"));
    QVERIFY(error_in({{"model", {{"preset", "a"}, {"config", json::object()}}}})
                .find("exactly one of") != std::string::npos);
    // An inline run config is checked with the run config's own rules, under model.config.
    QVERIFY(error_in({{"model", {{"config", {{"dataset", {{"kind", "spirals"}}}, {"batch", {{"sise", 3}}}}}}}})
                .starts_with("s.json: model.config.batch.sise: unknown key"));
    QVERIFY(error_in({{"model", {{"config", {{"dataset", {{"kind", "spirals"}}}, {"batch", {{"size", 0}}}}}}},
                      {"workload", {{"rate", 1}}}})
                .starts_with("s.json: model.config.batch.size: "));
  }

  void valuesReadInTheirUnits() {
    const ServingConfig c = serving_config_from_json(
        with_model({{"workload", {{"rate", 250}, {"arrivals", "bursts"}, {"burst_size", 8}}},
                    {"batcher", {{"mode", "adaptive"}, {"max_delay_ms", 2.5}, {"slo_p99_ms", 10}}},
                    {"service", {{"fixed_ms", 1.5}, {"per_row_ms", 0.25}}}}),
        "s.json", {});
    QCOMPARE(c.workload.rate, 250.0);
    QCOMPARE(c.workload.arrivals, ArrivalKind::bursts);
    QCOMPARE(c.batcher.max_delay_s, 0.0025);
    QCOMPARE(c.batcher.slo_p99_s, 0.010);
    QCOMPARE(*c.service_fixed_s, 0.0015);
    QCOMPARE(c.service_per_row_s, 0.00025);
    QVERIFY(c.virtual_clock);  // given service times imply the virtual clock
  }

  // A trace without a duration plays to its end; a relative trace path is the file's folder's.
  void tracePathsAndDurations() {
    const ServingConfig c = serving_config_from_json(
        with_model({{"workload", {{"arrivals", "trace"}, {"trace", "t.csv"}}}}), "s.json", "/data/cfg");
    QCOMPARE(c.workload.trace_path, std::filesystem::path("/data/cfg/t.csv"));
    QVERIFY(std::isinf(c.workload.duration_s));
  }

  void runPresetsAndFilesAreModels() {
    const ServingConfig c = load_serving_config("spirals-mlp", {{"workload", {{"rate", 100}}}});
    QCOMPARE(c.model.preset, std::string("spirals-mlp"));
    QCOMPARE(c.workload.rate, 100.0);
    QCOMPARE(c.batcher.max_batch, std::int64_t{32});
    QVERIFY(!c.virtual_clock);
    // Options are checked with the file: the key they set is named.
    QVERIFY(error_of([] { load_serving_config("spirals-mlp", {{"batcher", {{"max_batch", -2}}}}); })
                .find("batcher.max_batch: must be from 1") != std::string::npos);
    const std::string unknown = error_of([] { load_serving_config("no-such-thing"); });
    QVERIFY2(unknown.find("serving presets: ") != std::string::npos &&
                 unknown.find("realtime-vs-dynamic") != std::string::npos &&
                 unknown.find("spirals-mlp") != std::string::npos,
             unknown.c_str());
    QCOMPARE(error_of([] { load_serving_config("missing/file.json"); }),
             std::string("missing/file.json: no such file"));

    QTemporaryDir dir;
    const std::string serving = dir.filePath("s.json").toStdString();
    std::ofstream(serving) << R"({"model": {"preset": "spirals-mlp"}, "workload": {"rate": 5}})";
    QCOMPARE(load_serving_config(serving).workload.rate, 5.0);
    QCOMPARE(load_serving_config(serving).name, std::string("s"));
    const ServingConfig stored = serving_config_for_model(7, {{"workload", {{"rate", 1}}}});
    QCOMPARE(stored.model.run_id, std::int64_t{7});
  }
};

QTEST_APPLESS_MAIN(TestServeConfig)
#include "test_serve_config.moc"
