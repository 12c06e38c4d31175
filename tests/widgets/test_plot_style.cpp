// A PlotStyle decides the live plots' fonts, line widths and run colours: the default is the
// look the plots always had (widget font, 2 px run lines, the runs table's colours), the
// high-contrast preset gives lines of 3 px and more and 18 pt text, and switching restyles
// runs already drawn.
#include <QtTest>

#include "widgets/loss_plot.h"
#include "widgets/memory_plot.h"
#include "widgets/plot_style.h"
#include "widgets/run_palette.h"
#include "widgets/schedule_plot.h"
#include "widgets/throughput_plot.h"

using namespace batchlab;

namespace {

StepEvent make_step(std::int64_t run, std::int64_t i) {
  StepEvent e;
  e.run_id = run;
  e.step = i;
  e.epoch = static_cast<double>(i) / 10.0;
  e.samples_seen = i * 32;
  e.batch_size = 32;
  e.lr = 0.01;
  e.loss = 1.0 / static_cast<double>(i);
  e.samples_per_s = 1000.0 + static_cast<double>(i);
  e.wall_s = static_cast<double>(i) * 0.01;
  e.memory = {4000, 4000, 4000, 32 * 1024, 32 * 64, 0};
  return e;
}

}  // namespace

class TestPlotStyle : public QObject {
  Q_OBJECT
 private slots:
  void init();
  void defaultKeepsTodaysLook();
  void highContrastWidensLinesAndEnlargesText();
  void defaultPaletteIsTheRunsTables();

 private:
  SeriesModel model_;
};

void TestPlotStyle::init() {
  model_.clear();
  for (std::int64_t run = 1; run <= 2; ++run)
    for (std::int64_t i = 1; i <= 20; ++i) model_.append(make_step(run, i));
}

void TestPlotStyle::defaultKeepsTodaysLook() {
  const QFont app = QApplication::font();
  ThroughputPlot tp(model_);
  tp.resize(600, 300);
  tp.refresh(true);
  QCOMPARE(tp.averageGraph(1)->pen().widthF(), 2.0);
  QCOMPARE(tp.rawGraph(1)->pen().widthF(), 1.0);
  QCOMPARE(tp.averageGraph(2)->pen().color(), run_colour(2));
  QCOMPARE(tp.rawGraph(2)->pen().color().alpha(), 55);
  QCOMPARE(tp.plot()->xAxis->labelFont().pointSizeF(), app.pointSizeF());
  QCOMPARE(tp.plot()->yAxis->tickLabelFont().pointSizeF(), app.pointSizeF());
  QCOMPARE(tp.plot()->legend->font().pointSizeF(), app.pointSizeF() * 0.85);

  LossPlot loss(model_);
  loss.resize(600, 300);
  loss.setSmoothing(0.5);
  loss.refresh(true);
  QCOMPARE(loss.smoothGraph(1)->pen().widthF(), 2.0);  // 20 points: sparse, the full width
  QCOMPARE(loss.validationGraph(1)->pen().widthF(), 1.5);

  SchedulePlot schedule(model_);
  schedule.refresh(true);
  QCOMPARE(schedule.batchGraph(1)->pen().widthF(), 2.0);
  QCOMPARE(schedule.lrGraph(1)->pen().widthF(), 1.5);
  QCOMPARE(schedule.plannedBatchGraph()->pen().widthF(), 1.5);
  QCOMPARE(schedule.plannedBatchGraph()->pen().style(), Qt::DashLine);
}

void TestPlotStyle::highContrastWidensLinesAndEnlargesText() {
  const PlotStyle contrast = high_contrast_plot_style();
  ThroughputPlot tp(model_);
  tp.resize(600, 300);
  tp.refresh(true);
  tp.setStyle(contrast);
  tp.refresh(true);
  QVERIFY(tp.averageGraph(1)->pen().widthF() >= 3.0);
  QVERIFY(tp.rawGraph(1)->pen().widthF() >= 3.0);
  QCOMPARE(tp.averageGraph(1)->pen().color(), QColor(0x0072b2));  // Okabe–Ito blue
  for (QCPAxis* axis : {tp.plot()->xAxis, tp.plot()->yAxis}) {
    QVERIFY(axis->labelFont().pointSizeF() >= 18.0);
    QVERIFY(axis->tickLabelFont().pointSizeF() >= 18.0);
  }
  QVERIFY(tp.plot()->legend->font().pointSizeF() >= 18.0);

  LossPlot loss(model_);
  loss.setSmoothing(0.5);
  loss.setStyle(contrast);
  loss.refresh(true);
  QVERIFY(loss.smoothGraph(1)->pen().widthF() >= 3.0);
  QVERIFY(loss.validationGraph(1)->pen().widthF() >= 3.0);

  // What the schedule plot draws outside its runs (the plan) is restyled too.
  SchedulePlot schedule(model_);
  schedule.setStyle(contrast);
  QVERIFY(schedule.plannedBatchGraph()->pen().widthF() >= 3.0);
  QVERIFY(schedule.batchGraph(1)->pen().widthF() >= 3.0);
  QVERIFY(schedule.plot()->yAxis2->labelFont().pointSizeF() >= 18.0);

  // And back: the default style is today's look again.
  tp.setStyle(default_plot_style());
  tp.refresh(true);
  QCOMPARE(tp.averageGraph(1)->pen().widthF(), 2.0);
  QCOMPARE(tp.plot()->xAxis->labelFont().pointSizeF(), QApplication::font().pointSizeF());
}

void TestPlotStyle::defaultPaletteIsTheRunsTables() {
  // The runs table colours its rows with run_colour: the plots must agree with it, rounds included.
  const PlotStyle style = default_plot_style();
  for (std::int64_t id = 0; id <= 45; ++id) QCOMPARE(style.runColour(id), run_colour(id));
  const PlotStyle contrast = high_contrast_plot_style();
  QVERIFY(contrast.runColour(1) != contrast.runColour(2));
  QVERIFY(contrast.line_width >= 3 && contrast.thin_width >= 3 && contrast.font_pt >= 18);
}

QTEST_MAIN(TestPlotStyle)
#include "test_plot_style.moc"
