// Inference and serving runs (schema v6) in the report, Compare and the runs table: known rows
// written through ServingRunWriter come back as a serving section with the best setting named,
// the latency–throughput curve per setting with the objective line, the batch-size histogram of
// the best point, the inference table and plot; a serving-only report is a whole PDF; training
// runs beside them keep their own sections.
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include "app/compare_dialog.h"
#include "app/report/report_data.h"
#include "app/report/report_serving.h"
#include "app/report/report_writer.h"
#include "app_test_support.h"
#include "engine/experiment/config_io.h"
#include "engine/experiment/run_store.h"
#include "engine/serve/serve_store.h"
#include "widgets/run_row.h"
#include "widgets/runs_table_model.h"

using namespace batchlab;

namespace {

// Two settings at three rates: real-time meets 10 ms up to 2k req/s and saturates at 8k;
// dynamic (max batch 32, 2 ms) meets it at every rate: the best is dynamic at 7.9k served.
std::vector<ServingPointRow> known_points() {
  std::vector<ServingPointRow> out;
  const struct {
    const char* mode;
    std::int64_t max_batch;
    double delay, rate, served, p99;
    bool saturated;
  } rows[] = {{"realtime", 1, 0, 500, 500, 0.9, false},    {"realtime", 1, 0, 2000, 1990, 4.0, false},
              {"realtime", 1, 0, 8000, 3100, 900, true},   {"dynamic", 32, 2, 500, 500, 2.5, false},
              {"dynamic", 32, 2, 2000, 1995, 3.0, false},  {"dynamic", 32, 2, 8000, 7900, 8.1, false}};
  int i = 0;
  for (const auto& r : rows) {
    ServingPointRow p;
    p.point = i++;
    p.mode = r.mode;
    p.max_batch = r.max_batch;
    p.max_delay_ms = r.delay;
    p.rate = r.rate;
    p.objective_ms = 10;
    p.throughput = r.served;
    p.p50_ms = r.p99 / 3;
    p.p90_ms = r.p99 / 1.5;
    p.p99_ms = r.p99;
    p.max_ms = r.p99 * 1.2;
    p.mean_batch = r.max_batch == 1 ? 1 : 6.5;
    p.saturated = r.saturated;
    p.saturated_at = r.saturated ? 3100 : 0;
    p.unfinished = r.saturated ? 900 : 0;
    p.meets_objective = !r.saturated && r.p99 <= 10;
    p.best = p.point == 5;
    p.batch_histogram = r.max_batch == 1 ? std::vector<std::int64_t>{0, 100}
                                         : std::vector<std::int64_t>{0, 4, 10, 0, 30, 0, 0, 0, 12};
    out.push_back(p);
  }
  return out;
}

std::vector<InferenceRow> known_inference() {
  std::vector<InferenceRow> rows;
  for (const auto& [b, sps] : std::vector<std::pair<std::int64_t, double>>{{1, 50000}, {64, 800000}, {1024, 1200000}}) {
    InferenceRow r;
    r.batch_size = b;
    r.rows = 400;
    r.samples_per_s = sps;
    r.step_ms = 1e3 * static_cast<double>(b) / sps;
    r.accuracy = 0.9;
    r.memory_bytes = 20000 + 100 * b;
    r.predicted_bytes = r.memory_bytes;
    rows.push_back(r);
  }
  return rows;
}

QString run_tool(const QString& program, const QStringList& args) {
  QProcess p;
  p.start(program, args);
  if (!p.waitForFinished(60000) || p.exitCode() != 0) return {};
  return QString::fromUtf8(p.readAllStandardOutput());
}

}  // namespace

class TestServingReport : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    db_ = dir_.filePath(QStringLiteral("runs.sqlite")).toStdString();
    ServingConfig c;
    c.name = "rt vs dyn";
    c.model.preset = "spirals-mlp";
    c.batcher.slo_p99_s = 0.01;
    {
      ServingRunWriter w(db_, RunKind::serving, "serve rt vs dyn", c, "cpu (test)");
      const auto points = known_points();
      w.finish_serving(points, std::vector<ServingWindowRow>{{5, 0.1, 7800, 3, 8, 6, 4, 32}},
                       false);
      serving_ = w.run_id();
    }
    {
      ServingRunWriter w(db_, RunKind::inference, "infer spirals", c, "cpu (test)");
      w.finish_inference(known_inference(), false);
      inference_ = w.run_id();
    }
    RunStore store(db_);
    training_ = store.create_run("train", run_config_to_json(testing::tiny_config()).dump(),
                                 "cpu (test)", "{}");
    StepEvent e;
    e.run_id = training_;
    e.step = 1;
    e.loss = 1.0;
    store.append_steps(std::vector<StepEvent>{e});
    RunFinished f;
    f.run_id = training_;
    f.summary.steps = 1;
    store.finish_run(f);
  }

  void theDataSplitsByKindAndNamesTheBest() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {serving_, inference_, training_});
    QCOMPARE(d.runs.size(), std::size_t{1});
    QCOMPARE(d.serving.size(), std::size_t{1});
    QCOMPARE(d.inference.size(), std::size_t{1});
    QCOMPARE(d.serving[0].points.size(), std::size_t{6});
    const QString findings = d.findings.join(QLatin1Char('\n'));
    QVERIFY2(findings.contains(QStringLiteral(
                 "the best setting under p99 ≤ 10 ms is dynamic batching, max batch 32, max "
                 "delay 2.0 ms at 7.90k req/s (p99 8.1 ms")),
             qPrintable(findings));
    QVERIFY2(findings.contains(QStringLiteral("1 of 6 points saturated")), qPrintable(findings));
    QVERIFY2(findings.contains(QStringLiteral("the fastest batch size is 1024 at 1.20M samples/s (24× batch 1)")),
             qPrintable(findings));
  }

  void thePlotsShowTheRows() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {serving_});
    auto curve = make_serving_curve_plot(d.serving[0]);
    QCOMPARE(curve->graphCount(), 2);  // one curve per setting
    for (int g = 0; g < 2; ++g) QCOMPARE(curve->graph(g)->dataCount(), 3);
    QVERIFY(curve->graph(0)->name().contains("batching") || curve->graph(0)->name().contains("real-time"));
    bool objective_line = false;
    for (int i = 0; i < curve->itemCount(); ++i)
      if (auto* t = qobject_cast<QCPItemText*>(curve->item(i)))
        objective_line |= t->text().contains(QStringLiteral("p99 objective 10 ms"));
    QVERIFY(objective_line);
    auto hist = make_batch_histogram_plot(d.serving[0]);
    QVERIFY(hist->xAxis->label().contains(QStringLiteral("dynamic batching, max batch 32")));
    auto* bars = qobject_cast<QCPBars*>(hist->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->data()->size(), 8);  // sizes 1…8 of the best point
    QCOMPARE(bars->data()->at(3)->value, 30.0);  // 30 batches of 4
    const ReportData di = load_report_data(store, {inference_});
    auto inf = make_inference_plot(di);
    QVERIFY(inf);
    QCOMPARE(inf->graph(0)->dataCount(), 3);
  }

  void htmlHasTheServingSection() {
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {serving_, inference_, training_});
    const QString out = dir_.filePath(QStringLiteral("mixed.html"));
    write_report(d, out.toStdString());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString html = QString::fromUtf8(f.readAll());
    for (const char* text :
         {"Inference and serving", "Serving: run #1", "Best under p99 ≤ 10 ms:", "★ best",
          "saturated at ≈ 3.10k", "Offline inference: run #2", "memory model", "Loss curves",
          "Configuration"})
      QVERIFY2(html.contains(QString::fromUtf8(text)), text);
    // Curve and histogram of the serving run, the inference plot, the loss curves.
    QCOMPARE(html.count(QStringLiteral("src=\"data:image/png;base64,")), 4);
  }

  void aServingOnlyReportIsAWholePdf() {
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (pdftotext.isEmpty())
      QSKIP("pdftotext (poppler-utils) not installed: cannot read the PDF back");
    const RunStore store(db_);
    const ReportData d = load_report_data(store, {serving_, inference_});
    QVERIFY(d.runs.empty());
    const QString out = dir_.filePath(QStringLiteral("serving.pdf"));
    write_report(d, out.toStdString());
    const QString text = run_tool(pdftotext, {QStringLiteral("-layout"), out, QStringLiteral("-")})
                             .normalized(QString::NormalizationForm_KC);
    for (const char* t : {"Report on 2 runs", "Findings", "Serving: run #1", "p99 objective 10 ms",
                          "batch size formed", "Offline inference", "Best under p99"})
      QVERIFY2(text.contains(QString::fromUtf8(t)), t);
    QVERIFY(!text.contains(QStringLiteral("Loss curves")));
  }

  void compareShowsTheServingRuns() {
    const RunStore store(db_);
    CompareDialog only(load_report_data(store, {serving_, inference_}));
    const QString text = only.text();
    QVERIFY2(text.contains(QStringLiteral("Inference and serving")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("dynamic batching, max batch 32, max delay 2.0 ms")),
             qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("Offline inference: run #2")));
    CompareDialog mixed(load_report_data(store, {serving_, training_}));
    QVERIFY(mixed.text().contains(QStringLiteral("Inference and serving")));
    QVERIFY(mixed.text().contains(QStringLiteral("Summary")));
  }

  void theRunsTableSaysWhatEachRunMeasured() {
    const RunStore store(db_);
    RunsTableModel m;
    for (const RunRecord& r : store.list_runs()) m.upsert(row_from_record(r));
    const auto cell = [&](std::int64_t id, int col) {
      return m.data(m.index(m.indexOf(id).row(), col), Qt::DisplayRole).toString();
    };
    QCOMPARE(cell(serving_, RunsTableModel::ColBatch), QStringLiteral("dynamic ≤ 32, 2.0 ms"));
    QCOMPARE(cell(serving_, RunsTableModel::ColThroughput), QStringLiteral("7,900 req/s"));
    QCOMPARE(cell(serving_, RunsTableModel::ColToTarget),
             QStringLiteral("p99 8.1 ms ≤ 10 ms at 7.90k req/s"));
    QCOMPARE(cell(inference_, RunsTableModel::ColBatch), QStringLiteral("1–1024 (inference)"));
    QCOMPARE(cell(inference_, RunsTableModel::ColThroughput), QStringLiteral("1,200,000"));
    QCOMPARE(cell(inference_, RunsTableModel::ColValAccuracy), QStringLiteral("90.00 %"));
    QCOMPARE(cell(inference_, RunsTableModel::ColToTarget), QStringLiteral("fastest at batch 1024"));
  }

 private:
  QTemporaryDir dir_;
  std::filesystem::path db_;
  std::int64_t serving_ = 0, inference_ = 0, training_ = 0;
};

QTEST_MAIN(TestServingReport)
#include "test_serving_report.moc"
