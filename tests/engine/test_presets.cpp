// Preset lookup for every kind (preset_lookup.h): the shipped run and sweep presets are found
// in their own folders and nowhere else, lessons in resources/lessons beside them, a user folder
// in $BATCHLAB_PRESET_DIR overrides a shipped name, and a name that is neither a file nor a
// preset gets an error listing the presets a user can pick from.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "check_helpers.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/preset_lookup.h"
#include "engine/experiment/sweep.h"

using namespace batchlab;
using batchlab::testing::error_of;
namespace fs = std::filesystem;

namespace {

const fs::path kShipped = fs::path(BATCHLAB_SOURCE_DIR) / "resources" / "presets";
const fs::path kShippedLessons = fs::path(BATCHLAB_SOURCE_DIR) / "resources" / "lessons";

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// The stems of the *.json files directly in `dir`, read without the code under test.
std::set<std::string> json_stems(const fs::path& dir) {
  std::set<std::string> out;
  for (const QString& f : QDir(QString::fromStdString(dir.string()))
                              .entryList({QStringLiteral("*.json")}, QDir::Files))
    out.insert(QFileInfo(f).completeBaseName().toStdString());
  return out;
}

std::set<std::string> names_of(const std::vector<PresetInfo>& presets) {
  std::set<std::string> out;
  for (const auto& p : presets) out.insert(p.name);
  return out;
}

// Sets $BATCHLAB_PRESET_DIR for one test and unsets it however the test ends.
struct PresetDirEnv {
  explicit PresetDirEnv(const QString& dir) { qputenv("BATCHLAB_PRESET_DIR", dir.toUtf8()); }
  ~PresetDirEnv() { qunsetenv("BATCHLAB_PRESET_DIR"); }
  PresetDirEnv(const PresetDirEnv&) = delete;
  PresetDirEnv& operator=(const PresetDirEnv&) = delete;
};

}  // namespace

class TestPresets : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { qunsetenv("BATCHLAB_PRESET_DIR"); }

  void searchOrderPutsTheUserFolderFirst() {
    const PresetDirEnv env(QStringLiteral("/tmp/user-presets"));
    const auto dirs = preset_dirs();
    QCOMPARE(dirs.size(), std::size_t{3});
    QCOMPARE(dirs.front(), fs::path("/tmp/user-presets"));
    QCOMPARE(dirs[1].filename(), fs::path("presets"));  // <exe>/../share/batchlab/presets
    QCOMPARE(dirs[1].parent_path().filename(), fs::path("batchlab"));
    QCOMPARE(dirs.back(), fs::path(BATCHLAB_PRESET_DIR_SOURCE));
  }

  // Run presets are the top-level files, sweep presets those in sweeps/: each kind lists exactly
  // its folder's files, and the old entry points give the same answers.
  void shippedRunAndSweepPresetsListAndFind() {
    const auto runs = list_presets(PresetKind::run);
    const auto sweeps = list_presets(PresetKind::sweep);
    QCOMPARE(names_of(runs), json_stems(kShipped));
    QCOMPARE(names_of(sweeps), json_stems(kShipped / "sweeps"));
    QVERIFY(names_of(runs).contains("spirals-mlp"));
    QVERIFY(!names_of(runs).contains("spirals-batch-sizes"));
    QVERIFY(names_of(sweeps).contains("spirals-batch-sizes"));
    QVERIFY(!names_of(sweeps).contains("spirals-mlp"));

    const auto old_runs = list_presets();
    const auto old_sweeps = list_sweep_presets();
    QCOMPARE(old_runs.size(), runs.size());
    QCOMPARE(old_sweeps.size(), sweeps.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
      QCOMPARE(old_runs[i].name, runs[i].name);
      QCOMPARE(old_runs[i].title, runs[i].title);
      QCOMPARE(old_runs[i].path, runs[i].path);
      QCOMPARE(runs[i].path, kShipped / (runs[i].name + ".json"));
      QCOMPARE(find_preset(PresetKind::run, runs[i].name), runs[i].path);
      QCOMPARE(find_preset(runs[i].name), runs[i].path);
      QVERIFY(find_preset(PresetKind::sweep, runs[i].name).empty());
    }
    for (std::size_t i = 0; i < sweeps.size(); ++i) {
      QCOMPARE(old_sweeps[i].name, sweeps[i].name);
      QCOMPARE(old_sweeps[i].path, sweeps[i].path);
      QCOMPARE(sweeps[i].path, kShipped / "sweeps" / (sweeps[i].name + ".json"));
      QCOMPARE(find_preset(PresetKind::sweep, sweeps[i].name), sweeps[i].path);
      QCOMPARE(find_sweep_preset(sweeps[i].name), sweeps[i].path);
      QVERIFY(find_preset(PresetKind::run, sweeps[i].name).empty());
      QVERIFY(!sweeps[i].description.empty());
    }
    // ".json" may be given; a name with a '/' is a path, not a preset.
    QCOMPARE(find_preset(PresetKind::run, "spirals-mlp.json"), kShipped / "spirals-mlp.json");
    QVERIFY(find_preset(PresetKind::run, "sweeps/spirals-batch-sizes").empty());
    QVERIFY(find_preset(PresetKind::run, "").empty());
  }

  void userFolderOverridesAShippedName() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path user = dir.path().toStdString();
    write_file(user / "spirals-mlp.json",
               R"({"name": "Mine", "description": "Overrides.", "dataset": {"kind": "xor"}})");
    write_file(user / "sweeps" / "spirals-batch-sizes.json",
               R"({"name": "My sweep", "description": "Also mine."})");
    write_file(user / "lessons" / "intro.json", R"({"name": "Intro", "description": "Lesson."})");
    write_file(user / "serving" / "notes.txt", "not a preset");
    const PresetDirEnv env(dir.path());

    QCOMPARE(find_preset(PresetKind::run, "spirals-mlp"), user / "spirals-mlp.json");
    QCOMPARE(find_preset(PresetKind::sweep, "spirals-batch-sizes"),
             user / "sweeps" / "spirals-batch-sizes.json");
    QCOMPARE(load_run_config("spirals-mlp").dataset.kind, std::string("xor"));

    const auto runs = list_presets(PresetKind::run);
    int overridden = 0;
    for (const auto& p : runs) {
      if (p.name != "spirals-mlp") continue;
      ++overridden;
      QCOMPARE(p.title, std::string("Mine"));
      QCOMPARE(p.path, user / "spirals-mlp.json");
    }
    QCOMPARE(overridden, 1);                                // listed once, the user's
    QVERIFY(names_of(runs).contains("fashion-mnist-mlp"));  // shipped ones still list
    QVERIFY(!names_of(runs).contains("intro"));             // lessons are not run presets
    const auto sweeps = list_presets(PresetKind::sweep);
    QCOMPARE(sweeps.size(), json_stems(kShipped / "sweeps").size());
    for (const auto& p : sweeps)
      if (p.name == "spirals-batch-sizes") QCOMPARE(p.title, std::string("My sweep"));

    // The user's lesson lists beside the shipped ones (which sit beside the presets).
    const auto lessons = list_presets(PresetKind::lesson);
    std::set<std::string> want = json_stems(kShippedLessons);
    want.insert("intro");
    QCOMPARE(names_of(lessons), want);
    for (const auto& p : lessons)
      if (p.name == "intro") QCOMPARE(p.title, std::string("Intro"));
    QCOMPARE(find_preset(PresetKind::lesson, "intro"), user / "lessons" / "intro.json");
    // only *.json files count: the user's notes.txt adds nothing to the shipped serving presets
    QCOMPARE(list_presets(PresetKind::serving).size(), json_stems(kShipped / "serving").size());
  }

  // Lessons ship in resources/lessons (share/batchlab/lessons when installed), beside the
  // presets rather than in a presets subfolder; an empty user lessons folder adds nothing.
  void lessonsShipBesideThePresets() {
    const auto lessons = list_presets(PresetKind::lesson);
    QVERIFY(!lessons.empty());
    QCOMPARE(names_of(lessons), json_stems(kShippedLessons));
    for (const auto& p : lessons) {
      QCOMPARE(p.path, kShippedLessons / (p.name + ".json"));
      QCOMPARE(find_preset(PresetKind::lesson, p.name), p.path);
      QVERIFY(find_preset(PresetKind::run, p.name).empty());
    }
    QVERIFY(find_preset(PresetKind::lesson, "spirals-mlp").empty());
    QVERIFY(!fs::exists(kShipped / "lessons"));
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("lessons")));
    const PresetDirEnv env(dir.path());
    QCOMPARE(list_presets(PresetKind::lesson).size(), lessons.size());
    QVERIFY(find_preset(PresetKind::lesson, "intro").empty());
  }

  void resolveNamesTheChoicesWhenNothingMatches() {
    const std::string run_error = error_of([] { resolve_config(PresetKind::run, "nope"); });
    QVERIFY2(run_error.starts_with("\"nope\" is neither a config file nor a preset; presets: "),
             run_error.c_str());
    QVERIFY2(run_error.find("spirals-mlp") != std::string::npos, run_error.c_str());
    QVERIFY2(run_error.find("spirals-batch-sizes") == std::string::npos, run_error.c_str());

    const std::string sweep_error = error_of([] { resolve_config(PresetKind::sweep, "nope"); });
    QCOMPARE(
        sweep_error, "\"nope\" is neither a sweep file nor a sweep preset; sweep presets: " + [] {
          std::string names;
          for (const auto& s : json_stems(kShipped / "sweeps"))
            names += (names.empty() ? "" : ", ") + s;
          return names;
        }());

    QCOMPARE(
        error_of([] { resolve_config(PresetKind::lesson, "nope"); }),
        "\"nope\" is neither a lesson file nor a lesson; lessons: " + [] {
          std::string names;
          for (const auto& s : json_stems(kShippedLessons))
            names += (names.empty() ? "" : ", ") + s;
          return names;
        }());
    QCOMPARE(error_of([] { resolve_config(PresetKind::run, "/nonexistent/run.json"); }),
             std::string("/nonexistent/run.json: no such file"));
    QCOMPARE(error_of([] { resolve_config(PresetKind::sweep, "missing.json"); }),
             std::string("missing.json: no such file"));

    // A file that exists is taken as given; a name is its preset.
    const std::string file = (kShipped / "spirals-mlp.json").string();
    QCOMPARE(resolve_config(PresetKind::sweep, file), fs::path(file));
    QCOMPARE(resolve_config(PresetKind::sweep, "spirals-batch-sizes"),
             kShipped / "sweeps" / "spirals-batch-sizes.json");
  }
};

QTEST_APPLESS_MAIN(TestPresets)
#include "test_presets.moc"
