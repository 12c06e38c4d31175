// defines: LessonServingDock (the Inference view inside the main window, for a lesson's
//          serving step)
// Lesson 6 asks which batcher meets a p99 objective at the highest load, then shows it. The
// class must see the latency–throughput curves and the Lesson panel's answer side by side (and
// both in presentation mode, which keeps only named docks), so the step's sweep runs in an
// InferenceWindow embedded in this dock rather than in the separate Ctrl+I window: the same
// views and the same ServingJob. The dock becomes the Lesson panel's serving runner and hands
// the finished sweep (or the failure) back to it to judge.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

#include <QDockWidget>

#include "engine/core/run_config.h"

namespace batchlab {

class InferenceWindow;
class LessonDock;
struct PlotStyle;

class LessonServingDock final : public QDockWidget {
  Q_OBJECT
 public:
  LessonServingDock(LessonDock& lesson, std::function<std::filesystem::path()> store,
                    QWidget* parent = nullptr);

  InferenceWindow* view() const { return view_; }
  void setPlotStyle(const PlotStyle& style);

 private:
  InferenceWindow* view_ = nullptr;
};

}  // namespace batchlab
