// RunStore::steps(run, max_points): a long run read for a plot comes back decimated on read —
// no more than the points asked for, spread evenly over the steps, first and last kept, in
// order, every value that of the stored step — and a short run (or gaps in the steps) reads
// exactly. The 10⁷-step load time is measured by bench/soak/soak.sh, not here.
#include <QTemporaryDir>
#include <QtTest>

#include <vector>

#include "engine/experiment/run_store.h"

using namespace batchlab;

namespace {

std::vector<StepEvent> make_steps(std::int64_t run, std::int64_t n, std::int64_t every = 1) {
  std::vector<StepEvent> out;
  for (std::int64_t i = 1; i <= n; ++i) {
    StepEvent e;
    e.run_id = run;
    e.step = i * every;
    e.samples_seen = e.step * 32;
    e.batch_size = 32;
    e.loss = 1.0 / static_cast<double>(e.step);
    e.wall_s = 0.001 * static_cast<double>(e.step);
    out.push_back(e);
  }
  return out;
}

}  // namespace

class TestStoreDecimate : public QObject {
  Q_OBJECT
 private slots:
  void longRunIsDecimatedEvenly();
  void shortRunReadsWhole();
  void gapsNeverRepeatARow();
};

void TestStoreDecimate::longRunIsDecimatedEvenly() {
  QTemporaryDir dir;
  RunStore store(dir.filePath("s.sqlite").toStdString());
  const auto id = store.create_run("long", "{}", "cpu", "{}");
  store.append_steps(make_steps(id, 200000));
  const auto got = store.steps(id, 1000);
  QVERIFY2(got.size() <= 1000 && got.size() >= 990, qPrintable(QString::number(got.size())));
  QCOMPARE(got.front().step, std::int64_t{1});
  QCOMPARE(got.back().step, std::int64_t{200000});
  for (std::size_t i = 1; i < got.size(); ++i) {
    QVERIFY(got[i].step > got[i - 1].step);
    // Evenly spread: every gap within one of 200000 / 999.
    const auto gap = got[i].step - got[i - 1].step;
    QVERIFY2(gap >= 199 && gap <= 202, qPrintable(QString::number(gap)));
    QCOMPARE(got[i].loss, 1.0 / static_cast<double>(got[i].step));
    QCOMPARE(got[i].samples_seen, got[i].step * 32);
  }
}

void TestStoreDecimate::shortRunReadsWhole() {
  QTemporaryDir dir;
  RunStore store(dir.filePath("s.sqlite").toStdString());
  const auto id = store.create_run("short", "{}", "cpu", "{}");
  store.append_steps(make_steps(id, 500));
  QCOMPARE(store.steps(id, 1000).size(), std::size_t{500});
  QCOMPARE(store.steps(id, 1000).size(), store.steps(id).size());
  QVERIFY(store.steps(id + 1, 1000).empty());  // no such run
}

void TestStoreDecimate::gapsNeverRepeatARow() {
  QTemporaryDir dir;
  RunStore store(dir.filePath("s.sqlite").toStdString());
  const auto id = store.create_run("sparse", "{}", "cpu", "{}");
  // Steps 10, 20, … 50000: a span of 50000 over 5000 rows; asking for 4000 points.
  store.append_steps(make_steps(id, 5000, 10));
  const auto got = store.steps(id, 4000);
  QVERIFY(got.size() <= 4000);
  for (std::size_t i = 1; i < got.size(); ++i) QVERIFY(got[i].step > got[i - 1].step);
  QCOMPARE(got.front().step, std::int64_t{10});
}

QTEST_MAIN(TestStoreDecimate)
#include "test_store_decimate.moc"
