// Reports on stored runs: the findings from known numbers, the PDF's pages and text (read back
// with pdftotext), the HTML's self-containment, and that a failed write leaves nothing.
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <tuple>

#include <nlohmann/json.hpp>

#include "app/compare_dialog.h"
#include "app/report/report_command.h"
#include "app/report/report_data.h"
#include "app/report/report_exporter.h"
#include "app/report/report_sections.h"
#include "app/report/report_writer.h"
#include "app/run_session.h"
#include "app/scaling_dialog.h"
#include "app_test_support.h"
#include "engine/core/errors.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_executor.h"
#include "engine/experiment/run_scaling_inputs.h"
#include "engine/experiment/run_store.h"
#include "engine/experiment/summary_json.h"
#include "engine/metrics/sweep_findings.h"
#include "widgets/runs_table_model.h"
#include "widgets/scaling_plot.h"

using namespace batchlab;

namespace {

// Steps to target follow S = 1000·(1 + 64/B) exactly, so the fit must give S_min 1000, B_noise 64.
double steps_for(double b) {
  return 1000.0 * (1.0 + 64.0 / b);
}
double throughput_for(double b) {
  if (b <= 16) return 1000;
  if (b <= 32) return 1900;
  if (b <= 64) return 3400;
  if (b <= 128) return 3600;
  return 3700;
}

std::int64_t add_run(RunStore& store, std::int64_t sweep, std::int64_t batch, int repeat,
                     RunStatus status) {
  RunConfig c = testing::tiny_config();
  c.batch.size = batch;
  c.seed = static_cast<std::uint64_t>(1 + repeat);
  c.stop.target = TargetConfig{TargetMetric::val_accuracy, 0.9};
  const nlohmann::json env = {{"cpu_model", "Test CPU 9000"}, {"cpu_cores", 8}, {"host", "lab"}};
  const std::int64_t id =
      store.create_run("b" + std::to_string(batch) + " r" + std::to_string(repeat),
                       run_config_to_json(c).dump(), "cpu (Eigen, 2 threads)", env.dump(), sweep);
  std::vector<StepEvent> steps;
  for (int s = 1; s <= 50; ++s) {
    StepEvent e;
    e.run_id = id;
    e.step = s;
    e.batch_size = batch;
    e.loss = 2.0 / (1.0 + 0.1 * s * static_cast<double>(batch) / 64.0);
    steps.push_back(e);
  }
  store.append_steps(steps);
  RunFinished f;
  f.run_id = id;
  f.status = status;
  RunSummary& s = f.summary;
  s.steps = 50;
  if (status == RunStatus::out_of_memory) {
    f.reason = "out of memory";
    s.oom_requested_bytes = 1 << 30;
  } else {
    // Repeats differ by ±2% so the error bars have something to show.
    const double wiggle = repeat == 0 ? 0.98 : 1.02;
    s.samples_per_s_median = throughput_for(static_cast<double>(batch)) * wiggle;
    s.peak_memory_bytes = batch * 40000;
    s.best_val_accuracy = 0.95;
    s.steps_to_target =
        static_cast<std::int64_t>(std::llround(steps_for(static_cast<double>(batch))));
    s.time_to_target_s = static_cast<double>(*s.steps_to_target) * static_cast<double>(batch) /
                         throughput_for(static_cast<double>(batch));
    s.time_s = *s.time_to_target_s;
  }
  store.finish_run(f);
  return id;
}

QString run_tool(const QString& program, const QStringList& args) {
  QProcess p;
  p.start(program, args);
  if (!p.waitForFinished(60000) || p.exitCode() != 0) return {};
  return QString::fromUtf8(p.readAllStandardOutput());
}

}  // namespace

class TestReport : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath(QStringLiteral("runs.sqlite")).toStdString();
    RunStore store(db_);
    sweep_ = store.create_sweep("spirals batch sizes", "{}");
    for (const std::int64_t b : {16, 32, 64, 128, 256})
      for (int r = 0; r < 2; ++r) add_run(store, sweep_, b, r, RunStatus::target_reached);
    add_run(store, sweep_, 1024, 0, RunStatus::out_of_memory);
  }

  void findingsFromKnownNumbers() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {}, sweep_);
    QCOMPARE(d.runs.size(), std::size_t{11});
    QVERIFY(d.fit.has_value());
    QVERIFY(std::abs(d.fit->b_noise - 64.0) < 0.01 * 64.0);
    QVERIFY(std::abs(d.fit->s_min - 1000.0) < 10.0);
    QVERIFY(d.knee.has_value());
    QCOMPARE(*d.knee, 64.0);
    const QString all = d.findings.join(u'\n');
    QVERIFY2(
        all.contains(QStringLiteral("Fastest to the target (val_accuracy ≥ 0.9): batch size 64")),
        qPrintable(all));
    QVERIFY2(
        all.contains(QStringLiteral("Largest batch size that fit in memory: 256 (1024 ran out)")),
        qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("B_noise = 64")), qPrintable(all));
    // Times to target 80, 50, 38, 53, 86 s at B = 16…256: the fitted fastest batch is inside,
    // near the measured best (64), and the findings say where.
    QVERIFY(d.time_fit.has_value());
    QVERIFY(d.time_fit->fastest_batch().has_value());
    QVERIFY2(*d.time_fit->fastest_batch() > 32 && *d.time_fit->fastest_batch() < 128,
             qPrintable(QString::number(*d.time_fit->fastest_batch())));
    QVERIFY2(all.contains(QStringLiteral("Fitted time to target T = α + β/B + γ·B")),
             qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("): fastest at B ≈ %1 (T ≈ ")
                              .arg(std::llround(*d.time_fit->fastest_batch()))),
             qPrintable(all));
    // The configs set no memory budget and the environment records no device memory.
    QVERIFY(!d.limits.budget_mib && !d.limits.device_mib);
    QVERIFY(d.machine.contains(QStringLiteral("Test CPU 9000 (8 cores)")));
    // batch.size and seed differ; the optimizer is shared.
    QVERIFY(std::find(d.differing_keys.begin(), d.differing_keys.end(), "batch.size") !=
            d.differing_keys.end());
    QVERIFY(std::find(d.differing_keys.begin(), d.differing_keys.end(), "seed") !=
            d.differing_keys.end());
    QVERIFY(std::find(d.shared_keys.begin(), d.shared_keys.end(), "optimizer.lr") !=
            d.shared_keys.end());
  }

  void unknownRunOrSweepIsNamed() {
    const RunStore store(db_);
    try {
      load_report_data(store, {999}, 0);
      QFAIL("an unknown run was accepted");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("no run with id 999")));
    }
    QVERIFY_THROWS_EXCEPTION(Error, load_report_data(store, {}, 77));
  }

  void pdfHasPagesAndText() {
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    const QString pdfinfo = QStandardPaths::findExecutable(QStringLiteral("pdfinfo"));
    if (pdftotext.isEmpty() || pdfinfo.isEmpty())
      QSKIP("pdftotext/pdfinfo (poppler-utils) not installed: cannot read the PDF back");
    const QString out = dir_.filePath(QStringLiteral("report.pdf"));
    QCOMPARE(run_report_command({QStringLiteral("batchlab"), QStringLiteral("--report"),
                                 QStringLiteral("--db"), QString::fromStdString(db_.string()),
                                 QStringLiteral("--sweep"), QString::number(sweep_),
                                 QStringLiteral("-o"), out}),
             0);
    const QString info = run_tool(pdfinfo, {out});
    QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Pages:\\s+4\\b"))), qPrintable(info));
    const auto page = [&](int n) {
      return run_tool(pdftotext,
                      {QStringLiteral("-f"), QString::number(n), QStringLiteral("-l"),
                       QString::number(n), QStringLiteral("-layout"), out, QStringLiteral("-")})
          // The PDF's font sets "fi" as one ligature glyph; NFKC turns it back into two letters.
          .normalized(QString::NormalizationForm_KC);
    };
    const QString p1 = page(1);
    for (const char* text :
         {"Sweep report: spirals batch sizes", "Machine", "Test CPU 9000", "Findings",
          "Fastest to the target", "B_noise", "Fitted time to target", "fastest at B", "Summary",
          "target reached", "out of memory"})
      QVERIFY2(p1.contains(QString::fromUtf8(text)), text);
    const QString p2 = page(2);
    for (const char* text :
         {"Sweep summary", "Throughput", "Peak memory", "Steps to target", "Validation accuracy",
          "batch size", "samples/s", "peak memory (MiB)", "S_min", "B_noise", "Time to target",
          "time to target (s)", "fit: fastest at B"})
      QVERIFY2(p2.contains(QString::fromUtf8(text)), text);
    const QString p3 = page(3);
    for (const char* text : {"Loss curves", "training loss", "step", "run 1"})
      QVERIFY2(p3.contains(QString::fromUtf8(text)), text);
    const QString p4 = page(4);
    for (const char* text : {"Configuration", "batch.size", "optimizer.lr", "Shared settings"})
      QVERIFY2(p4.contains(QString::fromUtf8(text)), text);
  }

  // A run that trained has what the scaling model needs: the report gains its section, with the
  // words and a plot of the model's own numbers; the runs above (no compute measured) have none.
  void scalingSectionForARunThatTrained() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    ExecuteOptions o;
    o.store_path = db;
    o.source = "test";
    QCOMPARE(execute_run(testing::tiny_config(2), o).status, RunStatus::completed);
    const RunStore store(db);
    const ReportData d = load_report_data(store, {1});
    QVERIFY(d.runs.front().scaling.has_value());
    const ScalingInputs expected = scaling_inputs_for_run(store, 1).in;
    QCOMPARE(d.runs.front().scaling->compute_s_per_sample, expected.compute_s_per_sample);
    QCOMPARE(d.runs.front().scaling->gradient_bytes, expected.gradient_bytes);
    QCOMPARE(d.runs.front().scaling->bytes_per_s, 200e9 / 8.0);  // infiniband
    const QString html = report_html(d);
    QVERIFY(html.contains(QStringLiteral("<h2>Scaling model — model, not a measurement</h2>")));
    QVERIFY(html.contains(QStringLiteral("alt=\"scaling model of run 1\"")));
    QCOMPARE(html.count(QStringLiteral("src=\"data:image/png;base64,")), 2);  // loss + scaling
    QVERIFY(!report_pdf(d).isEmpty());
    // The synthetic sweep's runs measured no compute time: no section.
    const RunStore synthetic(db_);
    QVERIFY(report_scaling_html(load_report_data(synthetic, {}, sweep_)).isEmpty());

    // Run ▸ Scaling model…'s dialog draws the same model, for the link chosen.
    ScalingDialog dialog(db, 1);
    QVERIFY2(dialog.ready(), qPrintable(dialog.message()->text()));
    QCOMPARE(dialog.inputs().bytes_per_s, 200e9 / 8.0);
    const auto weak = predict_scaling(dialog.inputs(), ScalingMode::weak);
    QCOMPARE(dialog.plot()->parts().weak.size(), weak.size());
    QCOMPARE(dialog.plot()->parts().weak[3].samples_per_s, weak[3].samples_per_s);
    dialog.linkBox()->setCurrentIndex(dialog.linkBox()->findData(QStringLiteral("host")));
    QCOMPARE(dialog.inputs().bytes_per_s, 64e9 / 8.0);
    QCOMPARE(dialog.plot()->parts().strong[1].allreduce_s,
             ring_allreduce_seconds(2, expected.gradient_bytes, 8e9, 25e-6));
    dialog.latencyBox()->setValue(100.0);
    QCOMPARE(dialog.inputs().latency_s, 100e-6);
    // An unknown run: no plot, the reason instead.
    ScalingDialog none(db, 42);
    QVERIFY(!none.ready());
    QVERIFY2(none.message()->text().contains(QStringLiteral("run 42 is not in the store")),
             qPrintable(none.message()->text()));
  }

  void htmlIsSelfContained() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {}, sweep_);
    const QString out = dir_.filePath(QStringLiteral("report.html"));
    write_report(d, out.toStdString());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString html = QString::fromUtf8(f.readAll());
    for (const char* bad : {"http:", "https:", "src=\"//", "<link", "<script", "url("})
      QVERIFY2(!html.contains(QString::fromLatin1(bad), Qt::CaseInsensitive), bad);
    // Five sweep plots (the window's five) and the loss curves, each an inline PNG.
    QCOMPARE(html.count(QStringLiteral("src=\"data:image/png;base64,")), 6);
    QCOMPARE(html.count(QStringLiteral("src=")), 6);
    QVERIFY(html.contains(QStringLiteral("Fastest to the target")));
    QVERIFY(html.contains(QStringLiteral("Fitted time to target T = α + β/B + γ·B")));
    QVERIFY(html.contains(QStringLiteral("◆ batch.size")));
    QVERIFY2(!html.contains(QStringLiteral("Cost to target")), "no price, no cost columns");

    // With a price per device-hour the summary gains each run's cost and cost to target.
    ReportData priced = d;
    priced.price_per_hour = 3.6e6;  // a thousand units a second: cost is the time in ms
    const QString out2 = dir_.filePath(QStringLiteral("priced.html"));
    write_report(priced, out2.toStdString());
    QFile f2(out2);
    QVERIFY(f2.open(QIODevice::ReadOnly));
    const QString priced_html = QString::fromUtf8(f2.readAll());
    QVERIFY(priced_html.contains(QStringLiteral("<th align=\"right\">Cost to target</th>")));
    QVERIFY(priced_html.contains(
        RunsTableModel::cost_text(priced.runs.front().summary.time_s * 1000.0)));
  }

  void failedWriteLeavesNothing() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {}, sweep_);
    // A folder is in the way of the file: the rename cannot replace it.
    const QString blocked = dir_.filePath(QStringLiteral("blocked.pdf"));
    QVERIFY(QDir().mkdir(blocked));
    const QStringList before =
        QDir(dir_.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot);
    QVERIFY_THROWS_EXCEPTION(Error, write_report(d, blocked.toStdString()));
    QCOMPARE(QDir(dir_.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot), before);
    // A missing folder: an error naming the path, from the command a non-zero exit.
    const QString missing = dir_.filePath(QStringLiteral("no/such/dir/r.html"));
    QCOMPARE(run_report_command({QStringLiteral("batchlab"), QStringLiteral("--report"),
                                 QStringLiteral("--db"), QString::fromStdString(db_.string()),
                                 QStringLiteral("--runs"), QStringLiteral("1,2"),
                                 QStringLiteral("-o"), missing}),
             1);
    QVERIFY(!QFile::exists(missing));
    QCOMPARE(QDir(dir_.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot), before);
    // A name that is neither .pdf nor .html is bad input, refused before anything is written.
    QCOMPARE(run_report_command({QStringLiteral("batchlab"), QStringLiteral("--report"),
                                 QStringLiteral("--db"), QString::fromStdString(db_.string()),
                                 QStringLiteral("--runs"), QStringLiteral("1"),
                                 QStringLiteral("-o"), dir_.filePath(QStringLiteral("r.docx"))}),
             2);
    QCOMPARE(QDir(dir_.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot), before);
  }

  // The window's Export report… reports on the ticked runs of the runs table.
  void exporterReportsOnTickedRuns() {
    QWidget window;
    RunSession session;
    QString error;
    QVERIFY2(session.loadStore(db_, error), qPrintable(error));
    ReportExporter exporter(session, &window);
    const QString out = dir_.filePath(QStringLiteral("ticked.html"));
    QVERIFY(!exporter.exportTo(out, error));
    QVERIFY(error.contains(QStringLiteral("Tick")));
    QVERIFY(!QFile::exists(out));
    session.table().setVisible(3, true);
    session.table().setVisible(5, true);
    QCOMPARE(exporter.chosenRuns(), (std::vector<std::int64_t>{3, 5}));
    QVERIFY2(exporter.exportTo(out, error), qPrintable(error));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString html = QString::fromUtf8(f.readAll());
    QVERIFY(html.contains(QStringLiteral("Report on 2 runs")));
    QVERIFY(html.contains(QStringLiteral("<th>run 3</th>")));
    QVERIFY(html.contains(QStringLiteral("<th>run 5</th>")));
    QVERIFY(!html.contains(QStringLiteral("<th>run 1</th>")));  // not ticked
    QTRY_COMPARE(session.pendingLoads(), 0);
  }

  // A run that ran out of memory held little when it was refused: that is no "best" footprint.
  void failedRunsAreNotMarkedBest() {
    ReportData d;
    for (const auto& [id, status, peak] : {std::tuple{1, RunStatus::completed, 300'000},
                                           std::tuple{2, RunStatus::out_of_memory, 70'000},
                                           std::tuple{3, RunStatus::completed, 200'000}}) {
      ReportRun r;
      r.record.id = id;
      r.record.status = status;
      r.summary.peak_memory_bytes = peak;
      if (status == RunStatus::out_of_memory) r.summary.predicted_memory_bytes = 3'000'000;
      r.summary.samples_per_s_median = status == RunStatus::out_of_memory ? kNaN : 1000.0 * id;
      r.batch = 8.0 * id;
      d.runs.push_back(r);
    }
    const QString html = report_summary_html(d);
    // Run 3 is the smallest: marked, the star on the number's line, right-aligned.
    QVERIFY2(html.contains(QStringLiteral(
                 "<td align=\"right\" nowrap=\"nowrap\"><b>195 KiB&nbsp;★</b></td>")),
             qPrintable(html));
    // Run 2 ran out of memory: what it held when refused (68.4 KiB) is not its footprint.
    QVERIFY(!html.contains(QStringLiteral("68.4 KiB")));
    QVERIFY2(html.contains(QStringLiteral("did not fit (needs 2.86 MiB)")), qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("<td align=\"right\">293 KiB</td>")));
  }

  // "Fastest to the target" is the lowest mean over repeats, not one lucky repeat, and the
  // report states the same batch size sweep_findings gives (which the CLI prints).
  void fastestIsTheMeanOverRepeats() {
    QTemporaryDir dir;
    RunStore store(dir.filePath(QStringLiteral("lucky.sqlite")).toStdString());
    const std::int64_t sweep = store.create_sweep("lucky", "{}");
    std::vector<OutcomePoint> outcomes;
    for (const auto& [batch, repeat, seconds] :
         {std::tuple{32, 0, 10.0}, std::tuple{32, 1, 100.0}, std::tuple{64, 0, 40.0},
          std::tuple{64, 1, 42.0}}) {
      const std::int64_t id = add_run(store, sweep, batch, repeat, RunStatus::target_reached);
      RunFinished f;
      f.run_id = id;
      f.status = RunStatus::target_reached;
      f.summary = summary_from_json(store.run(id)->summary_json);
      f.summary.time_to_target_s = seconds;
      store.finish_run(f);
      outcomes.push_back({static_cast<double>(batch), f.status, f.summary});
    }
    const ReportData d = load_report_data(store, {}, sweep);
    QVERIFY(d.fastest.has_value());
    QCOMPARE(d.fastest->batch, 64.0);
    QCOMPARE(d.fastest->batch, sweep_findings(outcomes).fastest->batch);
    const QString all = d.findings.join(u'\n');
    QVERIFY2(all.contains(QStringLiteral("batch size 64, in 41.0 s on average (2 of 2 repeats "
                                         "reached it)")),
             qPrintable(all));
  }

  // The same sweep read by `batchlab-cli sweep` and by the report: the same fastest batch size
  // and the same knee.
  void cliAndReportAgreeOnTheSameSweep() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("agree.sqlite"));
    QProcess cli;
    cli.start(QStringLiteral(BATCHLAB_CLI_PATH),
              {"sweep", "spirals-batch-sizes", "--db", db, "--set", "batch_sizes=[16,64]", "--set",
               "repeats=2", "--set", "base.stop.target.value=0.75", "--set", "base.stop.epochs=30",
               "--set", "base.device=cpu"});
    QVERIFY(cli.waitForFinished(120000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY2(cli.exitCode() == 0, qPrintable(out + cli.readAllStandardError()));
    const QRegularExpression fastest(QStringLiteral("fastest to target: B = (\\d+)"));
    const QRegularExpression knee(QStringLiteral("throughput knee: B = (\\d+)"));
    const auto f = fastest.match(out), k = knee.match(out);
    QVERIFY2(f.hasMatch() && k.hasMatch(), qPrintable(out));

    const RunStore store(db.toStdString());
    const ReportData d = load_report_data(store, {}, store.list_sweeps().front().id);
    QVERIFY(d.fastest && d.knee);
    QCOMPARE(QString::number(d.fastest->batch), f.captured(1));
    QCOMPARE(QString::number(*d.knee), k.captured(1));
    QVERIFY2(d.findings.join(u'\n').contains(
                 QStringLiteral("Fastest to the target (val_accuracy ≥ 0.75): batch size %1")
                     .arg(f.captured(1))),
             qPrintable(d.findings.join(u'\n')));
  }

  // Comparison: the best value of each metric column marked, only differing settings tabled.
  void compareMarksBestAndDifferences() {
    const RunStore store(db_);
    // Runs 1 (B=16), 5 (B=64), 9 (B=256): 64 is fastest to target, 256 has the best throughput,
    // 16 the least memory and the most steps.
    const ReportData d = load_report_data(store, {1, 5, 9});
    CompareDialog dialog(d);
    const QString text = dialog.text();
    const auto marked = [&](const QString& value) {
      return text.contains(
          value + QStringLiteral(" ★"));  // toPlainText turns the no-break space into a space
    };
    QVERIFY2(marked(QStringLiteral("3.63k")), qPrintable(text));  // 3700 × 0.98 samples/s at 256
    QVERIFY(marked(QStringLiteral("625 KiB")));                   // 16 × 40000 bytes
    QVERIFY(marked(QStringLiteral("1250")));                      // steps to target at 256
    QVERIFY(marked(QStringLiteral("37.6 s")));                    // time to target at 64
    QVERIFY(!marked(QStringLiteral("9000")));                     // steps at 16: the worst
    QVERIFY(!marked(QStringLiteral("1 min 26 s")));  // time to target at 256: the slowest
    QVERIFY(text.contains(QStringLiteral("1 min 26 s")));
    // Throughput, memory, steps and time: one each; accuracy 0.95 ties three ways; the key.
    QCOMPARE(text.count(QStringLiteral("★")), 4 + 3 + 1);
    // batch.size differs and is tabled with a mark; optimizer.lr is shared.
    QVERIFY(text.contains(QStringLiteral("◆ batch.size")));
    QVERIFY(!text.contains(QStringLiteral("◆ optimizer.lr")));
    // For looking at it: BATCHLAB_TEST_SHOTS=DIR saves the dialog as a PNG there.
    if (const QString shots = qEnvironmentVariable("BATCHLAB_TEST_SHOTS"); !shots.isEmpty()) {
      dialog.show();
      QVERIFY(QTest::qWaitForWindowExposed(&dialog));
      QVERIFY(dialog.grab().save(shots + QStringLiteral("/compare_dialog.png")));
    }
  }

 private:
  QTemporaryDir dir_;
  std::filesystem::path db_;
  std::int64_t sweep_ = 0;
};

QTEST_MAIN(TestReport)
#include "test_report.moc"
