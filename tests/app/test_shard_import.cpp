// File ▸ Import shards…: real runs trained into separate stores (as a Slurm array's tasks do)
// are merged into the window's store, listed in the runs table and ticked so their points are
// plotted; importing again adds nothing and says so; a file that is not a store is refused in
// one line naming it, and the window's store is left as it was.
#include <QAction>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QtTest>

#include "app/run_session.h"
#include "app_test_support.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_store.h"
#include "widgets/message_banner.h"
#include "widgets/runs_table_model.h"
#include "window_test_base.h"

using namespace batchlab;

namespace {

// One real run trained into a store of its own.
QString shard_with_run(const QTemporaryDir& dir, const QString& file, const std::string& name,
                       std::uint64_t seed) {
  const QString path = dir.filePath(file);
  RunConfig c = testing::tiny_config(1);
  c.name = name;
  c.seed = seed;
  ExecuteOptions o;
  o.store_path = path.toStdString();
  o.source = "test";
  const RunFinished f = execute_run(c, o);
  if (f.status != RunStatus::completed) qFatal("shard run: %s", f.reason.c_str());
  return path;
}

}  // namespace

class TestShardImport : public testing::WindowTestBase {
  Q_OBJECT

 private slots:
  void init() { resetFixture(); }

  void shardsAreMergedListedAndPlotted() {
    auto w = makeWindow();
    // One run trained here first: its row and tick must survive the import.
    QVERIFY(runAndWait(*w, testing::tiny_config(1)));
    w->session()->drainNow();
    RunsTableModel& table = w->session()->table();
    QCOMPARE(table.runCount(), 1);
    const std::int64_t own = table.runIds().front();

    QTemporaryDir shards;
    const QString a = shard_with_run(shards, "task-0.sqlite", "shard run a", 11);
    const QString b = shard_with_run(shards, "task-1.sqlite", "shard run b", 12);

    // The menu entry is there (File ▸ Import shards…) and enabled while nothing runs.
    QAction* entry = w->importShardsAction();
    QVERIFY(entry->isEnabled());
    bool in_file_menu = false;
    for (QMenu* m : w->menuBar()->findChildren<QMenu*>())
      if (m->title() == QStringLiteral("&File")) in_file_menu = m->actions().contains(entry);
    QVERIFY(in_file_menu);

    const ShardImportResult r = w->importShards({a, b});
    QVERIFY2(r.ok, qPrintable(r.message));
    QCOMPARE(r.message, QStringLiteral("2 runs added, 0 already present from 2 shards"));
    QCOMPARE(w->statusBar()->currentMessage(), r.message);
    QCOMPARE(r.added.size(), std::size_t{2});
    QCOMPARE(table.runCount(), 3);
    QVERIFY(table.find(own)->visible);
    QStringList names;
    for (const std::int64_t id : r.added) {
      const RunRow* row = table.find(id);
      QVERIFY(row);
      QVERIFY(row->visible);
      QCOMPARE(row->status, RunStatus::completed);
      names << row->name;
    }
    names.sort();
    QCOMPARE(names, (QStringList{"shard run a", "shard run b"}));
    // Ticked: their steps are read from the store into the plots' series, as for any run.
    QTRY_COMPARE_WITH_TIMEOUT(w->session()->pendingLoads(), 0, 10000);
    const RunStore store(store_);
    for (const std::int64_t id : r.added) {
      const RunSeries* series = w->session()->series().find(id);
      QVERIFY(series);
      QCOMPARE(static_cast<std::size_t>(series->steps.size()), store.steps(id).size());
      QVERIFY(series->steps.size() > 0);
    }
    QVERIFY(w->session()->series().find(own)->steps.size() > 0);  // its points kept

    // Again: nothing new, and it says so.
    const ShardImportResult again = w->importShards({a});
    QVERIFY(again.ok);
    QCOMPARE(again.message, QStringLiteral("0 runs added, 1 already present"));
    QCOMPARE(table.runCount(), 3);
  }

  void aFileThatIsNotAStoreIsRefusedByName() {
    auto w = makeWindow();
    QTemporaryDir shards;
    const QString good = shard_with_run(shards, "task-0.sqlite", "good", 3);
    const QString bad = shards.filePath("notes.sqlite");
    {
      QFile f(bad);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("these are not the runs you are looking for\n");
    }
    const ShardImportResult r = w->importShards({good, bad});
    QVERIFY(!r.ok);
    QVERIFY2(r.message.startsWith(QStringLiteral("Import refused: ")), qPrintable(r.message));
    QVERIFY2(r.message.contains(bad), qPrintable(r.message));
    QVERIFY(!r.message.contains(QLatin1Char('\n')));
    QCOMPARE(w->banner()->text(), r.message);
    QCOMPARE(w->statusBar()->currentMessage(), r.message);
    // All or nothing: the good shard's run did not come in either.
    QCOMPARE(w->session()->table().runCount(), 0);
    QCOMPARE(RunStore(store_).list_runs().size(), std::size_t{0});
  }
};

QTEST_MAIN(TestShardImport)
#include "test_shard_import.moc"
