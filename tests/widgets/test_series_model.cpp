// The series model, the smoothing, the run palette and the number formats the GUI shows.
#include <QtTest>

#include <cmath>
#include <set>

#include "widgets/format.h"
#include "widgets/run_palette.h"
#include "widgets/series_model.h"
#include "widgets/smoothing.h"

using namespace batchlab;

class TestSeriesModel : public QObject {
  Q_OBJECT
 private slots:
  void debiasedEmaMatchesTensorBoard();
  void stepsFillEveryXColumn();
  void nonFiniteValuesNeverReachASeries();
  void evalsTakeTheirSampleCountFromTheSteps();
  void loadReplacesPointsAndBumpsGeneration();
  void coloursAreStablePerRunAndDistinct();
  void formatsReadAsUnits();
};

static StepEvent step(std::int64_t run, std::int64_t i, double loss, double sps = 1000) {
  StepEvent e;
  e.run_id = run;
  e.step = i;
  e.epoch = static_cast<double>(i) / 10.0;
  e.samples_seen = i * 32;
  e.batch_size = 32;
  e.loss = loss;
  e.samples_per_s = sps;
  e.wall_s = static_cast<double>(i) * 0.01;
  e.memory = {100, 100, 200, 3200, 256, 0};
  return e;
}

void TestSeriesModel::debiasedEmaMatchesTensorBoard() {
  // By hand: last = 0.5·last + 0.5·y, divided by 1 − 0.5ⁿ.
  DebiasedEma ema(0.5);
  QCOMPARE(ema.push(1.0), 1.0);
  QVERIFY(std::abs(ema.push(2.0) - 1.25 / 0.75) < 1e-12);
  QVERIFY(std::abs(ema.push(3.0) - 2.125 / 0.875) < 1e-12);
  DebiasedEma raw(0.0);
  QCOMPARE(raw.push(7.0), 7.0);
  QCOMPARE(raw.push(-3.0), -3.0);
  // A constant series stays constant from the first point: no start-up bias toward zero.
  DebiasedEma heavy(0.99);
  for (int i = 0; i < 5; ++i) QVERIFY(std::abs(heavy.push(4.0) - 4.0) < 1e-9);
}

void TestSeriesModel::stepsFillEveryXColumn() {
  SeriesModel m;
  for (int i = 1; i <= 3; ++i) m.append(step(7, i, 1.0 / i));
  const RunSeries* r = m.find(7);
  QVERIFY(r);
  QCOMPARE(r->steps.get(XAxisKind::step).to_vector(), (std::vector<double>{1, 2, 3}));
  QCOMPARE(r->steps.get(XAxisKind::samples).to_vector(), (std::vector<double>{32, 64, 96}));
  QCOMPARE(r->steps.get(XAxisKind::epoch).to_vector(), (std::vector<double>{0.1, 0.2, 0.3}));
  QCOMPARE(r->steps.get(XAxisKind::wall).to_vector(), (std::vector<double>{0.01, 0.02, 0.03}));
  QCOMPARE(r->loss[2], 1.0 / 3);
  QCOMPARE(r->peak_memory, std::int64_t{3856});
  QCOMPARE(r->batch_size, std::int64_t{32});
}

void TestSeriesModel::nonFiniteValuesNeverReachASeries() {
  SeriesModel m;
  m.append(step(1, 1, 0.5));
  m.append(step(1, 2, NAN, INFINITY));
  StepEvent bad_x = step(1, 3, 0.4);
  bad_x.wall_s = NAN;
  m.append(bad_x);
  m.append(step(1, 4, 0.3, 2000));
  const RunSeries* r = m.find(1);
  QCOMPARE(r->steps.size(), std::size_t{3});  // the step with no usable x is refused
  QCOMPARE(r->dropped, std::int64_t{1});
  QVERIFY(std::isnan(r->loss[1]));
  QVERIFY(std::isnan(r->samples_per_s[1]));
  // The moving average skips the bad sample instead of turning NaN for good.
  QVERIFY(std::isfinite(r->samples_per_s_avg[1]));
  QVERIFY(std::isfinite(r->samples_per_s_avg[2]));
  QVERIFY(r->samples_per_s_avg[2] > 1000 && r->samples_per_s_avg[2] < 2000);
}

void TestSeriesModel::evalsTakeTheirSampleCountFromTheSteps() {
  SeriesModel m;
  for (int i = 1; i <= 10; ++i) m.append(step(2, i, 1.0));
  EvalEvent e;
  e.run_id = 2;
  e.step = 10;
  e.epoch = 1.0;
  e.val_loss = 0.7;
  e.val_accuracy = 0.8;
  e.wall_s = 0.1;
  m.append(e);
  const RunSeries* r = m.find(2);
  QCOMPARE(r->evals.get(XAxisKind::samples).to_vector(), (std::vector<double>{320}));
  QCOMPARE(r->val_loss.to_vector(), (std::vector<double>{0.7}));
  QCOMPARE(r->val_accuracy.to_vector(), (std::vector<double>{0.8}));
}

void TestSeriesModel::loadReplacesPointsAndBumpsGeneration() {
  SeriesModel m;
  for (int i = 1; i <= 5; ++i) m.append(step(3, i, 1.0));
  const int before = m.find(3)->generation;
  std::vector<StepEvent> stored{step(3, 1, 2.0), step(3, 2, 1.5)};
  m.load(3, stored, {});
  QCOMPARE(m.find(3)->loss.to_vector(), (std::vector<double>{2.0, 1.5}));
  QVERIFY(m.find(3)->generation != before);
  m.set_visible(3, false);
  QVERIFY(!m.find(3)->visible);
}

void TestSeriesModel::coloursAreStablePerRunAndDistinct() {
  QCOMPARE(run_colour(5), run_colour(5));
  std::set<QRgb> first_thirty;
  for (int id = 1; id <= 30; ++id) first_thirty.insert(run_colour(id).rgb());
  QCOMPARE(first_thirty.size(), std::size_t{30});
  QVERIFY(run_colour(1) != memory_category_colour(MemCategory::parameters));
}

void TestSeriesModel::formatsReadAsUnits() {
  QCOMPARE(format_bytes(512), QString("512 B"));
  QCOMPARE(format_bytes(18 * 1024 + 300), QString("18.3 KiB"));
  QCOMPARE(format_bytes(3 * 1024 * 1024 / 2), QString("1.50 MiB"));
  QCOMPARE(format_duration(185), QString("3 min 05 s"));
  QCOMPARE(format_duration(0.0237), QString("24 ms"));
  QCOMPARE(format_duration(0.0002), QString("0.2 ms"));
  QCOMPARE(format_duration(0.0032), QString("3.2 ms"));
  QCOMPARE(format_duration(37.62), QString("37.6 s"));
  QCOMPARE(format_duration(0.9996), QString("1.0 s"));
  QCOMPARE(format_duration(4.24), QString("4.2 s"));
  QCOMPARE(format_duration(3720), QString("1 h 02 min"));
  QCOMPARE(format_duration(NAN), QString("—"));
  // One style of rate everywhere, three significant digits (the CLI and the report say the same).
  QCOMPARE(format_rate(12345.4), QString("12.3k samples/s"));
  QCOMPARE(format_rate(1.97e6), QString("1.97M samples/s"));
  QCOMPARE(format_rate(750000), QString("750k samples/s"));
  QCOMPARE(format_rate(999.7), QString("1.00k samples/s"));
  QCOMPARE(format_rate(95.26), QString("95.3 samples/s"));
  QCOMPARE(format_bytes(1023 * 1024 + 900), QString("1.00 MiB"));
  QCOMPARE(format_number(1000, 3), QString("1000"));
  QCOMPARE(format_number(12345, 3), QString("12300"));
  QCOMPARE(format_number(0.12345, 3), QString("0.123"));
  QCOMPARE(format_number(NAN), QString("—"));
}

QTEST_APPLESS_MAIN(TestSeriesModel)
#include "test_series_model.moc"
