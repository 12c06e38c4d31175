// batchlab-cli infer and serve as a user meets them: --help, a table of batch sizes whose memory
// equals the model's, serving runs with their latency report and sweeps naming the best
// setting, JSON lines that parse and add up, and bad input as one line on stderr naming the
// option, key, file or line, exit 2.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "cli_process.h"

using batchlab::testing::cli;
using Result = batchlab::testing::CliResult;

namespace {

std::vector<nlohmann::json> json_lines(const QString& out) {
  std::vector<nlohmann::json> lines;
  for (const QString& l : out.split('\n', Qt::SkipEmptyParts)) lines.push_back(nlohmann::json::parse(l.toStdString()));
  return lines;
}

}  // namespace

class TestServeCli : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

  void expectBadInput(const QStringList& args, const QString& culprit) {
    const Result r = cli(args);
    QVERIFY2(r.code == 2, qPrintable(QString("exit %1, stderr: %2").arg(r.code).arg(r.err)));
    const QStringList lines = r.err.trimmed().split('\n');
    QVERIFY2(lines.size() == 1, qPrintable("expected one line, got: " + r.err));
    QVERIFY2(r.err.contains(culprit), qPrintable("\"" + culprit + "\" not named in: " + r.err));
  }

 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void help() {
    for (const char* sub : {"infer", "serve"}) {
      const Result r = cli({sub, "--help"});
      QCOMPARE(r.code, 0);
      QVERIFY(r.out.contains("Usage"));
      QVERIFY(r.out.contains("--run"));
    }
    const Result serve = cli({"serve", "--help"});
    for (const char* opt : {"--rate", "--mode", "--max-delay-ms", "--queue-cap", "--slo-p99-ms",
                            "--arrivals", "--virtual-clock", "--sweep-rates"})
      QVERIFY2(serve.out.contains(opt), opt);
  }

  void inferPrintsATableWithMemoryAsPredicted() {
    const Result r = cli({"infer", "spirals-mlp", "--batch-sizes", "1,8,64", "--min-seconds", "0.02"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("samples/s"));
    QVERIFY(r.out.contains("forward only"));
    QVERIFY(!r.out.contains("differs from the model"));
    int rows = 0;
    for (const QString& l : r.out.split('\n'))
      if (QRegularExpression("^\\s+(1|8|64)\\s+\\S+").match(l).hasMatch()) ++rows;
    QCOMPARE(rows, 3);
  }

  void inferJsonlLinesParse() {
    const Result r = cli({"infer", "spirals-mlp", "--batch-sizes", "2,16", "--min-seconds", "0", "--jsonl", "-"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto lines = json_lines(r.out);
    QCOMPARE(lines.size(), std::size_t{2});
    for (const auto& j : lines) {
      QCOMPARE(j.at("type").get<std::string>(), std::string("infer_batch_size"));
      QCOMPARE(j.at("memory_bytes"), j.at("predicted_bytes"));
      QCOMPARE(j.at("mem_gradients").get<int>(), 0);
      QVERIFY(j.at("accuracy").get<double>() >= 0.0);
    }
    QCOMPARE(lines[1].at("batch_size").get<int>(), 16);
  }

  void serveOnTheVirtualClockReportsAndAddsUp() {
    const Result r = cli({"serve", "spirals-mlp", "--rate", "2000", "--mode", "dynamic",
                          "--max-batch", "16", "--max-delay-ms", "1", "--duration-s", "1",
                          "--virtual-clock", "--jsonl", "-"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.err.contains("latency: p50"));  // the report goes to stderr when stdout is JSON
    QVERIFY(r.err.contains("batch sizes"));
    const auto lines = json_lines(r.out);
    std::int64_t batches = 0, in_batches = 0;
    nlohmann::json summary;
    for (const auto& j : lines) {
      const auto type = j.at("type").get<std::string>();
      if (type == "serve_batch") {
        ++batches;
        in_batches += j.at("batch_size").get<std::int64_t>();
        QVERIFY(j.at("batch_size").get<int>() <= 16);
      }
      if (type == "serve_summary") summary = j;
    }
    QVERIFY(!summary.is_null());
    const auto n = [&](const char* k) { return summary.at(k).get<std::int64_t>(); };
    QCOMPARE(n("served") + n("dropped") + n("rejected") + n("unfinished"), n("arrived"));
    QCOMPARE(in_batches, n("served"));
    QVERIFY(batches > 0);
    QVERIFY(n("arrived") > 1500);
  }

  void serveOnTheRealClock() {
    const Result r = cli({"serve", "spirals-mlp", "--rate", "500", "--mode", "realtime", "--duration-s", "0.3"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("real clock"));
    QVERIFY(r.out.contains("latency: p50"));
    QVERIFY(r.out.contains("served"));
  }

  void sweepNamesTheBestSettingUnderTheObjective() {
    const Result r = cli({"serve", "spirals-mlp", "--service-ms", "1", "--service-ms-per-row", "0.1",
                          "--sweep-rates", "200,800,3000", "--sweep-modes", "realtime,dynamic",
                          "--max-batch", "16", "--max-delay-ms", "1", "--slo-p99-ms", "10",
                          "--duration-s", "3"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("best under p99 ≤ 10 ms: dynamic batching"), qPrintable(r.out));
    QVERIFY(r.out.contains("saturated at ≈"));  // real-time at 3 000 req/s: 1.1 ms each
    QVERIFY(r.out.contains("← best"));
  }

  void adaptiveSaysWhereItSettled() {
    const Result r = cli({"serve", "spirals-mlp", "--service-ms", "2", "--service-ms-per-row", "0.05",
                          "--rate", "3000", "--mode", "adaptive", "--max-batch", "64",
                          "--slo-p99-ms", "20", "--duration-s", "10"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("adaptive: settled on a batch limit of"), qPrintable(r.out));
  }

  void badInputIsOneLineNamingTheCulprit() {
    expectBadInput({"serve", "spirals-mlp"}, "--rate");
    expectBadInput({"serve", "spirals-mlp", "--rate", "fast"}, "--rate");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--max-batch", "0"}, "--max-batch");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--mode", "turbo"}, "--mode");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--policy", "maybe"}, "--policy");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--mode", "adaptive"}, "slo_p99_ms");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--preferred", "4,x"}, "--preferred");
    expectBadInput({"serve", "spirals-mlp", "--rate", "100", "--sweep-modes", "realtime,bulk"}, "--sweep-modes");
    expectBadInput({"serve", "no-such-preset", "--rate", "100"}, "no-such-preset");
    expectBadInput({"serve", "spirals-mlp", "--run", "3", "--rate", "1"}, "not both");
    expectBadInput({"serve", "--rate", "1"}, "--run");
    expectBadInput({"infer", "spirals-mlp", "--batch-sizes", "1,0"}, "--batch-sizes");
    expectBadInput({"infer", "spirals-mlp", "--split", "test"}, "--split");
    expectBadInput({"infer", "--run", "4", "--db", dir_.filePath("none.sqlite")}, "none.sqlite");
    const QString trace = dir_.filePath("trace.csv");
    {
      QFile f(trace);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("0.0\n0.01\nlater\n");
    }
    expectBadInput({"serve", "spirals-mlp", "--arrivals", "trace:" + trace}, "trace.csv:3");
    expectBadInput({"serve", "spirals-mlp", "--arrivals", "trace:"}, "--arrivals");
  }

  void aTracePlaysBack() {
    const QString trace = dir_.filePath("ok.csv");
    {
      QFile f(trace);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("arrival_s\n0\n0.001\n0.002\n0.5\n");
    }
    const Result r = cli({"serve", "spirals-mlp", "--arrivals", "trace:" + trace, "--mode", "realtime",
                          "--virtual-clock"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("4 arrived, 4 served"), qPrintable(r.out));
  }

  // A trained run's stored model serves: train one, then infer and serve it by id.
  void aStoredRunServes() {
    const QString db = dir_.filePath("runs.sqlite");
    const Result run = cli({"run", "spirals-mlp", "--set", "stop.epochs=2", "--db", db});
    QVERIFY2(run.code == 0, qPrintable(run.err));
    const Result infer = cli({"infer", "--run", "1", "--db", db, "--batch-sizes", "32", "--min-seconds", "0"});
    QVERIFY2(infer.code == 0, qPrintable(infer.err));
    QVERIFY(infer.out.contains("trained"));
    // Two epochs of the spirals preset separate the arms far better than chance.
    const auto m = QRegularExpression("\\n\\s+32\\s+\\S+\\s+\\S+ \\S+\\s+([01](?:\\.\\d+)?)").match(infer.out);
    QVERIFY2(m.hasMatch(), qPrintable(infer.out));
    QVERIFY2(m.captured(1).toDouble() > 0.6, qPrintable(infer.out));
    const Result serve = cli({"serve", "--run", "1", "--db", db, "--rate", "300", "--virtual-clock", "--duration-s", "1"});
    QVERIFY2(serve.code == 0, qPrintable(serve.err));
    QVERIFY(serve.out.contains("run 1"));
  }
};

QTEST_APPLESS_MAIN(TestServeCli)
#include "test_serve_cli.moc"
