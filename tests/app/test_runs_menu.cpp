// The runs table's rename / tag / delete: the store changes and the table follows; refusals
// (an empty tag, an unknown run) say why and change nothing.
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "app/run_session.h"
#include "app/runs_menu.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"

using namespace batchlab;

class TestRunsMenu : public QObject {
  Q_OBJECT

 private slots:
  void renameTagDelete() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    {
      RunStore store(db);
      for (const char* name : {"first", "second"}) {
        RunFinished f;
        f.run_id = store.create_run(name, "{}", "cpu", "{}");
        f.status = RunStatus::completed;
        store.finish_run(f);
      }
    }
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db, error), qPrintable(error));
    QTableView view;
    view.setModel(&session.table());
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
    QCOMPARE(session.table().rowCount(), 1);
    QVERIFY(session.table().find(2) == nullptr);
    QVERIFY(session.table().find(1) != nullptr);
    QTRY_COMPARE(session.pendingLoads(), 0);
  }
};

QTEST_MAIN(TestRunsMenu)
#include "test_runs_menu.moc"
