// `batchlab --preset NAME --run --screenshot PATH --quit-when-done` and the no-display message.
#include <QtTest>

#include <QCommandLineParser>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>

#include "app/app_settings.h"
#include "app/launch_options.h"
#include "app/main_window.h"
#include "app/run_controller.h"
#include "app/run_session.h"
#include "engine/experiment/run_store.h"
#include "widgets/experiment_form.h"
#include "widgets/runs_table_model.h"
#include "widgets/runs_table_view.h"

using namespace batchlab;

class TestAutomation : public QObject {
  Q_OBJECT
 private slots:
  void presetRunsAndTheWindowIsPhotographed();
  void unknownPresetIsBadInput();
  void expandSweepsOpensTheGroupsForTheScreenshot();
  void displayIsDetectedFromTheEnvironment();
  void noDisplayPrintsOneLineAndExits();
};

void TestAutomation::presetRunsAndTheWindowIsPhotographed() {
  QTemporaryDir dir;
  AppSettings settings(dir.filePath("settings.ini"));
  MainWindow window(settings, dir.filePath("runs.sqlite").toStdString());
  window.resize(1024, 700);
  window.show();
  LaunchOptions o;
  o.preset = "spirals-mlp";
  o.sets = {"stop.epochs=1", "batch.size=64"};
  o.run = true;
  o.screenshot = dir.filePath("shot.png");
  Automation automation(window, o);
  QSignalSpy idle(window.controller(), &RunController::idle);
  QVERIFY(automation.start());
  QCOMPARE(window.form()->config().batch.size, std::int64_t{64});  // --set applied
  QVERIFY(idle.wait(60000));
  QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(o.screenshot), 5000);
  const QImage shot(o.screenshot);
  QCOMPARE(shot.size(), window.size());
  QCOMPARE(automation.exitCode(), 0);
}

void TestAutomation::unknownPresetIsBadInput() {
  QTemporaryDir dir;
  AppSettings settings(dir.filePath("settings.ini"));
  MainWindow window(settings, dir.filePath("runs.sqlite").toStdString());
  LaunchOptions o;
  o.preset = "no-such-preset";
  o.run = true;
  Automation automation(window, o);
  QVERIFY(!automation.start());
  QCOMPARE(automation.exitCode(), 2);
  QVERIFY(!window.controller()->busy());
}

void TestAutomation::expandSweepsOpensTheGroupsForTheScreenshot() {
  QTemporaryDir dir;
  const std::filesystem::path db = dir.filePath("runs.sqlite").toStdString();
  std::int64_t sweep = 0;
  {
    RunStore store(db);
    sweep = store.create_sweep("bs", "{}");
    for (int i = 0; i < 2; ++i) {
      RunFinished f;
      f.run_id = store.create_run("bs run", "{}", "cpu", "{}", sweep);
      f.status = RunStatus::completed;
      store.finish_run(f);
    }
  }
  QCommandLineParser parser;
  add_launch_options(parser);
  QVERIFY(parser.parse({"batchlab", "--expand-sweeps", "--screenshot", dir.filePath("shot.png")}));
  const LaunchOptions o = read_launch_options(parser);
  QVERIFY(o.expand_sweeps);
  AppSettings settings(dir.filePath("settings.ini"));
  MainWindow window(settings, db);
  window.show();
  const QModelIndex group = window.session()->table().groupIndex(sweep);
  QVERIFY(group.isValid());
  QVERIFY(!window.runsView()->isExpanded(group));  // stored: collapsed until asked
  Automation automation(window, o);
  QVERIFY(automation.start());
  QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(o.screenshot), 5000);
  QVERIFY(window.runsView()->isExpanded(group));
}

void TestAutomation::displayIsDetectedFromTheEnvironment() {
  const QByteArray saved[3] = {qgetenv("DISPLAY"), qgetenv("WAYLAND_DISPLAY"),
                               qgetenv("QT_QPA_PLATFORM")};
  qunsetenv("DISPLAY");
  qunsetenv("WAYLAND_DISPLAY");
  qunsetenv("QT_QPA_PLATFORM");
  const bool none = has_display();
  qputenv("QT_QPA_PLATFORM", "offscreen");
  const bool offscreen = has_display();
  qunsetenv("QT_QPA_PLATFORM");
  qputenv("DISPLAY", ":99");
  const bool x11 = has_display();
  const char* names[3] = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"};
  for (int i = 0; i < 3; ++i) {
    if (saved[i].isEmpty())
      qunsetenv(names[i]);
    else
      qputenv(names[i], saved[i]);
  }
  QVERIFY(!none);
  QVERIFY(offscreen);
  QVERIFY(x11);
}

void TestAutomation::noDisplayPrintsOneLineAndExits() {
  // build/tests/app_automation → build/app/batchlab
  const QString exe = QCoreApplication::applicationDirPath() + "/../app/batchlab";
  if (!QFile::exists(exe)) QSKIP("the batchlab executable is not built next to the tests");
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove("DISPLAY");
  env.remove("WAYLAND_DISPLAY");
  env.remove("QT_QPA_PLATFORM");
  p.setProcessEnvironment(env);
  p.start(exe, {});
  QVERIFY(p.waitForFinished(20000));
  QCOMPARE(p.exitCode(), 1);
  const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
  QVERIFY2(!err.contains('\n'), qPrintable(err));
  QVERIFY2(err.contains("xvfb-run") && err.contains("batchlab-cli"), qPrintable(err));
  QVERIFY(!err.contains("qt.qpa"));  // not Qt's platform-plugin abort
}

QTEST_MAIN(TestAutomation)
#include "test_automation.moc"
