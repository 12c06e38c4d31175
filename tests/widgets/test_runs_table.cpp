// The runs table: newest first, one colour per run, a checkbox that shows or hides it, failures
// that say why; the runs of a sweep nested under one group row that sums them up and ticks them
// all, growing by row insertion while the sweep runs.
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFont>
#include <QSignalSpy>

#include "widgets/run_palette.h"
#include "widgets/runs_table_model.h"
#include "widgets/runs_table_view.h"

using namespace batchlab;

class TestRunsTable : public QObject {
  Q_OBJECT
 private slots:
  void newestRunFirstAndUpsertReplaces();
  void checkboxTogglesVisibility();
  void failuresShowTheirReason();
  void summaryFillsTheMetricColumns();
  void storedRecordsListEvenWithOddJson();
  void dataParallelRunsShowTheirSplit();
  void sweepRunsNestUnderTheirGroupInRunOrder();
  void liveRunJoinsItsGroupByInsertion();
  void viewKeepsExpansionAndSelectionWhileASweepRuns();
  void tickingAGroupTicksEveryRun();
  void groupSumsUpItsRuns();
  void groupStatusSaysHowTheSweepWent();
  void plannedRunsComeFromTheStoredConfig();
};

static RunRow row(std::int64_t id, const char* name, std::int64_t sweep = 0) {
  RunRow r;
  r.id = id;
  r.sweep_id = sweep;
  r.name = name;
  r.batch = 32;
  r.lr = 0.05;
  r.status = RunStatus::completed;
  return r;
}

static QString text(const RunsTableModel& m, const QModelIndex& at, int col) {
  return m.data(at.siblingAtColumn(col), Qt::DisplayRole).toString();
}

void TestRunsTable::newestRunFirstAndUpsertReplaces() {
  RunsTableModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.upsert(row(1, "a"));
  m.upsert(row(3, "c"));
  m.upsert(row(2, "b"));
  QCOMPARE(m.rowCount(), 3);
  QCOMPARE(m.runCount(), 3);
  QCOMPARE(m.idAt(m.index(0, 0)), std::int64_t{3});
  QCOMPARE(m.idAt(m.index(2, RunsTableModel::ColStatus)), std::int64_t{1});
  QCOMPARE(m.runIds(), (std::vector<std::int64_t>{3, 2, 1}));
  QCOMPARE(m.indexOf(2), m.index(1, 0));
  QVERIFY(!m.indexOf(99).isValid());
  RunRow again = row(2, "b renamed");
  m.upsert(again);
  QCOMPARE(m.rowCount(), 3);
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColName), Qt::DisplayRole).toString(),
           QString("#2 b renamed"));
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColShow), Qt::DecorationRole).value<QColor>(),
           run_colour(2));
  QCOMPARE(m.data(m.index(1, RunsTableModel::ColBatch), Qt::DisplayRole).toLongLong(), 32);
  QCOMPARE(m.rowCount(m.index(1, 0)), 0);  // a run on its own has no children
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

void TestRunsTable::dataParallelRunsShowTheirSplit() {
  RunsTableModel m;
  RunRow even = row(1, "two replicas");
  even.batch = 256;
  even.replicas = 2;
  RunRow uneven = row(2, "three replicas");
  uneven.replicas = 3;  // 32 rows: 11 + 11 + 10
  m.upsert(even);
  m.upsert(uneven);
  m.upsert(row(3, "one device"));
  const auto batch = [&](std::int64_t id) {
    return m.data(m.index(m.indexOf(id).row(), RunsTableModel::ColBatch), Qt::DisplayRole)
        .toString();
  };
  QCOMPARE(batch(1), QStringLiteral("256 = 2 × 128"));
  QCOMPARE(batch(2), QStringLiteral("32 = 11+11+10"));
  QCOMPARE(batch(3), QStringLiteral("32"));
  // Read back from a stored run's config.
  RunRecord rec;
  rec.id = 9;
  rec.config_json = R"({"batch": {"size": 64}, "parallel": {"replicas": 4}})";
  rec.summary_json = "{}";
  QCOMPARE(row_from_record(rec).replicas, 4);
}

void TestRunsTable::storedRecordsListEvenWithOddJson() {
  RunRecord rec;
  rec.id = 12;
  rec.name = "old";
  rec.status = RunStatus::diverged;
  rec.reason = "loss became NaN at step 17";
  rec.config_json = R"({"batch": {"size": 512}, "optimizer": {"lr": 0.4}})";
  rec.summary_json = "{}";
  rec.sweep_id = 4;
  const RunRow r = row_from_record(rec);
  QCOMPARE(r.batch, std::int64_t{512});
  QCOMPARE(r.lr, 0.4);
  QCOMPARE(r.status, RunStatus::diverged);
  QCOMPARE(r.reason, QString("loss became NaN at step 17"));
  QCOMPARE(r.sweep_id, std::int64_t{4});
  QVERIFY(!r.visible);
  rec.config_json = "not json";
  rec.summary_json = "also not json";
  const RunRow broken = row_from_record(rec);
  QCOMPARE(broken.id, std::int64_t{12});
  QCOMPARE(broken.batch, std::int64_t{0});
}

void TestRunsTable::sweepRunsNestUnderTheirGroupInRunOrder() {
  RunsTableModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.setSweepName(1, QStringLiteral("spirals-batch-sizes"));
  // As a store lists them, newest first, with sweep ids that are not run ids.
  for (const std::int64_t id : {9, 8, 7, 6, 5, 4, 3, 2, 1}) {
    const std::int64_t sweep = id >= 2 && id <= 4 ? 1 : id >= 6 && id <= 8 ? 2 : 0;
    const std::string name = sweep == 1 ? "spirals-batch-sizes b=" + std::to_string(id * 8) : "r";
    m.upsert(row(id, name.c_str(), sweep));
  }
  QCOMPARE(m.runCount(), 9);
  QCOMPARE(m.rowCount(), 5);  // 9, sweep 2, 5, sweep 1, 1
  QCOMPARE(m.runIds(), (std::vector<std::int64_t>{9, 6, 7, 8, 5, 2, 3, 4, 1}));
  const QModelIndex g2 = m.index(1, 0);
  const QModelIndex g1 = m.index(3, 0);
  QCOMPARE(m.sweepIdAt(g2), std::int64_t{2});
  QCOMPARE(m.sweepIdAt(g1.siblingAtColumn(RunsTableModel::ColStatus)), std::int64_t{1});
  QCOMPARE(m.idAt(g1), std::int64_t{0});
  QCOMPARE(m.idAt(m.index(0, 0)), std::int64_t{9});
  QCOMPARE(m.idAt(m.index(2, 0)), std::int64_t{5});
  QCOMPARE(m.rowCount(g1), 3);
  for (int r = 0; r < 3; ++r) {
    const QModelIndex child = m.index(r, 0, g1);
    QCOMPARE(m.idAt(child), std::int64_t{2 + r});  // in the order they ran
    QCOMPARE(m.sweepIdAt(child), std::int64_t{0});
    QCOMPARE(m.parent(child), g1);
  }
  // Under the group a run's name drops the sweep's: what tells it apart fits the column.
  QCOMPARE(text(m, m.indexOf(3), RunsTableModel::ColName), QStringLiteral("#3 b=24"));
  QCOMPARE(m.data(m.indexOf(3).siblingAtColumn(RunsTableModel::ColName), Qt::ToolTipRole),
           QVariant(QStringLiteral("spirals-batch-sizes b=24")));
  QCOMPARE(text(m, m.indexOf(7), RunsTableModel::ColName), QStringLiteral("#7 r"));
  QCOMPARE(m.indexOf(7).parent(), g2);
  QCOMPARE(m.indexOf(7).row(), 1);
  QCOMPARE(m.groupIndex(1), g1);
  QCOMPARE(m.sweepRunIds(2), (std::vector<std::int64_t>{6, 7, 8}));
  // The group's name: the stored one in bold with the run count, or a stand-in until it is known.
  QCOMPARE(text(m, g1, RunsTableModel::ColName), QStringLiteral("spirals-batch-sizes · 3 runs"));
  QVERIFY(m.data(g1.siblingAtColumn(RunsTableModel::ColName), Qt::FontRole).value<QFont>().bold());
  QVERIFY(!m.data(m.index(0, RunsTableModel::ColName), Qt::FontRole).isValid());
  QCOMPARE(text(m, g2, RunsTableModel::ColName), QStringLiteral("sweep 2 · 3 runs"));
  SweepInfo info;
  info.name = QStringLiteral("lr-sweep");
  info.created = QStringLiteral("2024-05-01T12:30:00Z");
  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
  m.setSweepInfo(2, info);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(changed.first().at(0).value<QModelIndex>(), g2);
  QCOMPARE(text(m, g2, RunsTableModel::ColName), QStringLiteral("lr-sweep · 3 runs"));
  const QString tip =
      m.data(g2.siblingAtColumn(RunsTableModel::ColName), Qt::ToolTipRole).toString();
  const QString local = QDateTime::fromString(info.created, Qt::ISODate)
                            .toLocalTime()
                            .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
  QVERIFY2(tip.contains(local) && tip.contains(QStringLiteral("3 runs")), qPrintable(tip));
}

void TestRunsTable::liveRunJoinsItsGroupByInsertion() {
  RunsTableModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.upsert(row(1, "stored", 0));
  QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
  QSignalSpy moved(&m, &QAbstractItemModel::rowsMoved);
  QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
  QSignalSpy layout(&m, &QAbstractItemModel::layoutChanged);
  RunRow first = row(2, "s b=8", 5);
  first.status = RunStatus::running;
  m.upsert(first);  // the sweep's first run: a new group row on top, holding it
  QCOMPARE(inserted.count(), 1);
  QVERIFY(!inserted.last().at(0).value<QModelIndex>().isValid());
  QCOMPARE(inserted.last().at(1).toInt(), 0);
  const QModelIndex group = m.groupIndex(5);
  QCOMPARE(group.row(), 0);
  QVERIFY(m.startsExpanded(group));           // first seen running: a sweep running now
  QVERIFY(!m.startsExpanded(m.index(1, 0)));  // a run on its own
  first.status = RunStatus::completed;
  m.upsert(first);
  QCOMPARE(inserted.count(), 1);  // an update is not an insertion
  RunRow second = row(3, "s b=16", 5);
  second.status = RunStatus::running;
  m.upsert(second);
  QCOMPARE(inserted.count(), 2);
  QCOMPARE(inserted.last().at(0).value<QModelIndex>(), group);
  QCOMPARE(inserted.last().at(1).toInt(), 1);
  QCOMPARE(inserted.last().at(2).toInt(), 1);
  QCOMPARE(m.idAt(m.index(1, 0, group)), std::int64_t{3});
  QCOMPARE(moved.count(), 0);  // already on top
  QCOMPARE(reset.count(), 0);
  QCOMPARE(layout.count(), 0);
  // A group below a newer run moves up when its sweep gets a newer run still.
  m.upsert(row(4, "other", 0));
  QCOMPARE(m.groupIndex(5).row(), 1);
  m.upsert(row(6, "s b=32", 5));
  QCOMPARE(moved.count(), 1);
  QCOMPARE(m.groupIndex(5).row(), 0);
  QCOMPARE(m.runIds(), (std::vector<std::int64_t>{2, 3, 6, 4, 1}));
  QCOMPARE(reset.count(), 0);
  // A stored sweep, finished: its group starts collapsed.
  m.upsert(row(7, "t", 8));
  QVERIFY(!m.startsExpanded(m.groupIndex(8)));
}

void TestRunsTable::viewKeepsExpansionAndSelectionWhileASweepRuns() {
  RunsTableModel m;
  m.upsert(row(1, "stored sweep run", 3));  // loaded finished
  RunsTableView view(&m);
  QVERIFY(!view.isExpanded(m.groupIndex(3)));
  RunRow live = row(2, "live b=8", 4);
  live.status = RunStatus::running;
  m.upsert(live);
  const QModelIndex group = m.groupIndex(4);
  QVERIFY(view.isExpanded(group));  // a sweep started now opens by itself
  view.setCurrentIndex(m.indexOf(2));
  view.selectionModel()->select(m.indexOf(2),
                                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  live.status = RunStatus::completed;
  m.upsert(live);
  RunRow next = row(3, "live b=16", 4);
  next.status = RunStatus::running;
  m.upsert(next);
  QVERIFY(view.isExpanded(m.groupIndex(4)));
  const QModelIndexList selected = view.selectionModel()->selectedRows();
  QCOMPARE(selected.size(), 1);
  QCOMPARE(m.idAt(selected.first()), std::int64_t{2});
  QCOMPARE(m.idAt(view.currentIndex()), std::int64_t{2});
  QVERIFY(!view.isExpanded(m.groupIndex(3)));
}

void TestRunsTable::tickingAGroupTicksEveryRun() {
  RunsTableModel m;
  for (const std::int64_t id : {1, 2, 3}) m.upsert(row(id, "s", 7));
  m.upsert(row(4, "alone"));
  const QModelIndex box = m.groupIndex(7);
  QVERIFY(m.flags(box) & Qt::ItemIsUserCheckable);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
  QSignalSpy toggled(&m, &RunsTableModel::visibilityToggled);
  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
  m.setVisible(2, true);
  QCOMPARE(toggled.count(), 1);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
  // The group's box was repainted, not only the run's.
  const bool group_changed = std::any_of(changed.begin(), changed.end(), [&](const auto& args) {
    return args.at(0).template value<QModelIndex>() == box;
  });
  QVERIFY(group_changed);
  toggled.clear();
  QVERIFY(m.setData(box, Qt::Checked, Qt::CheckStateRole));
  QCOMPARE(toggled.count(), 2);  // only the runs that changed
  QCOMPARE(toggled.at(0).at(0).toLongLong(), 1);
  QCOMPARE(toggled.at(1).at(0).toLongLong(), 3);
  QVERIFY(toggled.at(0).at(1).toBool());
  for (const std::int64_t id : {1, 2, 3}) QVERIFY(m.find(id)->visible);
  QVERIFY(!m.find(4)->visible);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::Checked));
  toggled.clear();
  QVERIFY(m.setData(box, Qt::Unchecked, Qt::CheckStateRole));
  QCOMPARE(toggled.count(), 3);
  QCOMPARE(m.data(box, Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
}

void TestRunsTable::groupSumsUpItsRuns() {
  RunsTableModel m;
  const struct {
    std::int64_t batch;
    double tput, acc, time_s;
    std::int64_t peak;
    std::optional<double> to_target_s;
  } runs[] = {{8, 1000, 0.91, 36, 1 << 20, 18.0},
              {64, 7000, 0.94, 7.2, 3 << 20, std::nullopt},
              {512, 20000, 0.88, 3.6, 9 << 20, 1.8}};
  std::int64_t id = 10;
  for (const auto& r : runs) {
    RunRow x = row(id++, "s", 2);
    x.batch = r.batch;
    x.samples_per_s = r.tput;
    x.val_accuracy = r.acc;
    x.time_s = r.time_s;
    x.peak_memory = r.peak;
    x.time_to_target_s = r.to_target_s;
    if (r.to_target_s) x.to_target = QStringLiteral("100 steps");
    m.upsert(x);
  }
  const QModelIndex g = m.groupIndex(2);
  QCOMPARE(text(m, g, RunsTableModel::ColBatch), QStringLiteral("8–512"));
  QCOMPARE(text(m, g, RunsTableModel::ColLr), QStringLiteral("0.05"));  // one lr for all
  QCOMPARE(text(m, g, RunsTableModel::ColThroughput), QStringLiteral("20,000"));
  QCOMPARE(text(m, g, RunsTableModel::ColPeakMemory), QStringLiteral("9.00 MiB"));
  QCOMPARE(text(m, g, RunsTableModel::ColValAccuracy), QStringLiteral("94.00 %"));
  QCOMPARE(text(m, g, RunsTableModel::ColToTarget), QStringLiteral("2 of 3 reached"));
  QCOMPARE(text(m, g, RunsTableModel::ColCost), QStringLiteral("—"));             // no price set
  m.setPricePerHour(36.0);                                                        // a cent a second
  QCOMPARE(text(m, g, RunsTableModel::ColCost), QStringLiteral("0.47"));          // 46.8 s
  QCOMPARE(text(m, g, RunsTableModel::ColCostToTarget), QStringLiteral("0.20"));  // 19.8 s
  QCOMPARE(text(m, m.index(1, 0, g), RunsTableModel::ColCost), QStringLiteral("0.07"));
  RunRow other = row(20, "lr", 3);
  other.lr = 0.1;
  m.upsert(other);
  other.id = 21;
  other.lr = 0.0125;
  other.batch = 128;
  m.upsert(other);
  const QModelIndex g3 = m.groupIndex(3);
  QCOMPARE(text(m, g3, RunsTableModel::ColLr), QStringLiteral("0.0125–0.1"));
  QCOMPARE(text(m, g3, RunsTableModel::ColBatch), QStringLiteral("32–128"));
  QCOMPARE(text(m, g3, RunsTableModel::ColThroughput), QStringLiteral("—"));
  QCOMPARE(text(m, g3, RunsTableModel::ColToTarget), QStringLiteral("—"));
}

void TestRunsTable::groupStatusSaysHowTheSweepWent() {
  RunsTableModel m;
  SweepInfo info;
  info.name = QStringLiteral("spirals-batch-sizes");
  info.planned = 8;
  m.setSweepInfo(1, info);
  const auto add = [&](std::int64_t id, RunStatus status) {
    RunRow r = row(id, "s", 1);
    r.status = status;
    if (status == RunStatus::out_of_memory) r.reason = QStringLiteral("needs 2 GiB");
    m.upsert(r);
  };
  const auto status = [&] { return text(m, m.groupIndex(1), RunsTableModel::ColStatus); };
  const auto colour = [&] {
    return m.data(m.groupIndex(1).siblingAtColumn(RunsTableModel::ColStatus), Qt::ForegroundRole)
        .value<QBrush>()
        .color();
  };
  add(1, RunStatus::completed);
  add(2, RunStatus::target_reached);
  add(3, RunStatus::running);
  QCOMPARE(status(), QStringLiteral("running 3 of 8"));
  QCOMPARE(colour(), QColor(0x1f5fa8));
  add(3, RunStatus::completed);
  QCOMPARE(status(), QStringLiteral("3 of 8 runs"));  // between two runs: not "completed" yet
  for (std::int64_t id = 4; id <= 8; ++id)
    add(id, id == 6 ? RunStatus::out_of_memory : RunStatus::completed);
  QCOMPARE(status(), QStringLiteral("8 runs · 1 out of memory"));
  QCOMPARE(colour(), QColor(0xc0392b));
  QCOMPARE(m.data(m.groupIndex(1).siblingAtColumn(RunsTableModel::ColStatus), Qt::ToolTipRole)
               .toString(),
           QStringLiteral("6 completed, 1 target reached, 1 out of memory"));
  add(6, RunStatus::completed);
  QCOMPARE(status(), QStringLiteral("completed"));
  QCOMPARE(colour(), QColor(0x2e7d32));
  // A sweep stopped early says how far it got.
  RunsTableModel cut;
  cut.setSweepInfo(2, info);
  RunRow r = row(1, "s", 2);
  cut.upsert(r);
  r.id = 2;
  r.status = RunStatus::stopped;
  cut.upsert(r);
  QCOMPARE(text(cut, cut.groupIndex(2), RunsTableModel::ColStatus),
           QStringLiteral("2 of 8 runs · 1 stopped"));
}

void TestRunsTable::plannedRunsComeFromTheStoredConfig() {
  SweepRecord rec;
  rec.id = 3;
  rec.name = "grid";
  rec.created = "2024-05-01T12:30:00Z";
  rec.config_json = R"({"batch_sizes": [8, 16, 32], "learning_rates": [0.1, 0.2], "repeats": 2})";
  SweepInfo info = sweep_info_from_record(rec);
  QCOMPARE(info.name, QStringLiteral("grid"));
  QCOMPARE(info.created, QStringLiteral("2024-05-01T12:30:00Z"));
  QCOMPARE(info.planned, 12);
  rec.config_json = R"({"batch_sizes": [8, 64], "learning_rates": [], "repeats": 1})";
  QCOMPARE(sweep_info_from_record(rec).planned, 2);
  rec.config_json = "{}";
  QCOMPARE(sweep_info_from_record(rec).planned, 0);  // unknown: the runs seen count
  rec.config_json = "not json";
  QCOMPARE(sweep_info_from_record(rec).name, QStringLiteral("grid"));
}

QTEST_MAIN(TestRunsTable)
#include "test_runs_table.moc"
