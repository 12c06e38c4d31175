// The runs table's context menu: rename / tag / delete a run, and show / rename / delete a sweep.
// The store changes and the table follows; refusals (an empty tag, an unknown run) say why and
// change nothing. The menu is driven by its actions, its questions answered by test prompts.
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QTabBar>
#include <QTemporaryDir>
#include <QtTest>

#include "app/run_session.h"
#include "app/runs_menu.h"
#include "app/sweep_summary_dock.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"
#include "widgets/runs_table_view.h"
#include "widgets/sweep_summary_view.h"

using namespace batchlab;

namespace {

std::int64_t finished_run(RunStore& store, const std::string& name, std::int64_t batch,
                          std::int64_t sweep = 0) {
  const std::string config = R"({"batch":{"size":)" + std::to_string(batch) + "}}";
  RunFinished f;
  f.run_id = store.create_run(name, config, "cpu", "{}", sweep);
  f.status = RunStatus::completed;
  f.summary.samples_per_s_median = 100.0 * static_cast<double>(batch);
  store.finish_run(f);
  return f.run_id;
}

QAction* action(QMenu& menu, const QString& text) {
  for (QAction* a : menu.actions())
    if (a->text() == text) return a;
  return nullptr;
}

// The title of the dock in front where docks share a tab bar.
QString front_tab(QMainWindow& window) {
  for (const QTabBar* bar : window.findChildren<QTabBar*>())
    if (bar->count() > 1) return bar->tabText(bar->currentIndex());
  return {};
}

QStringList texts(QMenu& menu) {
  QStringList out;
  for (QAction* a : menu.actions())
    if (!a->isSeparator()) out << a->text();
  return out;
}

// Answers the menu's questions with what the test says, and remembers what was asked.
struct Answers {
  bool confirm = true;
  std::optional<QString> text;
  QStringList asked;
  QStringList warnings;
  RunsMenu::Prompts prompts() {
    return {[this](const QString&, const QString& question) {
              asked << question;
              return confirm;
            },
            [this](const QString& title, const QString&, const QString&) {
              asked << title;
              return text;
            },
            [this](const QString& message) { warnings << message; }};
  }
};

}  // namespace

class TestRunsMenu : public QObject {
  Q_OBJECT

 private slots:
  void renameTagDelete() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    {
      RunStore store(db);
      finished_run(store, "first", 32);
      finished_run(store, "second", 32);
    }
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    RunsTableView view(&session.table());
    RunsMenu menu(session, &view);
    QCOMPARE(view.contextMenuPolicy(), Qt::CustomContextMenu);

    QVERIFY2(menu.rename(1, QStringLiteral("  baseline "), error), qPrintable(error));
    QCOMPARE(RunStore(db).run(1)->name, std::string("baseline"));
    QCOMPARE(session.table().find(1)->name, QStringLiteral("baseline"));

    QVERIFY2(menu.setTags(2, {QStringLiteral("fast"), QStringLiteral(" lr-sweep")}, error),
             qPrintable(error));
    QCOMPARE(RunStore(db).run(2)->tags, (std::vector<std::string>{"fast", "lr-sweep"}));
    QVERIFY(!menu.setTags(2, {QStringLiteral(" ")}, error));
    QVERIFY(!error.isEmpty());
    QCOMPARE(RunStore(db).run(2)->tags.size(), std::size_t{2});

    QVERIFY2(menu.remove(2, error), qPrintable(error));
    QVERIFY(!RunStore(db).run(2).has_value());
    QCOMPARE(session.table().runCount(), 1);
    QVERIFY(session.table().find(2) == nullptr);
    QVERIFY(session.table().find(1) != nullptr);
    QTRY_COMPARE(session.pendingLoads(), 0);
  }

  void runRowActionsAskThenAct() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    {
      RunStore store(db);
      finished_run(store, "solo", 32);
    }
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    RunsTableView view(&session.table());
    RunsMenu menu(session, &view);
    Answers answers;
    menu.setPrompts(answers.prompts());
    QMenu m;
    menu.populate(m, session.table().indexOf(1).siblingAtColumn(RunsTableModel::ColStatus));
    QCOMPARE(texts(m), (QStringList{"Rename…", "Tags…", "Delete run 1"}));
    answers.text = QStringLiteral("renamed");
    action(m, QStringLiteral("Rename…"))->trigger();
    QCOMPARE(RunStore(db).run(1)->name, std::string("renamed"));
    answers.confirm = false;
    action(m, QStringLiteral("Delete run 1"))->trigger();
    QVERIFY(RunStore(db).run(1).has_value());  // "no" keeps it
    QVERIFY(answers.asked.last().contains(QStringLiteral("renamed")));
    answers.confirm = true;
    action(m, QStringLiteral("Delete run 1"))->trigger();
    QVERIFY(!RunStore(db).run(1).has_value());
    QCOMPARE(session.table().runCount(), 0);
    QVERIFY(answers.warnings.isEmpty());
  }

  void storedSweepLoadsAsACollapsedGroup() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    std::int64_t sweep = 0;
    {
      RunStore store(db);
      finished_run(store, "before", 32);
      sweep = store.create_sweep(
          "spirals-batch-sizes",
          R"({"batch_sizes": [8, 64, 512], "learning_rates": [], "repeats": 1})");
      for (const std::int64_t b : {8, 64, 512}) finished_run(store, "b", b, sweep);
      finished_run(store, "after", 32);
    }
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    RunsTableView view(&session.table());
    const RunsTableModel& table = session.table();
    QCOMPARE(table.runCount(), 5);
    QCOMPARE(table.rowCount(), 3);  // after, the sweep, before
    const QModelIndex group = table.index(1, 0);
    QCOMPARE(table.sweepIdAt(group), sweep);
    QCOMPARE(table.data(group.siblingAtColumn(RunsTableModel::ColName), Qt::DisplayRole).toString(),
             QStringLiteral("spirals-batch-sizes · 3 runs"));
    QCOMPARE(
        table.data(group.siblingAtColumn(RunsTableModel::ColStatus), Qt::DisplayRole).toString(),
        QStringLiteral("completed"));
    QCOMPARE(
        table.data(group.siblingAtColumn(RunsTableModel::ColBatch), Qt::DisplayRole).toString(),
        QStringLiteral("8–512"));
    QVERIFY(!view.isExpanded(group));
    QCOMPARE(table.sweepRunIds(sweep), (std::vector<std::int64_t>{2, 3, 4}));
  }

  void sweepActionsShowRenameDelete() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    std::int64_t sweep = 0;
    {
      RunStore store(db);
      finished_run(store, "solo", 32);
      sweep = store.create_sweep("bs", "{}");
      for (const std::int64_t b : {8, 64, 512}) finished_run(store, "bs b", b, sweep);
    }
    QMainWindow window;
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    auto* view = new RunsTableView(&session.table());
    auto* runs = new QDockWidget(QStringLiteral("Runs"), &window);
    runs->setObjectName(QStringLiteral("runsDock"));
    runs->setWidget(view);
    window.addDockWidget(Qt::BottomDockWidgetArea, runs);
    auto* summary = new SweepSummaryDock(session, &window);  // tabbed behind the runs
    window.resize(900, 600);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(front_tab(window), QStringLiteral("Runs"));
    RunsMenu menu(session, view);
    Answers answers;
    menu.setPrompts(answers.prompts());

    QMenu m;
    menu.populate(m, session.table().groupIndex(sweep));
    QCOMPARE(texts(m),
             (QStringList{"Show sweep summary", "Rename sweep…", "Delete sweep and its 3 runs…"}));

    // Show: every run of the sweep ticked and no other, the summary dock in front with their fit.
    session.table().setVisible(1, true);
    action(m, QStringLiteral("Show sweep summary"))->trigger();
    for (const std::int64_t id : {2, 3, 4}) QVERIFY(session.table().find(id)->visible);
    QVERIFY(!session.table().find(1)->visible);
    QTRY_COMPARE(front_tab(window), QStringLiteral("Sweep summary"));
    QVERIFY2(!summary->view()->note().contains(QStringLiteral("two or more")),
             qPrintable(summary->view()->note()));
    QTRY_COMPARE(session.pendingLoads(), 0);
    QVERIFY(session.series().find(3) != nullptr);

    // Rename: the store's sweeps row and the group's name.
    answers.text = QStringLiteral("  batch sizes ");
    action(m, QStringLiteral("Rename sweep…"))->trigger();
    QCOMPARE(RunStore(db).sweep(sweep)->name, std::string("batch sizes"));
    QCOMPARE(session.table()
                 .data(session.table().groupIndex(sweep).siblingAtColumn(RunsTableModel::ColName),
                       Qt::DisplayRole)
                 .toString(),
             QStringLiteral("batch sizes · 3 runs"));
    answers.text = QStringLiteral(" ");
    action(m, QStringLiteral("Rename sweep…"))->trigger();
    QCOMPARE(answers.warnings.size(), 1);  // an empty name is refused, and says so
    QCOMPARE(RunStore(db).sweep(sweep)->name, std::string("batch sizes"));

    // Delete: asked first, naming the count; "no" keeps everything.
    answers.confirm = false;
    action(m, QStringLiteral("Delete sweep and its 3 runs…"))->trigger();
    QVERIFY2(answers.asked.last().contains(QStringLiteral("3 runs")),
             qPrintable(answers.asked.last()));
    QVERIFY(RunStore(db).sweep(sweep).has_value());
    QCOMPARE(session.table().runCount(), 4);
    answers.confirm = true;
    action(m, QStringLiteral("Delete sweep and its 3 runs…"))->trigger();
    QVERIFY(!RunStore(db).sweep(sweep).has_value());
    QCOMPARE(RunStore(db).list_runs().size(), std::size_t{1});
    QCOMPARE(session.table().runCount(), 1);
    QCOMPARE(session.table().rowCount(), 1);
    QVERIFY(!session.table().groupIndex(sweep).isValid());
    QVERIFY(session.series().find(3) == nullptr);  // gone from the plots too
    QCOMPARE(answers.warnings.size(), 1);
  }

  void runningSweepCannotBeDeleted() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    std::int64_t sweep = 0;
    {
      RunStore store(db);
      sweep = store.create_sweep("live", "{}");
    }
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    RunsTableView view(&session.table());
    RunsMenu menu(session, &view);
    // A sweep's run starting in this session, as the worker reports it.
    RunStarted started;
    started.run_id = 1;
    started.sweep_id = sweep;
    started.name = "live b=8";
    started.config.batch.size = 8;
    session.bridge().on_run_started(started);
    session.drainNow();
    const QModelIndex group = session.table().groupIndex(sweep);
    QVERIFY(group.isValid());
    QVERIFY(view.isExpanded(group));  // started now: open
    QCOMPARE(session.table()
                 .data(group.siblingAtColumn(RunsTableModel::ColName), Qt::DisplayRole)
                 .toString(),
             QStringLiteral("live · 1 run"));  // the name read from the store's sweeps row
    QMenu m;
    menu.populate(m, group);
    QCOMPARE(texts(m), (QStringList{"Show sweep summary", "Rename sweep…"}));
    QMenu run_menu;
    menu.populate(run_menu, session.table().indexOf(1));
    QVERIFY(run_menu.isEmpty());
    // A sweep id the store does not know still groups its runs.
    started.run_id = 2;
    started.sweep_id = 77;
    session.bridge().on_run_started(started);
    session.drainNow();
    QCOMPARE(session.table()
                 .data(session.table().groupIndex(77).siblingAtColumn(RunsTableModel::ColName),
                       Qt::DisplayRole)
                 .toString(),
             QStringLiteral("sweep 77 · 1 run"));
  }
};

QTEST_MAIN(TestRunsMenu)
#include "test_runs_menu.moc"
