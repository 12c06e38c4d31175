// batchlab-cli as a user meets it: --help everywhere, one-line errors naming the culprit with a
// non-zero exit and an untouched store, JSONL events, runs and export.
#include <QtTest>

#include <QRegularExpression>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

#include "cli_process.h"
#include "engine/experiment/run_store.h"

using namespace batchlab;
using batchlab::testing::cli;
using Result = batchlab::testing::CliResult;

namespace {

void write(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString db_;
  std::size_t runs_before_ = 0;

  std::size_t stored_runs() { return RunStore(db_.toStdString()).list_runs().size(); }

  // A bad invocation: exit code 2, exactly one line on stderr containing `culprit`, no new run.
  void expectBadInput(const QStringList& args, const QString& culprit) {
    const Result r = cli(QStringList{"run"} + args + QStringList{"--db", db_});
    QVERIFY2(r.code == 2, qPrintable(QString("exit %1, stderr: %2").arg(r.code).arg(r.err)));
    const QStringList lines = r.err.trimmed().split('\n');
    QVERIFY2(lines.size() == 1, qPrintable("expected one line, got: " + r.err));
    QVERIFY2(r.err.contains(culprit), qPrintable("\"" + culprit + "\" not named in: " + r.err));
    QCOMPARE(stored_runs(), runs_before_);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("runs.sqlite");
    // One good run first, so "untouched" means something.
    const Result r = cli({"run", "spirals-mlp", "--set", "stop.epochs=1", "--db", db_});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("completed"));
    runs_before_ = stored_runs();
    QCOMPARE(runs_before_, std::size_t{1});
  }

  void helpForEverySubcommand() {
    for (const char* sub :
         {"run", "find-batch", "devices", "datasets", "presets", "runs", "export"}) {
      const Result r = cli({sub, "--help"});
      QVERIFY2(r.code == 0, qPrintable(sub));
      QVERIFY2(r.out.contains("Usage") || r.out.contains("usage"), qPrintable(r.out));
    }
    QCOMPARE(cli({"--help"}).code, 0);
  }

  void unknownSetKey() { expectBadInput({"spirals-mlp", "--set", "batch.sise=3"}, "batch.sise"); }
  void batchSizeZero() { expectBadInput({"spirals-mlp", "--set", "batch.size=0"}, "batch.size"); }
  void batchLeavingNoBatch() {
    expectBadInput({"spirals-mlp", "--set", "batch.size=100000", "--set", "batch.drop_last=true"},
                   "batch.size");
  }
  void mistypedField() {
    expectBadInput({"spirals-mlp", "--set", "optimizer.lr=\"fast\""}, "optimizer.lr");
  }
  void unknownPreset() { expectBadInput({"no-such-preset"}, "no-such-preset"); }

  void malformedConfigFile() {
    const QString path = dir_.filePath("bad.json");
    write(path, "{\n  \"dataset\": {\"kind\": \"moons\"},\n  \"batch\": {\"size\": 32,,}\n}\n");
    expectBadInput({path}, "bad.json");
    const Result r = cli({"run", path, "--db", db_});
    QVERIFY2(r.err.contains("line 3"), qPrintable(r.err));
  }

  void missingDatasetFile() {
    expectBadInput(
        {"spirals-mlp", "--set", "dataset.kind=csv", "--set", "dataset.path=/nonexistent/data.csv"},
        "/nonexistent/data.csv");
  }

  void corruptIdxFile() {
    const QString idx = dir_.filePath("idx");
    QDir().mkpath(idx);
    // A valid test split, valid training labels, and training images whose gzip stream is
    // garbage after the magic: a corrupt archive, not a missing file.
    static constexpr char kGarbageGzip[] = "\x1f\x8b\x08\x00garbage-not-deflate";
    const QByteArray labels("\x00\x00\x08\x01\x00\x00\x00\x01\x03", 9);
    const QByteArray images(
        "\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04", 20);
    write(idx + "/t10k-images-idx3-ubyte", images);
    write(idx + "/t10k-labels-idx1-ubyte", labels);
    write(idx + "/train-labels-idx1-ubyte", labels);
    write(idx + "/train-images-idx3-ubyte.gz",
          // sizeof − 1: the bytes of the literal, not its NUL or past it (ASan found 26 here).
          QByteArray(kGarbageGzip, sizeof kGarbageGzip - 1));
    expectBadInput({"spirals-mlp", "--set", "dataset.kind=idx", "--set", "dataset.path=" + idx},
                   "train-images-idx3-ubyte.gz");
  }

  void raggedCsvRow() {
    const QString path = dir_.filePath("ragged.csv");
    write(path, "x,y,label\n1,2,a\n3,4\n5,6,b\n");
    expectBadInput({"spirals-mlp", "--set", "dataset.kind=csv", "--set", "dataset.path=" + path},
                   "ragged.csv:3");
  }

  void jsonlStreamAndNoProgressLineInPipes() {
    const Result r =
        cli({"run", "spirals-mlp", "--set", "stop.epochs=1", "--db", db_, "--jsonl", "-"});
    QCOMPARE(r.code, 0);
    const QStringList lines = r.out.trimmed().split('\n');
    QVERIFY(lines.size() > 3);
    std::string first_type, last_type;
    int steps = 0;
    for (const QString& line : lines) {
      const auto j =
          nlohmann::ordered_json::parse(line.toStdString());  // throws (fails) if not JSON
      QVERIFY(j.is_object());
      QCOMPARE(j.begin().key(), std::string("type"));
      if (first_type.empty()) first_type = j["type"];
      last_type = j["type"];
      if (j["type"] == "step") ++steps;
    }
    QCOMPARE(first_type, std::string("run_started"));
    QCOMPARE(last_type, std::string("run_finished"));
    QVERIFY(steps > 0);
    QVERIFY2(!r.err.contains('\r'), "the live progress line is for terminals only");
  }

  // On a terminal the live line shows step k/N and an ETA; a batch-size schedule used to leave
  // N unknown (planned_steps = 0) and the ETA a dash. script(1) gives the CLI a real terminal.
  void progressLineOfAScheduledRunHasPlannedStepsAndEta() {
    const QString script = QStandardPaths::findExecutable("script");
    QVERIFY2(!script.isEmpty(), "script(1) from util-linux is needed to give the CLI a terminal");
    // spirals-batch-increase: 1600 training rows, batch 16 until epoch 15, then 32:
    // 15 × 100 + 5 × 50 = 1750 steps in 20 epochs.
    const QString command = QStringLiteral(
                                "'%1' run spirals-batch-increase --set stop.epochs=20 "
                                "--set eval.every_epochs=5 --no-store")
                                .arg(BATCHLAB_CLI_PATH);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
    p.setProcessEnvironment(env);
    p.start(script, {"-qec", command, "/dev/null"});
    QVERIFY(p.waitForFinished(300000));
    QCOMPARE(p.exitCode(), 0);
    const QString screen = QString::fromUtf8(p.readAllStandardOutput());
    static const QRegularExpression line(QStringLiteral("step (\\d+)/(\\d+) \\|.*ETA (\\S+)"));
    const auto m = line.match(screen);
    QVERIFY2(m.hasMatch(), qPrintable("no progress line with planned steps in: " + screen));
    QCOMPARE(m.captured(2), QStringLiteral("1750"));
    QVERIFY2(m.captured(3) != QStringLiteral("–"), qPrintable(m.captured(0)));
  }

  void runsAndExport() {
    const Result list = cli({"runs", "--db", db_});
    QCOMPARE(list.code, 0);
    QVERIFY2(list.out.contains("completed") && list.out.contains(" in " + db_),
             qPrintable(list.out));
    const auto runs = RunStore(db_.toStdString()).list_runs();
    const auto id = QString::number(runs.front().id);
    const QString csv = dir_.filePath("steps.csv");
    const Result ex = cli({"export", "--db", db_, "--runs", id, "--format", "csv", "-o", csv});
    QVERIFY2(ex.code == 0, qPrintable(ex.err));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto rows = QString::fromUtf8(f.readAll()).trimmed().split('\n').size() - 1;
    QCOMPARE(static_cast<std::size_t>(rows),
             RunStore(db_.toStdString()).steps(runs.front().id).size());
    const Result bad =
        cli({"export", "--db", db_, "--runs", "99999", "-o", dir_.filePath("x.csv")});
    QCOMPARE(bad.code, 2);
    QVERIFY(bad.err.contains("99999"));
    QVERIFY(!QFile::exists(dir_.filePath("x.csv")));
  }

  // A long name is cut at a word, never inside a number, and the columns after it stay aligned.
  void runsCutsLongNamesAtAWord() {
    const QString db = dir_.filePath("names.sqlite");
    const Result r = cli({"run", "spirals-mlp", "--set", "stop.max_steps=2", "--set",
                          "name=fashion-mnist sweep b=1024 lr=0.05 repeat 12", "--db", db});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Result list = cli({"runs", "--db", db});
    QCOMPARE(list.code, 0);
    const QStringList lines = list.out.split('\n');
    QVERIFY(lines.size() >= 2);
    QVERIFY2(lines[1].contains(QStringLiteral("fashion-mnist sweep b=1024 …")),
             qPrintable(list.out));
    QVERIFY2(!lines[1].contains(QStringLiteral("lr=0")), qPrintable(list.out));
    QCOMPARE(lines[1].indexOf(QStringLiteral("completed")),
             lines[0].indexOf(QStringLiteral("status")));
  }

  // Each run of a sweep picks its device; the terminal hears which once, not once per run.
  void sweepSaysTheDeviceChoiceOnce() {
    const QString db = dir_.filePath("once.sqlite");
    const Result r = cli({"sweep", "spirals-batch-sizes", "--db", db, "--set", "base.device=auto",
                          "--set", "base.stop.max_steps=2", "--set", "base.stop.target=null",
                          "--set", "batch_sizes=[16,32,64]"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(r.err.count(QStringLiteral("device auto:")), 1);
    // All three runs ran and are stored.
    RunStore store(db.toStdString());
    QCOMPARE(store.list_runs().size(), std::size_t{3});
  }

  void devicesSaysWhatItHas() {
    const Result r = cli({"devices"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.startsWith("cpu"));
    QVERIFY(r.out.contains("cuda"));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
