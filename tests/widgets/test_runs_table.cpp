// The runs table: newest first, one colour per run, a checkbox that shows or hides it, and
// failures that say why.
#include <QtTest>

#include <QBrush>
#include <QSignalSpy>

#include "widgets/run_palette.h"
#include "widgets/runs_table_model.h"

using namespace batchlab;

class TestRunsTable : public QObject {
  Q_OBJECT
 private slots:
  void newestRunFirstAndUpsertReplaces();
  void checkboxTogglesVisibility();
  void failuresShowTheirReason();
  void summaryFillsTheMetricColumns();
  void storedRecordsListEvenWithOddJson();
};

static RunRow row(std::int64_t id, const char* name) {
  RunRow r;
  r.id = id;
  r.name = name;
  r.batch = 32;
  r.lr = 0.05;
  return r;
}

void TestRunsTable::newestRunFirstAndUpsertReplaces() {
  RunsTableModel m;
  m.upsert(row(1, "a"));
  m.upsert(row(3, "c"));
  m.upsert(row(2, "b"));
  QCOMPARE(m.rowCount(), 3);
  QCOMPARE(m.idAt(0), std::int64_t{3});
  QCOMPARE(m.idAt(2), std::int64_t{1});
  RunRow again = row(2, "b renamed");
  m.upsert(again);
  QCOMPARE(m.rowCount(), 3);
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColName), Qt::DisplayRole).toString(),
           QString("#2 b renamed"));
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColShow), Qt::DecorationRole).value<QColor>(),
           run_colour(2));
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColBatch), Qt::DisplayRole).toLongLong(), 32);
}

void TestRunsTable::checkboxTogglesVisibility() {
  RunsTableModel m;
  m.upsert(row(5, "x"));
  QSignalSpy toggled(&m, &RunsTableModel::visibilityToggled);
  const QModelIndex box = m.index(0, RunsTableModel::ColShow);
  QVERIFY(m.flags(box) & Qt::ItemIsUserCheckable);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
  QVERIFY(m.setData(box, Qt::Checked, Qt::CheckStateRole));
  QCOMPARE(toggled.count(), 1);
  QCOMPARE(toggled.first().at(0).toLongLong(), 5);
  QCOMPARE(toggled.first().at(1).toBool(), true);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::Checked));
  QVERIFY(m.find(5)->visible);
  m.setVisible(5, false);
  QCOMPARE(toggled.count(), 2);
  QVERIFY(!m.find(5)->visible);
}

void TestRunsTable::failuresShowTheirReason() {
  RunsTableModel m;
  RunRow r = row(4, "huge batch");
  r.status = RunStatus::out_of_memory;
  r.reason = "needs 2.0 GiB, budget 512 MiB";
  m.upsert(r);
  const QModelIndex status = m.index(0, RunsTableModel::ColStatus);
  QCOMPARE(m.data(status, Qt::DisplayRole).toString(), QString("out of memory"));
  QCOMPARE(m.data(status, Qt::ToolTipRole).toString(), r.reason);
  QCOMPARE(m.data(status, Qt::ForegroundRole).value<QBrush>().color(), QColor(0xc0392b));
  r.status = RunStatus::completed;
  r.reason.clear();
  m.upsert(r);
  QVERIFY(m.data(status, Qt::ToolTipRole).isNull());
  QVERIFY(m.data(status, Qt::ForegroundRole).value<QBrush>().color() != QColor(0xc0392b));
}

void TestRunsTable::summaryFillsTheMetricColumns() {
  RunSummary s;
  s.samples_per_s_median = 123456.4;
  s.peak_memory_bytes = 3 * 1024 * 1024 / 2;
  s.final_val_accuracy = 0.8512;
  s.steps_to_target = 1240;
  s.time_to_target_s = 3.24;
  RunRow r = row(9, "done");
  apply_summary(r, s);
  RunsTableModel m;
  m.upsert(r);
  const auto cell = [&](int col) { return m.data(m.index(0, col), Qt::DisplayRole).toString(); };
  QCOMPARE(cell(RunsTableModel::ColThroughput), QString("123,456"));
  QCOMPARE(cell(RunsTableModel::ColPeakMemory), QString("1.50 MiB"));
  QCOMPARE(cell(RunsTableModel::ColValAccuracy), QString("85.12 %"));
  QCOMPARE(cell(RunsTableModel::ColToTarget), QString("1,240 steps · 3.2 s"));
  QCOMPARE(cell(RunsTableModel::ColLr), QString("0.05"));
}

void TestRunsTable::storedRecordsListEvenWithOddJson() {
  RunRecord rec;
  rec.id = 12;
  rec.name = "old";
  rec.status = RunStatus::diverged;
  rec.reason = "loss became NaN at step 17";
  rec.config_json = R"({"batch": {"size": 512}, "optimizer": {"lr": 0.4}})";
  rec.summary_json = "{}";
  const RunRow r = row_from_record(rec);
  QCOMPARE(r.batch, std::int64_t{512});
  QCOMPARE(r.lr, 0.4);
  QCOMPARE(r.status, RunStatus::diverged);
  QCOMPARE(r.reason, QString("loss became NaN at step 17"));
  QVERIFY(!r.visible);
  rec.config_json = "not json";
  rec.summary_json = "also not json";
  const RunRow broken = row_from_record(rec);
  QCOMPARE(broken.id, std::int64_t{12});
  QCOMPARE(broken.batch, std::int64_t{0});
}

QTEST_MAIN(TestRunsTable)
#include "test_runs_table.moc"
