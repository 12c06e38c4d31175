// The fuzzers' corpora, replayed in the ordinary suite: every file of tests/fuzz/corpus/<target>/
// goes through the same entry point as in the libFuzzer target (tests/fuzz/fuzz_entry.h). An
// input may be rejected (a batchlab::Error, swallowed there); it may not crash, throw anything
// else or break an invariant the entry point checks (abort). The last test pins the message
// each bug found so far now gives, with its input in the corpus.
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/core/errors.h"
#include "engine/data/csv_loader.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/json_fields.h"
#include "engine/experiment/store_merge.h"
#include "engine/experiment/sweep_load.h"
#include "engine/lesson/lesson_io.h"
#include "fuzz/fuzz_entry.h"

using namespace batchlab;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(BATCHLAB_SOURCE_DIR) / "tests" / "fuzz" / "corpus";

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> corpus_files(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kCorpus / target))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The message `load` throws, or "" when it does not throw.
template <typename F>
std::string error_of(F load) {
  try {
    load();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::string corpus_text(const std::string& target, const std::string& name) {
  const auto b = read_bytes(kCorpus / target / name);
  return {b.begin(), b.end()};
}

}  // namespace

class TestFuzzCorpus : public QObject {
  Q_OBJECT

 private slots:
  void replay_data() {
    QTest::addColumn<int>("target");
    QTest::addColumn<QString>("file");
    for (std::size_t t = 0; t < std::size(fuzz::kTargets); ++t)
      for (const auto& f : corpus_files(fuzz::kTargets[t].name))
        QTest::newRow((std::string(fuzz::kTargets[t].name) + "/" + f.filename().string()).c_str())
            << static_cast<int>(t) << QString::fromStdString(f.string());
  }

  void replay() {
    QFETCH(int, target);
    QFETCH(QString, file);
    const auto bytes = read_bytes(file.toStdString());
    fuzz::kTargets[target].run(fuzz::Bytes(bytes.data(), bytes.size()));
  }

  // A corpus folder that went missing would make replay() pass on nothing.
  void every_target_has_seeds() {
    for (const auto& t : fuzz::kTargets) {
      const auto files = corpus_files(t.name);
      QVERIFY2(files.size() >= 8, t.name);
    }
  }

  // The bugs the seed edge cases exposed (before the fuzzers ran), each with its input in the
  // corpus: it now gives an error a person can act on instead of a crash or a silent bad value.
  void found_inputs_give_clear_errors() {
    const auto run_error = [](const std::string& name) {
      std::string text;
      const auto bytes = read_bytes(kCorpus / "run_config" / name);
      const auto sets = fuzz::split_config(fuzz::Bytes(bytes.data(), bytes.size()), text);
      const std::string path = fuzz::Scratch::get().write("run.json", text);
      return error_of([&] { load_run_config(path, sets); });
    };
    // 1e999 overflowed nlohmann's parser with out_of_range, which no caller catches.
    QVERIFY2(run_error("seed-number-overflow").find("number overflow") != std::string::npos,
             run_error("seed-number-overflow").c_str());
    // A --set value that is not UTF-8 made the "got ..." half of the message throw type_error.
    const std::string bad_set = run_error("seed-set-bad");
    QVERIFY2(bad_set.find("--set") != std::string::npos, bad_set.c_str());

    // 1e39 is a finite double but not a float: it became inf in the features.
    const std::string csv =
        fuzz::Scratch::get().write("overflow.csv", corpus_text("csv", "seed-float-overflow"));
    const std::string csv_error = error_of([&] { load_csv(csv, "", "auto"); });
    QVERIFY2(csv_error.find(":2: column 'a'") != std::string::npos &&
                 csv_error.find("32-bit float") != std::string::npos,
             csv_error.c_str());

    // 31 batch sizes × 40 learning rates × 1000 repeats expanded 1.24 million runs.
    const std::string sweep =
        fuzz::Scratch::get().write("many.json", corpus_text("sweep_config", "seed-many-runs"));
    const std::string sweep_error = error_of([&] { load_sweep_config(sweep); });
    QVERIFY2(sweep_error.find("1240000 runs") != std::string::npos, sweep_error.c_str());

    // A value nested 100000 deep (200 kB) overflowed the stack while the "got ..." half of the
    // message was dumped; now the message shows its first 40 characters.
    const std::size_t depth = 100'000;
    const std::string deep =
        "{\"dataset\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
    const std::string deep_error = error_of([&] {
      run_config_from_json(json_config::parse_json_text(deep, "deep.json"), "deep.json");
    });
    QVERIFY2(
        deep_error.find("deep.json: dataset: expected an object, got [[[[") != std::string::npos,
        deep_error.c_str());
  }

  // The lesson corpus holds the bundled lessons (they load) and one broken case per rule of
  // lesson_io: each is refused with one line naming the scratch file and the field.
  void lesson_seeds_load_or_name_their_field() {
    const auto lesson_error = [](const std::string& name) {
      const std::string path =
          fuzz::Scratch::get().write("lesson.json", corpus_text("lesson", name));
      const std::string e = error_of([&] { load_lesson(path); });
      return e.empty() ? e : e.substr(e.find(": ") + 2);  // without the scratch path
    };
    for (const auto& f : corpus_files("lesson"))
      if (f.filename().string().starts_with("seed-bundled-"))
        QCOMPARE(lesson_error(f.filename().string()), std::string());
    QCOMPARE(lesson_error("seed-minimal"), std::string());
    QCOMPARE(lesson_error("seed-sweep-batch-rule"), std::string());
    QCOMPARE(lesson_error("seed-serving-setting-rule"), std::string());
    const std::pair<const char*, const char*> broken[] = {
        {"seed-no-title", "title: required"},
        {"seed-no-runs", "steps[0].runs: a step needs at least one run"},
        {"seed-unknown-plot", "steps[0].plots[0]: unknown plot \"histogram\""},
        {"seed-one-choice", "steps[0].prediction.choices: needs 2 to 5 choices, got 1"},
        {"seed-six-choices", "steps[0].prediction.choices: needs 2 to 5 choices, got 6"},
        {"seed-unknown-outcome", "steps[0].outcome.kind: unknown outcome \"best_guess\""},
        {"seed-unknown-preset", "steps[0].runs[1].preset: \"no-such-preset\" is neither"},
        {"seed-bad-set", "steps[0].runs[0].set[1]: expected \"key=value\", got 3"},
        {"seed-wander-no-reference", "steps[0].outcome.reference: required"},
        {"seed-race-no-target", "steps[0].outcome.kind: fastest_to_target needs a stop target"},
        {"seed-preset-and-sweep", "steps[0].runs[0].sweep: give one of \"preset\", \"sweep\""},
        {"seed-serving-setting-not-swept",
         "steps[0].prediction.choices[1].setting: the sweep does not run fixed batch 16"},
        {"seed-steps-not-list", "steps: expected a list"},
    };
    for (const auto& [name, head] : broken) {
      const std::string e = lesson_error(name);
      QVERIFY2(e.starts_with(head), (std::string(name) + ": " + e).c_str());
      QVERIFY2(e.find('\n') == std::string::npos, e.c_str());
    }
  }
  // The shard seeds: the real store merges its run, the edited and foreign files are refused with
  // one line (so the fuzzer starts from both sides of every check merge_shards makes).
  void merge_shard_seeds_merge_or_say_why() {
    const auto merge = [](const std::string& name) {
      const fs::path shard =
          fuzz::Scratch::get().write(("m-" + name).c_str(), corpus_text("merge_shard", name));
      const fs::path main = fuzz::Scratch::get().path(("main-" + name).c_str());
      const fs::path shards[] = {shard};
      int added = -1;
      std::string e = error_of([&] { added = merge_shards(main, shards).runs_added(); });
      // A refused shard leaves no main store behind: say so in the message the test shows.
      if (!e.empty() && fs::exists(main)) e += " [the main store was left behind]";
      return std::make_pair(added, e.empty() ? e : e.substr(e.find(": ") + 2));
    };
    QCOMPARE(merge("seed-one-run"), std::make_pair(1, std::string()));
    // A run still running in its shard is skipped, not merged half.
    QCOMPARE(merge("seed-still-running").first, 0);
    const std::pair<const char*, const char*> refused[] = {
        {"seed-future-schema", "the shard has schema version 99"},
        {"seed-foreign-sqlite", "not a BatchLab run store"},
        {"seed-text", "not an SQLite database"},
        {"seed-truncated-header", "the file is damaged"},
        {"seed-truncated-half", "the file is damaged"},
        {"seed-corrupt-model", "the model of run 1 is damaged (its checksum does not match)"},
        {"seed-no-steps-table", "it has no steps table"},
    };
    for (const auto& [name, head] : refused) {
      const auto [added, e] = merge(name);
      QVERIFY2(added == -1 && e.find(head) != std::string::npos &&
                   e.find("left behind") == std::string::npos,
               (std::string(name) + ": " + e).c_str());
      QVERIFY2(e.find('\n') == std::string::npos, e.c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestFuzzCorpus)
#include "test_fuzz_corpus.moc"
