// defines: ScalingDialog (Run ▸ Scaling model…: the scaling model of one stored run)
// Reads what the model needs from the run (engine/experiment/run_scaling_inputs.h) once, then
// draws it (widgets/scaling_plot.h) for the link chosen: a preset fills bandwidth and latency,
// and editing either redraws with the edited numbers (the link then reads "edited"). A run the
// model cannot use (nothing measured) shows why instead of a plot.
#pragma once

#include <cstdint>
#include <filesystem>

#include <QDialog>

#include "engine/experiment/run_scaling_inputs.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;

namespace batchlab {

class ScalingPlot;

class ScalingDialog final : public QDialog {
  Q_OBJECT
 public:
  ScalingDialog(const std::filesystem::path& store, std::int64_t run_id, QWidget* parent = nullptr);

  // False when the run gave the model nothing to work from; message() says why.
  bool ready() const { return ready_; }
  ScalingPlot* plot() const { return plot_; }
  QComboBox* linkBox() const { return link_; }
  QDoubleSpinBox* bandwidthBox() const { return gbit_; }  // Gbit/s
  QDoubleSpinBox* latencyBox() const { return latency_us_; }
  QLabel* message() const { return message_; }
  // The inputs drawn now (the run's, with the link's bandwidth and latency).
  const ScalingInputs& inputs() const { return inputs_; }

 private:
  void applyPreset();
  void redraw();

  ScalingPlot* plot_ = nullptr;
  QComboBox* link_ = nullptr;
  QDoubleSpinBox* gbit_ = nullptr;
  QDoubleSpinBox* latency_us_ = nullptr;
  QLabel* message_ = nullptr;
  ScalingInputs inputs_;
  bool ready_ = false;
  bool applying_ = false;  // a preset is filling the boxes: one redraw, not two
};

}  // namespace batchlab
