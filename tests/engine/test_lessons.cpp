// Lessons (engine/lesson/): the five bundled lessons load and validate; a broken lesson is
// refused with one line naming the file and the field; the outcome rules pick the right choice
// from plain results; and each lesson's claim holds when its runs execute headless — lesson 1's
// throughput rises from B = 1 to the knee, lesson 2's largest batch runs out of memory while the
// accumulated one fits, lesson 3's B = 1 path wanders further from the full-batch path than
// B = 32's, lesson 4's scaled learning rates beat the unscaled one at batch 512, lesson 5's fit
// of steps to target has r² above 0.9. The runs are the lessons' own;
// where a step would be slow for CI the test shortens it with LessonRunOptions::extra_set and
// says so beside the call.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "check_helpers.h"
#include "engine/lesson/lesson_io.h"
#include "engine/lesson/lesson_plan.h"
#include "engine/lesson/lesson_runner.h"
#include "engine/lesson/outcome_rules.h"
#include "engine/lesson/serving_outcome.h"

using namespace batchlab;
using batchlab::testing::error_of;
namespace fs = std::filesystem;

namespace {

const fs::path kLessons = fs::path(BATCHLAB_SOURCE_DIR) / "resources" / "lessons";
const std::set<std::string> kBundled = {"why-batches",         "memory-wall",
                                        "gradient-noise",      "lr-scaling",
                                        "critical-batch-size", "batch-vs-realtime"};

// A valid one-step lesson; each broken case edits one field of it.
nlohmann::json good_lesson() {
  return nlohmann::json::parse(R"({
    "title": "Tiny", "question": "Does it load?",
    "steps": [{
      "title": "One step",
      "runs": [{"preset": "spirals-mlp", "set": ["batch.size=8"]},
               {"preset": "spirals-mlp", "set": ["batch.size=64"]}],
      "plots": ["loss", {"name": "accuracy", "size": "large"}],
      "prediction": {"question": "Which ends more accurate?",
                     "choices": [{"text": "small", "run": "B = 8"},
                                 {"text": "large", "run": "B = 64"}]},
      "point_at": "the accuracy plot", "takeaway": "It loads.",
      "outcome": {"kind": "highest_final_accuracy"}}]})");
}

// A valid serving step: the lesson-6 preset's sweep, two of its settings as choices.
nlohmann::json good_serving_lesson() {
  return nlohmann::json::parse(R"({
    "title": "Serving", "question": "Which batcher?",
    "steps": [{
      "title": "One sweep",
      "runs": [{"serving": "batch-vs-realtime", "set": ["workload.duration_s=0.5"]}],
      "plots": ["serving_latency_throughput"],
      "prediction": {"question": "Which holds 10 ms furthest?",
                     "choices": [{"text": "alone", "setting": {"mode": "realtime"}},
                                 {"text": "batched", "setting": {"mode": "dynamic",
                                  "max_batch": 64, "max_delay_ms": 1}}]},
      "point_at": "the curves", "takeaway": "Batches carry load.",
      "outcome": {"kind": "best_serving_setting"}}]})");
}

ServeSweepPoint point(BatchMode mode, std::int64_t b, double delay_s, double rate, double p99_s,
                      bool saturated = false) {
  ServeSweepPoint p;
  p.mode = mode;
  p.max_batch = b;
  p.max_delay_s = delay_s;
  p.rate = rate;
  p.result.served = 100;
  p.result.throughput = saturated ? 2100 : rate;
  p.result.p99_s = p99_s;
  p.result.saturated = saturated;
  p.result.saturated_at = saturated ? 2100 : 0;
  return p;
}

int index_of(const StepOutcome& o, const std::string& label) {
  for (std::size_t i = 0; i < o.runs.size(); ++i)
    if (o.runs[i].label == label) return static_cast<int>(i);
  return -1;
}

LessonRunResult result(const std::string& label, std::int64_t batch, RunStatus status) {
  LessonRunResult r;
  r.label = label;
  r.batch_size = batch;
  r.config.batch.size = batch;
  r.finished.status = status;
  return r;
}

}  // namespace

class TestLessons : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { qunsetenv("BATCHLAB_PRESET_DIR"); }

  // The five lessons of issue 10 are what the lesson lookup lists, each loads (every step's
  // presets and overrides included) and survives lesson_to_json → lesson_from_json.
  void bundledLessonsLoadAndValidate() {
    std::set<std::string> names;
    for (const auto& info : list_lessons()) {
      names.insert(info.name);
      QCOMPARE(info.path, kLessons / (info.name + ".json"));
      QVERIFY2(info.title != info.name, info.name.c_str());  // the lesson's title is listed
      QVERIFY(!info.description.empty());
    }
    QCOMPARE(names, kBundled);
    for (const auto& name : kBundled) {
      const Lesson l = load_lesson(name);
      QCOMPARE(l.name, name);
      QVERIFY(!l.steps.empty());
      for (std::size_t i = 0; i < l.steps.size(); ++i) {
        const LessonStep& s = l.steps[i];
        const StepPlan plan = plan_step(s, l.source, "steps[" + std::to_string(i) + "]");
        // A serving step runs its sweep's settings, the others two or more training runs.
        if (plan.serving)
          QVERIFY2(serving_sweep_settings(*plan.serving).size() >= 2, name.c_str());
        else
          QVERIFY2(plan.runs.size() >= 2, (name + " " + s.title).c_str());
        QVERIFY(s.prediction.choices.size() >= 2 && s.prediction.choices.size() <= 5);
        QVERIFY(!s.takeaway.empty() && !s.point_at.empty());
      }
      const nlohmann::json j = lesson_to_json(l);
      QCOMPARE(lesson_to_json(lesson_from_json(j, "round trip")), j);
    }
    QCOMPARE(find_lesson("memory-wall"), kLessons / "memory-wall.json");
    QVERIFY(find_lesson("spirals-mlp").empty());  // a run preset is not a lesson
  }

  void brokenLessonsNameTheirField_data() {
    QTest::addColumn<QString>("edit");   // a JSON pointer to change, then the new value
    QTest::addColumn<QString>("value");  // JSON; "<remove>" deletes the field
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("reason");  // a part of the reason
    QTest::newRow("missing title") << "/title"
                                   << "<remove>"
                                   << "title"
                                   << "required";
    QTest::newRow("step with no runs") << "/steps/0/runs"
                                       << "[]"
                                       << "steps[0].runs"
                                       << "at least one run";
    QTest::newRow("unknown plot") << "/steps/0/plots/1/name"
                                  << "\"histogram\""
                                  << "steps[0].plots[1].name"
                                  << "unknown plot \"histogram\"";
    QTest::newRow("unknown plot string") << "/steps/0/plots/0"
                                         << "\"losss\""
                                         << "steps[0].plots[0]"
                                         << "expected one of loss,";
    QTest::newRow("one choice") << "/steps/0/prediction/choices"
                                << R"([{"text": "small", "run": "B = 8"}])"
                                << "steps[0].prediction.choices"
                                << "needs 2 to 5 choices, got 1";
    QTest::newRow("unknown outcome") << "/steps/0/outcome/kind"
                                     << "\"best_guess\""
                                     << "steps[0].outcome.kind"
                                     << "unknown outcome";
    QTest::newRow("unknown preset") << "/steps/0/runs/1/preset"
                                    << "\"no-such-preset\""
                                    << "steps[0].runs[1].preset"
                                    << "neither a config file";
    QTest::newRow("bad override") << "/steps/0/runs/0/set"
                                  << R"(["batch.sizee=8"])"
                                  << "steps[0].runs[0].set"
                                  << "unknown key";
    QTest::newRow("unknown key") << "/steps/0/takeway"
                                 << "\"typo\""
                                 << "steps[0].takeway"
                                 << "unknown key (did you mean takeaway?)";
    QTest::newRow("choice names no run") << "/steps/0/prediction/choices/1/run"
                                         << "\"B = 65\""
                                         << "steps[0].prediction.choices[1].run"
                                         << "no run of this step is labelled \"B = 65\"";
    QTest::newRow("batch choice for a run rule") << "/steps/0/prediction/choices/0"
                                                 << R"({"text": "small", "batch": 8})"
                                                 << "steps[0].prediction.choices[0].batch"
                                                 << "answered by a run";
    QTest::newRow("wander without reference") << "/steps/0/outcome/kind"
                                              << "\"most_wandering_path\""
                                              << "steps[0].outcome.reference"
                                              << "required";
    QTest::newRow("race without target") << "/steps/0/outcome/kind"
                                         << "\"fastest_to_target\""
                                         << "steps[0].outcome.kind"
                                         << "needs a stop target";
    QTest::newRow("labels twice") << "/steps/0/runs/1/set"
                                  << R"(["batch.size=8"])"
                                  << "steps[0].runs[1].label"
                                  << "names another run";
    QTest::newRow("serving rule on training runs") << "/steps/0/outcome/kind"
                                                   << "\"best_serving_setting\""
                                                   << "steps[0].outcome.kind"
                                                   << "judges a serving sweep";
    QTest::newRow("serving plot on training runs") << "/steps/0/plots/0"
                                                   << "\"serving_latency_throughput\""
                                                   << "steps[0].plots[0]"
                                                   << "draws a serving sweep";
    QTest::newRow("setting choice for a run rule")
        << "/steps/0/prediction/choices/0/setting" << R"({"mode": "realtime"})"
        << "steps[0].prediction.choices[0].setting"
        << "answered by a run";
  }

  // The serving step's own mistakes (lesson 6's run kind, choices and rule), one line each.
  void brokenServingLessonsNameTheirField_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown serving preset") << "/steps/0/runs/0/serving" << "\"no-such\""
                                            << "steps[0].runs[0].serving"
                                            << "neither a serving file nor a serving preset";
    QTest::newRow("bad serving override") << "/steps/0/runs/0/set" << R"(["batcher.max_batchh=8"])"
                                          << "steps[0].runs[0].set"
                                          << "unknown key";
    QTest::newRow("serving and preset") << "/steps/0/runs/0/preset" << "\"spirals-mlp\""
                                        << "steps[0].runs[0].serving"
                                        << "give one of";
    QTest::newRow("serving label") << "/steps/0/runs/0/label" << "\"x\""
                                   << "steps[0].runs[0].label"
                                   << "no label";
    QTest::newRow("serving beside a run")
        << "/steps/0/runs/1" << R"({"preset": "spirals-mlp"})"
        << "steps[0].runs"
        << "runs alone";
    QTest::newRow("no objective") << "/steps/0/runs/0/set" << R"(["batcher.slo_p99_ms=null"])"
                                  << "steps[0].runs[0].serving"
                                  << "needs a p99 objective";
    QTest::newRow("no rates") << "/steps/0/runs/0/set" << R"(["sweep.rates=[]", "workload.rate=100"])"
                              << "steps[0].runs[0].serving"
                              << "two or more offered rates";
    QTest::newRow("other rule") << "/steps/0/outcome/kind" << "\"throughput_knee\""
                                << "steps[0].outcome.kind"
                                << "judged by best_serving_setting";
    QTest::newRow("run choice") << "/steps/0/prediction/choices/0"
                                << R"({"text": "x", "run": "B = 8"})"
                                << "steps[0].prediction.choices[0].run"
                                << "answered by a serving setting";
    QTest::newRow("setting not swept")
        << "/steps/0/prediction/choices/0/setting" << R"({"mode": "fixed", "max_batch": 16})"
        << "steps[0].prediction.choices[0].setting"
        << "the sweep does not run fixed batch 16; its settings: real-time (batch 1);";
    QTest::newRow("unknown mode") << "/steps/0/prediction/choices/0/setting/mode"
                                  << "\"turbo\""
                                  << "steps[0].prediction.choices[0].setting.mode"
                                  << "unknown batcher \"turbo\"";
    QTest::newRow("realtime batch") << "/steps/0/prediction/choices/0/setting/max_batch" << "8"
                                    << "steps[0].prediction.choices[0].setting.max_batch"
                                    << "one request at a time";
    QTest::newRow("setting twice") << "/steps/0/prediction/choices/1/setting"
                                   << R"({"mode": "realtime"})"
                                   << "steps[0].prediction.choices[1].setting"
                                   << "chosen twice";
  }

  void brokenServingLessonsNameTheirField() {
    QFETCH(QString, edit);
    QFETCH(QString, value);
    QFETCH(QString, field);
    QFETCH(QString, reason);
    nlohmann::json j = good_serving_lesson();
    j[nlohmann::json::json_pointer(edit.toStdString())] = nlohmann::json::parse(value.toStdString());
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "broken.json";
    std::ofstream(file) << j.dump(2);
    const std::string error = error_of([&] { load_lesson(file.string()); });
    const std::string head = file.string() + ": " + field.toStdString() + ": ";
    QVERIFY2(error.starts_with(head), error.c_str());
    QVERIFY2(error.find(reason.toStdString(), head.size()) != std::string::npos, error.c_str());
    QVERIFY2(error.find('\n') == std::string::npos, error.c_str());
  }

  // best_serving_setting on a hand-made sweep: the chosen settings only, highest throughput
  // under the objective, the sentence with the deciding numbers.
  void servingRulePicksTheHighestLoadUnderTheObjective() {
    const Lesson l = lesson_from_json(good_serving_lesson(), "good");
    const LessonStep& s = l.steps[0];
    ServeSweepResult sweep;
    sweep.objective_s = 0.010;
    sweep.points = {point(BatchMode::realtime, 1, 0, 1000, 0.0004),
                    point(BatchMode::realtime, 1, 0, 4000, 0.9, true),
                    point(BatchMode::dynamic, 64, 0.001, 1000, 0.0012),
                    point(BatchMode::dynamic, 64, 0.001, 4000, 0.0081),
                    // Not a choice: faster still, but the rule considers the choices only.
                    point(BatchMode::dynamic, 8, 0.001, 8000, 0.002)};
    const RuleAnswer a = evaluate_serving_outcome(s, sweep);
    QCOMPARE(a.choice, 1);
    QCOMPARE(a.per_run.size(), std::size_t{2});
    QCOMPARE(a.per_run[0], 1000.0);
    QCOMPARE(a.per_run[1], 4000.0);
    QVERIFY2(a.sentence.starts_with("Under p99 ≤ 10 ms with nothing lost, dynamic, max batch 64, "
                                    "max delay 1.0 ms served the most: 4,000 req/s at p99 8.1 ms; "
                                    "real-time (batch 1) met it up to 1,000 req/s and saturated "
                                    "at ≈ 2,100 req/s"),
             a.sentence.c_str());
    // Nothing meets: no choice is right, and the sentence says so.
    for (auto& p : sweep.points) p.result.p99_s = 0.5;
    const RuleAnswer none = evaluate_serving_outcome(s, sweep);
    QCOMPARE(none.choice, -1);
    QVERIFY2(none.sentence.starts_with("No setting met p99 ≤ 10 ms"), none.sentence.c_str());
    QCOMPARE(serving_rate_text(7894), std::string("7,890 req/s"));
    QCOMPARE(serving_rate_text(950), std::string("950 req/s"));
  }

  // Lesson 6 on this machine: service times measured once per batch size, traffic simulated.
  // The rule picks a setting, and the lesson's claim holds: a dynamic batcher meets 10 ms p99
  // at a higher load than real-time, which saturates within the sweep.
  void lesson6DynamicBatchingCarriesMoreLoadThanRealtime() {
    const Lesson l = load_lesson("batch-vs-realtime");
    const StepOutcome out = run_lesson_step(l, 0);
    qInfo("lesson 6: %.2f s; %s", out.seconds, out.answer.sentence.c_str());
    QVERIFY(out.serving.has_value());
    QVERIFY(!out.stopped);
    QVERIFY2(out.answer.choice >= 0, out.answer.sentence.c_str());
    const auto& choices = l.steps[0].prediction.choices;
    const ServingSetting won = *choices[static_cast<std::size_t>(out.answer.choice)].setting;
    QVERIFY2(won.mode != BatchMode::realtime, out.answer.sentence.c_str());
    // The answer is the sweep's own best_under_objective among the choices' settings.
    double realtime = 0, dynamic = 0;
    for (std::size_t c = 0; c < choices.size(); ++c) {
      const double t = std::isnan(out.answer.per_run[c]) ? 0 : out.answer.per_run[c];
      if (choices[c].setting->mode == BatchMode::realtime) realtime = t;
      if (choices[c].setting->mode == BatchMode::dynamic) dynamic = std::max(dynamic, t);
      QVERIFY(t <= out.answer.per_run[static_cast<std::size_t>(out.answer.choice)]);
    }
    QVERIFY2(dynamic > 2 * realtime, out.answer.sentence.c_str());
    bool realtime_saturated = false;
    for (const ServeSweepPoint& p : out.serving->points)
      if (p.mode == BatchMode::realtime && p.result.saturated) realtime_saturated = true;
    QVERIFY2(realtime_saturated, out.answer.sentence.c_str());
    QVERIFY2(out.seconds < 30, std::to_string(out.seconds).c_str());
  }

  void brokenLessonsNameTheirField() {
    QFETCH(QString, edit);
    QFETCH(QString, value);
    QFETCH(QString, field);
    QFETCH(QString, reason);
    nlohmann::json j = good_lesson();
    const nlohmann::json::json_pointer at(edit.toStdString());
    if (value == "<remove>")
      j.at(at.parent_pointer()).erase(at.back());
    else
      j[at] = nlohmann::json::parse(value.toStdString());
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "broken.json";
    std::ofstream(file) << j.dump(2);
    const std::string error = error_of([&] { load_lesson(file.string()); });
    const std::string head = file.string() + ": " + field.toStdString() + ": ";
    QVERIFY2(error.starts_with(head), error.c_str());
    QVERIFY2(error.find(reason.toStdString(), head.size()) != std::string::npos, error.c_str());
    QVERIFY2(error.find('\n') == std::string::npos, error.c_str());  // one line
  }

  void aLessonThatIsNoJsonNamesTheLine() {
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "bad.json";
    std::ofstream(file) << "{\"title\": \"x\",\n \"steps\": [}";
    const std::string error = error_of([&] { load_lesson(file.string()); });
    QVERIFY2(error.starts_with(file.string() + ": line 2, column"), error.c_str());
    QVERIFY2(error_of([] { load_lesson("nope"); }).find("lessons: batch-vs-realtime, critical-batch-size") !=
                 std::string::npos,
             error_of([] { load_lesson("nope"); }).c_str());
  }

  // The rules on hand-made results: no training, exact answers.
  void rulesPickTheRightChoice() {
    LessonStep s;
    s.outcome.kind = OutcomeKind::out_of_memory_run;
    s.prediction.choices = {{"big", "B = 1024", std::nullopt, std::nullopt},
                            {"split", "B = 1024 (4 × 256)", std::nullopt, std::nullopt}};
    std::vector<LessonRunResult> runs = {result("B = 1024", 1024, RunStatus::out_of_memory),
                                         result("B = 1024 (4 × 256)", 1024, RunStatus::completed)};
    runs[0].finished.summary.predicted_memory_bytes = 12 << 20;
    runs[1].finished.summary.peak_memory_bytes = 5 << 20;
    RuleAnswer a = evaluate_outcome(s, runs);
    QCOMPARE(a.choice, 0);
    QVERIFY2(a.sentence.find("B = 1024 ran out of memory (it needs 12") != std::string::npos,
             a.sentence.c_str());
    runs[0].finished.status = RunStatus::completed;  // nothing ran out: no choice is right
    QCOMPARE(evaluate_outcome(s, runs).choice, -1);

    s.outcome.kind = OutcomeKind::fastest_to_target;
    runs[0].finished.summary.time_to_target_s = 2.9;
    runs[1].finished.summary.time_to_target_s = 1.4;
    a = evaluate_outcome(s, runs);
    QCOMPARE(a.choice, 1);
    QCOMPARE(a.per_run, (std::vector<double>{2.9, 1.4}));

    LessonPrediction p;
    p.choices = {{"4", "", 4, std::nullopt}, {"32", "", 32, std::nullopt}, {"256", "", 256, std::nullopt}};
    QCOMPARE(nearest_batch_choice(p, 90.0), 1);  // log₂ 90 is nearer 32 than 256
    QCOMPARE(nearest_batch_choice(p, 100.0), 2);
    QCOMPARE(nearest_batch_choice(p, 1.0), 0);

    const std::vector<std::vector<float>> ref = {{0, 0}, {1, 0}, {2, 0}};
    QCOMPARE(path_wander({{0, 0}, {1, 3}, {2, 4}, {9, 9}}, ref), 3.5);
    QVERIFY(std::isnan(path_wander({{0, 0}}, ref)));
  }

  // Lesson 1: throughput grows from B = 1 to the knee, and the knee is not B = 1. The sweep is
  // the lesson's own at 8 steps a batch instead of 25 (the rule reads the median samples/s).
  void lesson1ThroughputRisesToTheKnee() {
    const Lesson l = load_lesson("why-batches");
    LessonRunOptions o;
    o.extra_set = {"stop.max_steps=8"};
    const StepOutcome out = run_lesson_step(l, 0, o);
    QCOMPARE(out.runs.size(), std::size_t{13});
    QVERIFY(out.answer.batch.has_value());
    const double knee = *out.answer.batch;
    const int b1 = index_of(out, "B = 1");
    const int at_knee = index_of(out, "B = " + std::to_string(static_cast<int>(knee)));
    QVERIFY(b1 >= 0 && at_knee >= 0);
    const double rate1 = out.answer.per_run[static_cast<std::size_t>(b1)];
    const double rate_knee = out.answer.per_run[static_cast<std::size_t>(at_knee)];
    qInfo("lesson 1 step 1: knee B = %g, %.0f samples/s at B = 1, %.0f at the knee, %.1f s; %s",
          knee, rate1, rate_knee, out.seconds, out.answer.sentence.c_str());
    // B = 1 is bound by per-step overhead; even on a machine shared with other jobs (whose
    // threads stall Eigen's multi-threaded products at large batches) the knee lies above it.
    QVERIFY2(knee >= 4, out.answer.sentence.c_str());
    QVERIFY2(rate_knee > 2.0 * rate1, out.answer.sentence.c_str());
    QVERIFY(out.answer.choice >= 0);
  }

  // Lesson 2: under the budget, B = 1024 in one pass ends out of memory, four micro-batches of
  // 256 fit; and in step 1 the largest batch that fits is 256.
  void lesson2LargestBatchRunsOutOfMemoryAccumulatedFits() {
    const Lesson l = load_lesson("memory-wall");
    const StepOutcome fit = run_lesson_step(l, 0);
    QCOMPARE(fit.answer.batch, std::optional<double>(256));
    QCOMPARE(fit.runs.back().finished.status, RunStatus::out_of_memory);
    const StepOutcome acc = run_lesson_step(l, 1);
    QCOMPARE(acc.runs.size(), std::size_t{2});
    QCOMPARE(acc.runs[0].finished.status, RunStatus::out_of_memory);
    QCOMPARE(acc.runs[1].finished.status, RunStatus::completed);
    QCOMPARE(acc.runs[1].config.batch.size, acc.runs[0].config.batch.size);
    QCOMPARE(acc.answer.choice, 0);
    qInfo("lesson 2: %.1f s + %.1f s; %s", fit.seconds, acc.seconds, acc.answer.sentence.c_str());
  }

  // Lesson 3: the model has two parameters, all three paths start at the same point, and B = 1
  // strays further from the full-batch path than B = 32 does.
  void lesson3SmallBatchPathWandersFurther() {
    const Lesson l = load_lesson("gradient-noise");
    const StepOutcome out = run_lesson_step(l, 0);
    QCOMPARE(out.runs.size(), std::size_t{3});
    for (const auto& r : out.runs) {
      QCOMPARE(r.path.size(), std::size_t{121});  // the start and 120 steps
      QCOMPARE(r.path.front().size(), std::size_t{2});
      QCOMPARE(r.path.front(), out.runs[0].path.front());
    }
    const int b1 = index_of(out, "B = 1"), b32 = index_of(out, "B = 32");
    const double w1 = out.answer.per_run[static_cast<std::size_t>(b1)];
    const double w32 = out.answer.per_run[static_cast<std::size_t>(b32)];
    qInfo("lesson 3: wander B = 1 %.4f, B = 32 %.4f, %.1f s; %s", w1, w32, out.seconds,
          out.answer.sentence.c_str());
    QVERIFY2(w1 > w32, out.answer.sentence.c_str());
    QCOMPARE(out.answer.choice, 0);
  }

  // Lesson 4: at batch 512 both scaled learning rates end more accurate than the unscaled one,
  // linear scaling with warm-up the most (the runs are deterministic on the CPU: no timing).
  void lesson4ScaledLearningRatesBeatTheSameRate() {
    const Lesson l = load_lesson("lr-scaling");
    const StepOutcome out = run_lesson_step(l, 0);
    const auto acc = [&](const char* label) {
      return out.answer.per_run[static_cast<std::size_t>(index_of(out, label))];
    };
    qInfo("lesson 4: %.1f s; %s", out.seconds, out.answer.sentence.c_str());
    QVERIFY2(acc("B = 512, linear + warm-up") > acc("B = 512, same LR"),
             out.answer.sentence.c_str());
    QVERIFY2(acc("B = 512, square root") > acc("B = 512, same LR"), out.answer.sentence.c_str());
    QCOMPARE(out.answer.choice, 1);
  }

  // Lesson 5: S = S_min(1 + B_noise/B) fits the sweep's steps to target with r² above 0.9.
  void lesson5FitExplainsTheSteps() {
    const Lesson l = load_lesson("critical-batch-size");
    const StepOutcome out = run_lesson_step(l, 0);
    QVERIFY2(out.answer.fit.has_value(), out.answer.sentence.c_str());
    qInfo("lesson 5: r2 %.3f, B_noise %.1f, %.1f s; %s", out.answer.fit->r2,
          out.answer.fit->b_noise, out.seconds, out.answer.sentence.c_str());
    QVERIFY2(out.answer.fit->r2 > 0.9, out.answer.sentence.c_str());
    QVERIFY(out.answer.choice >= 0);
  }

  // The handout: predictions, answers and the count of right ones.
  void summaryListsEachStep() {
    const Lesson l = load_lesson("memory-wall");
    LessonRecord record = new_lesson_record(l);
    QCOMPARE(record.predictions, (std::vector<int>{kPredictionSkipped, kPredictionSkipped}));
    record.predictions[1] = 1;
    RuleAnswer a;
    a.choice = 0;
    a.sentence = "B = 1024 in one pass ran out of memory.";
    record.answers[1] = a;
    const LessonSummary sum = summarize_lesson(l, record);
    QCOMPARE(sum.steps.size(), std::size_t{2});
    QCOMPARE(sum.steps[0].prediction, std::string("skipped"));
    QCOMPARE(sum.steps[0].answer, std::string("not run"));
    QCOMPARE(sum.steps[1].prediction, std::string("B = 1024 as 4 × 256"));
    QCOMPARE(sum.steps[1].answer, std::string("B = 1024 in one pass"));
    QCOMPARE(sum.steps[1].predicted_right, std::optional<bool>(false));
    QCOMPARE(sum.predicted, 1);
    QCOMPARE(sum.right, 0);
    const std::string text = summary_text(sum);
    QVERIFY(text.find(l.steps[1].takeaway) != std::string::npos);
    QVERIFY(text.find("Predicted right: 0 of 1") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestLessons)
#include "test_lessons.moc"
