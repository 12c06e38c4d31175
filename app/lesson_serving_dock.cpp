#include "app/lesson_serving_dock.h"

#include "app/inference_window.h"
#include "app/lesson_dock.h"
#include "widgets/plot_style.h"

namespace batchlab {

LessonServingDock::LessonServingDock(LessonDock& lesson,
                                     std::function<std::filesystem::path()> store,
                                     QWidget* parent)
    : QDockWidget(tr("Inference (lesson)"), parent) {
  setObjectName(QStringLiteral("lessonServingDock"));
  setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
              QDockWidget::DockWidgetClosable);
  // A lesson's serving config names its own model, so the form's is never asked for.
  view_ = new InferenceWindow([] { return std::optional<RunConfig>{}; }, store(), this);
  view_->setWindowFlags(Qt::Widget);  // embedded, not its own top-level window
  // The lesson fixes the config and the panel beside gives the answer: the curves get the room.
  view_->setControlsVisible(false);
  setWidget(view_);
  lesson.setServingRunner([this, store](const ServingConfig& config, QString& error) {
    view_->setStorePath(store());
    show();
    raise();
    return view_->serveConfig(config, error);
  });
  connect(&view_->job(), &ServingJob::sweepResult, &lesson, &LessonDock::servingFinished);
  connect(&view_->job(), &ServingJob::failed, &lesson, &LessonDock::servingFailed);
}

void LessonServingDock::setPlotStyle(const PlotStyle& style) {
  view_->setPlotStyle(style);
}

}  // namespace batchlab
