// The cost of a run at a price per device-hour: the helper's arithmetic, and the CLI's summary
// line with --price-per-hour or $BATCHLAB_PRICE_PER_HOUR (a malformed price is bad input).
#include <QtTest>

#include <cmath>

#include "engine/metrics/cost.h"

using namespace batchlab;

namespace {

struct Cli {
  int code = -1;
  QString out;
  QString err;
};

Cli cli(const QStringList& args, const QString& price_env = {}) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
  env.remove("BATCHLAB_PRICE_PER_HOUR");
  if (!price_env.isNull()) env.insert("BATCHLAB_PRICE_PER_HOUR", price_env);
  p.setProcessEnvironment(env);
  p.start(BATCHLAB_CLI_PATH, args);
  if (!p.waitForFinished(120000)) {
    p.kill();
    return {};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
          QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

// The number after `label` in the summary line.
double number_after(const QString& text, const QString& label) {
  const int at = text.indexOf(label);
  if (at < 0) return std::nan("");
  const QString rest = text.mid(at + label.size());
  return rest.section(' ', 0, 0).remove(',').remove(')').toDouble();
}

}  // namespace

class TestCost : public QObject {
  Q_OBJECT

 private slots:
  void costOfSecondsAtAnHourlyPrice() {
    QCOMPARE(cost_of(1800, 2.0), 1.0);
    QCOMPARE(cost_of(3600 * 5, 0.5), 2.5);
    QCOMPARE(cost_of(0, 4.0), 0.0);
    QVERIFY(std::isnan(cost_of(-1, 2.0)));
    QVERIFY(std::isnan(cost_of(10, -2.0)));
    QVERIFY(std::isnan(cost_of(std::nan(""), 2.0)));

    RunSummary s;
    s.time_s = 720;
    RunCost c = run_cost(s, 3.0);
    QCOMPARE(c.total, 0.6);
    QVERIFY(!c.to_target);
    s.time_to_target_s = 360;
    c = run_cost(s, 3.0);
    QCOMPARE(*c.to_target, 0.3);
  }

  void cliPrintsCostAndCostToTarget() {
    // A price large enough that a sub-second run costs a visible amount.
    const Cli r = cli({"run", "moons-full-batch", "--no-store", "--price-per-hour", "3600000",
                       "--set", "stop.target={\"metric\": \"val_accuracy\", \"value\": 0.8}"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("target_reached"), qPrintable(r.out));
    QVERIFY2(r.out.contains(" at 3600000 per device-hour"), qPrintable(r.out));
    const double total = number_after(r.out, "cost ");
    const double to_target = number_after(r.out, "(to target ");
    QVERIFY2(total > 0 && to_target > 0 && to_target <= total, qPrintable(r.out));

    const Cli env = cli({"run", "moons-full-batch", "--no-store", "--set", "stop.epochs=2"}, "7.5");
    QCOMPARE(env.code, 0);
    QVERIFY2(env.out.contains(" at 7.5 per device-hour"), qPrintable(env.out));
    QVERIFY(!env.out.contains("to target"));  // no target, no cost to it

    const Cli none = cli({"run", "moons-full-batch", "--no-store", "--set", "stop.epochs=2"});
    QVERIFY(!none.out.contains("cost"));

    const Cli bad = cli({"run", "moons-full-batch", "--no-store"}, "cheap");
    QCOMPARE(bad.code, 2);
    QVERIFY(bad.err.contains("BATCHLAB_PRICE_PER_HOUR"));
    QCOMPARE(bad.err.trimmed().count('\n'), 0);
    const Cli negative = cli({"run", "moons-full-batch", "--no-store", "--price-per-hour", "-1"});
    QCOMPARE(negative.code, 2);
  }
};

QTEST_APPLESS_MAIN(TestCost)
#include "test_cost.moc"
