// The scaling-model plot (widgets/scaling_plot.h): every point is the model's own number
// (predict_scaling), R runs 1 … 1024 on a log₂ axis, the B_noise crossing of weak scaling is a
// vertical line at R = B_noise / B, the title says "model, not a measurement", and inputs the
// model refuses leave an empty plot and the model's reason.
#include <QtTest>

#include <qcustomplot.h>

#include "widgets/scaling_plot.h"

using namespace batchlab;

namespace {

ScalingInputs inputs() {
  ScalingInputs in;
  in.compute_s_per_sample = 2e-5;  // 20 µs per sample
  in.gradient_bytes = 4e6;         // 1 M parameters
  in.batch = 64;
  in.bytes_per_s = 25e9;  // 200 Gbit/s
  in.latency_s = 2e-6;
  in.max_replicas = 1024;
  return in;
}

QString title_of(QCustomPlot& plot) {
  for (int i = 0; i < plot.plotLayout()->elementCount(); ++i)
    if (auto* t = qobject_cast<QCPTextElement*>(plot.plotLayout()->elementAt(i))) return t->text();
  return {};
}

void same_points(QCPGraph* g, const std::vector<ScalingRow>& rows, bool efficiency) {
  QVERIFY(g);
  QCOMPARE(g->data()->size(), static_cast<int>(rows.size()));
  int i = 0;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it, ++i) {
    const ScalingRow& r = rows[static_cast<std::size_t>(i)];
    QCOMPARE(it->key, static_cast<double>(r.replicas));
    QCOMPARE(it->value, efficiency ? 100.0 * r.efficiency : r.samples_per_s);
  }
}

}  // namespace

class TestScalingPlot : public QObject {
  Q_OBJECT

 private slots:
  void pointsAreTheModelsNumbers() {
    ScalingPlot w;
    QString error;
    QVERIFY(w.setInputs(inputs(), QStringLiteral("infiniband"), error));
    const auto weak = predict_scaling(inputs(), ScalingMode::weak);
    const auto strong = predict_scaling(inputs(), ScalingMode::strong);
    const ScalingPlotParts& p = w.parts();
    same_points(p.weak_rate, weak, false);
    same_points(p.strong_rate, strong, false);
    same_points(p.weak_efficiency, weak, true);
    same_points(p.strong_efficiency, strong, true);
    QCOMPARE(p.weak_rate->data()->size(), 11);   // 1, 2, …, 1024
    QCOMPARE(p.strong_rate->data()->size(), 7);  // 1 … 64: one sample per device
    // Efficiency on the right axis in %, samples/s on a log left axis, R on a log₂ axis.
    QCOMPARE(p.weak_efficiency->valueAxis(), w.plot()->yAxis2);
    QCOMPARE(p.weak_rate->valueAxis(), w.plot()->yAxis);
    QCOMPARE(w.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(w.plot()->xAxis->range().contains(1.0));
    QVERIFY(w.plot()->xAxis->range().contains(1024.0));
    const QString title = title_of(*w.plot());
    QVERIFY2(title.contains(QStringLiteral("model, not a measurement")), qPrintable(title));
    QVERIFY(title.contains(QStringLiteral("infiniband")));
    // Not measured: no line, and the note says so.
    QVERIFY(p.b_noise_line == nullptr);
    QVERIFY(p.note->text().startsWith(QStringLiteral("B_noise not measured")));
  }

  void theBNoiseCrossingIsMarked() {
    ScalingInputs in = inputs();
    in.b_noise = 1000;  // weak: 64·R passes 1000 at R = 15.6
    ScalingPlot w;
    QString error;
    QVERIFY(w.setInputs(in, QStringLiteral("pcie"), error));
    const ScalingPlotParts& p = w.parts();
    QVERIFY(p.b_noise_line != nullptr);
    QCOMPARE(p.b_noise_replicas, 1000.0 / 64.0);
    QCOMPARE(p.b_noise_line->point1->coords().x(), 1000.0 / 64.0);
    QCOMPARE(p.b_noise_line->point2->coords().x(), 1000.0 / 64.0);
    QVERIFY2(p.note->text().contains(QStringLiteral("R ≈ 15.6")), qPrintable(p.note->text()));
    // The rows past it are the ones the model marks.
    for (const auto& r : p.weak) QCOMPARE(r.past_b_noise, r.global_batch > 1000);
    // A run whose own batch is past B_noise: said, no line.
    in.b_noise = 10;
    QVERIFY(w.setInputs(in, QStringLiteral("pcie"), error));
    QVERIFY(w.parts().b_noise_line == nullptr);
    QVERIFY(w.parts().note->text().contains(QStringLiteral("past it already")));
  }

  void refusedInputsLeaveNoPlot() {
    ScalingInputs in = inputs();
    in.bytes_per_s = 0;
    ScalingPlot w;
    QString error;
    QVERIFY(!w.setInputs(in, QStringLiteral("none"), error));
    QVERIFY2(error.contains(QStringLiteral("bandwidth")), qPrintable(error));
    QCOMPARE(w.plot()->graphCount(), 0);
    QVERIFY(w.parts().weak_rate == nullptr);
  }
};

QTEST_MAIN(TestScalingPlot)
#include "test_scaling_plot.moc"
