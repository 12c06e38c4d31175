// The loss and throughput plots name every ticked run that has a curve in a legend under the
// axes: one entry per run in the run's colour, labelled by what tells the runs apart, at most
// two rows however many runs are ticked (the rest summed up as "+k more").
#include <QtTest>

#include "widgets/loss_plot.h"
#include "widgets/run_legend.h"
#include "widgets/throughput_plot.h"

using namespace batchlab;

namespace {

void add_run(SeriesModel& model, std::int64_t id, const std::string& name, std::int64_t batch,
             int steps) {
  RunSeries& run = model.ensure(id);
  run.name = name;
  for (std::int64_t i = 1; i <= steps; ++i) {
    StepEvent e;
    e.run_id = id;
    e.step = i;
    e.epoch = static_cast<double>(i) / 10.0;
    e.samples_seen = i * batch;
    e.batch_size = batch;
    e.loss = 1.0 / static_cast<double>(i + id);
    e.samples_per_s = 1000.0 * static_cast<double>(id);
    e.wall_s = static_cast<double>(i) * 0.01;
    model.append(e);
  }
}

std::vector<const RunSeries*> runs_of(const SeriesModel& model) {
  std::vector<const RunSeries*> out;
  for (const auto& [id, run] : model.runs()) out.push_back(&run);
  return out;
}

int legend_items(QCustomPlot* plot) {
  return plot->legend->itemCount();
}

}  // namespace

class TestRunLegend : public QObject {
  Q_OBJECT
 private slots:
  void labelsKeepWhatTellsRunsApart();
  void oneEntryPerTickedRunWithACurve();
  void manyRunsStayWithinTwoRows();
};

void TestRunLegend::labelsKeepWhatTellsRunsApart() {
  SeriesModel sweep;
  add_run(sweep, 3, "spirals-batch-sizes b=8 lr=0.005", 8, 1);
  add_run(sweep, 4, "spirals-batch-sizes b=64 lr=0.005", 64, 1);
  add_run(sweep, 5, "spirals-batch-sizes b=256 lr=0.005", 256, 1);
  QCOMPARE(run_legend_labels(runs_of(sweep)),
           (std::vector<QString>{"#3 b=8", "#4 b=64", "#5 b=256"}));
  // The same experiment at several batch sizes: the names say nothing, the batch does.
  SeriesModel same;
  add_run(same, 1, "Two spirals MLP", 32, 1);
  add_run(same, 2, "Two spirals MLP", 128, 1);
  QCOMPARE(run_legend_labels(runs_of(same)), (std::vector<QString>{"#1 B=32", "#2 B=128"}));
  // One run: its name; a long one keeps both ends.
  SeriesModel one;
  add_run(one, 7, "Two spirals MLP", 32, 1);
  QCOMPARE(run_legend_labels(runs_of(one)), (std::vector<QString>{"#7 Two spirals MLP"}));
  add_run(one, 8, "a very long experiment name that goes on b=512", 512, 1);
  const QString long_label = run_legend_labels(runs_of(one)).back();
  QVERIFY2(long_label.startsWith("#8 a very") && long_label.endsWith("on b=512") &&
               long_label.contains(QStringLiteral("…")) && long_label.size() <= 3 + 24,
           qPrintable(long_label));
}

void TestRunLegend::oneEntryPerTickedRunWithACurve() {
  SeriesModel model;
  for (std::int64_t id = 1; id <= 6; ++id)
    add_run(model, id, "sweep b=" + std::to_string(8 << id), 8 << id, 20);
  RunStarted started;  // a run that has started but not stepped: no curve, no entry
  started.run_id = 7;
  started.name = "sweep b=2048";
  model.on_started(started);
  add_run(model, 8, "sweep b=4096", 4096, 20);
  model.set_visible(8, false);  // unticked: no entry either

  LossPlot loss(model);
  ThroughputPlot tp(model);
  for (LivePlot* p : std::initializer_list<LivePlot*>{&loss, &tp}) {
    p->resize(900, 400);
    p->show();
    QVERIFY(QTest::qWaitForWindowExposed(p));
    p->refresh(true);
  }
  const QStringList want{"#1 b=16", "#2 b=32", "#3 b=64", "#4 b=128", "#5 b=256", "#6 b=512"};
  QCOMPARE(loss.runLegend().shownLabels(), want);
  QCOMPARE(loss.runLegend().moreCount(), 0);
  QCOMPARE(legend_items(loss.plot()), 6);
  QVERIFY(loss.plot()->legend->visible());
  // Each icon is the run's colour at the main line's width.
  const auto entries = loss.runLegend().shownEntries();
  QCOMPARE(entries.front().pen.color(), loss.smoothGraph(1)->pen().color());
  QCOMPARE(entries.back().pen.color(), loss.smoothGraph(6)->pen().color());
  QVERIFY(entries.front().pen.color() != entries.back().pen.color());
  QCOMPARE(entries.front().pen.widthF(), 2.0);
  QCOMPARE(tp.runLegend().shownLabels(), want);
  QCOMPARE(legend_items(tp.plot()), 6);
  QCOMPARE(tp.runLegend().shownEntries().at(2).pen.color(), tp.averageGraph(3)->pen().color());
  // The legend sits under the axes, not over the curves.
  QVERIFY(loss.plot()->legend->outerRect().top() >= loss.plot()->axisRect()->outerRect().bottom());

  // Unticking a run takes its entry away; ticking none hides the legend.
  model.set_visible(3, false);
  loss.refresh(true);
  QCOMPARE(loss.runLegend().shownLabels().size(), 5);
  QVERIFY(!loss.runLegend().shownLabels().contains("#3 b=64"));
  for (std::int64_t id = 1; id <= 6; ++id) model.set_visible(id, false);
  loss.refresh(true);
  QVERIFY(loss.runLegend().shownLabels().isEmpty());
  QVERIFY(!loss.plot()->legend->visible());
}

void TestRunLegend::manyRunsStayWithinTwoRows() {
  SeriesModel model;
  for (std::int64_t id = 1; id <= 24; ++id)
    add_run(model, id, "big sweep b=" + std::to_string(id * 16) + " lr=0.01", id * 16, 5);
  LossPlot loss(model);
  loss.resize(420, 300);
  loss.show();
  QVERIFY(QTest::qWaitForWindowExposed(&loss));
  loss.refresh(true);
  const RunLegend& legend = loss.runLegend();
  QVERIFY2(legend.rows() <= 2, qPrintable(QString::number(legend.rows())));
  QVERIFY(legend.moreCount() > 0);
  QCOMPARE(static_cast<int>(legend.shownLabels().size()) + legend.moreCount(), 24);
  QCOMPARE(legend.shownLabels().front(), QString("#1 b=16"));
  QCOMPARE(legend_items(loss.plot()),
           static_cast<int>(legend.shownLabels().size()) + 1);  // "+k more"
  // Wider, more of them fit, still in two rows.
  const auto narrow = legend.shownLabels().size();
  loss.resize(1400, 300);
  QTest::qWait(50);
  loss.refresh(true);
  QVERIFY(loss.runLegend().rows() <= 2);
  QVERIFY(loss.runLegend().shownLabels().size() > narrow);
}

QTEST_MAIN(TestRunLegend)
#include "test_run_legend.moc"
