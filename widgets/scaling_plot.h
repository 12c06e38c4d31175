// defines: ScalingPlotParts, build_scaling_plot, ScalingPlot
// The data-parallel scaling model (metrics/scaling_model.h) drawn against the replica count R on
// a log₂ axis from 1 to 1024: predicted samples/s (left axis, log) and scaling efficiency (right
// axis, %, dashed) for weak scaling (per-device batch kept, blue) and strong scaling (global
// batch kept, orange), with the point where weak scaling's global batch R·B passes the run's
// B_noise marked by a vertical line. It is a prediction from one run, never a measurement, and its
// title says so in those words. build_scaling_plot fills any QCustomPlot (the dialog's, the
// report's); ScalingPlot is the widget the window shows. Threading: GUI thread only.
#pragma once

#include <vector>

#include <QString>
#include <QWidget>

#include "engine/metrics/scaling_model.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace batchlab {

inline constexpr const char* kScalingModelWords = "model, not a measurement";

struct ScalingPlotParts {
  std::vector<ScalingRow> weak, strong;  // what predict_scaling said, drawn as they are
  QCPGraph* weak_rate = nullptr;         // samples/s
  QCPGraph* strong_rate = nullptr;
  QCPGraph* weak_efficiency = nullptr;  // in %
  QCPGraph* strong_efficiency = nullptr;
  QCPItemStraightLine* b_noise_line = nullptr;  // null: not measured, or never crossed
  QCPItemText* note = nullptr;                  // B_noise said in words
  double b_noise_replicas = 0.0;                // R where R·B = B_noise (weak), 0: none
};

// Clears `plot` and draws the model for `in` (max_replicas as given); `link` names the link for
// the subtitle ("infiniband, 200 Gbit/s, 2 µs"). Throws Error for inputs the model refuses.
ScalingPlotParts build_scaling_plot(QCustomPlot& plot, const ScalingInputs& in,
                                    const QString& link);

class ScalingPlot final : public QWidget {
  Q_OBJECT
 public:
  explicit ScalingPlot(QWidget* parent = nullptr);
  // Redraws for `in`; false with the model's reason in `error` (the plot is then empty).
  bool setInputs(const ScalingInputs& in, const QString& link, QString& error);
  const ScalingPlotParts& parts() const { return parts_; }
  QCustomPlot* plot() const { return plot_; }

 private:
  QCustomPlot* plot_ = nullptr;
  ScalingPlotParts parts_;
};

}  // namespace batchlab
