#include "app/run_progress.h"

#include <algorithm>
#include <cmath>

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>

#include "app/run_controller.h"
#include "widgets/format.h"
#include "widgets/runs_table_model.h"

namespace batchlab {

RunProgress::RunProgress(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  sweep_ = new QLabel(this);
  sweep_->setVisible(false);
  device_ = new QLabel(this);
  step_ = new QLabel(tr("idle"), this);
  bar_ = new QProgressBar(this);
  bar_->setRange(0, 1000);
  bar_->setValue(0);
  bar_->setMaximumWidth(220);
  bar_->setMinimumWidth(120);
  bar_->setTextVisible(true);
  bar_->setFormat(QStringLiteral("%p %"));
  eta_ = new QLabel(this);
  queued_ = new QLabel(this);
  for (QLabel* l : {sweep_, device_, step_, eta_, queued_}) l->setTextFormat(Qt::PlainText);
  layout->addWidget(sweep_);
  layout->addWidget(device_);
  layout->addWidget(step_);
  layout->addWidget(bar_);
  layout->addWidget(eta_);
  layout->addWidget(queued_);
}

void RunProgress::onStarted(const RunStarted& e) {
  device_->setText(QString::fromStdString(e.device) + QStringLiteral("  ·"));
  planned_steps_ = e.planned_steps;
  time_limit_s_ = e.config.stop.time_limit_s.value_or(0.0);
  fraction_ = planned_steps_ > 0 || time_limit_s_ > 0 ? 0.0 : -1.0;
  step_->setText(tr("run #%1 starting").arg(e.run_id));
  bar_->setRange(0, fraction_ < 0 ? 0 : 1000);  // busy indicator when no limit is known
  bar_->setValue(0);
  eta_->setText(QString());
}

void RunProgress::onStep(const StepEvent& e) {
  const QLocale c(QLocale::English);
  QString text = tr("step %1").arg(c.toString(static_cast<qlonglong>(e.step)));
  if (planned_steps_ > 0)
    text += QStringLiteral(" / %1").arg(c.toString(static_cast<qlonglong>(planned_steps_)));
  text += tr(" · epoch %1").arg(e.epoch, 0, 'f', 2);
  if (paused_) text += tr(" · paused");
  step_->setText(text);
  double f = -1;
  if (planned_steps_ > 0) f = static_cast<double>(e.step) / static_cast<double>(planned_steps_);
  if (time_limit_s_ > 0) f = std::max(f, e.wall_s / time_limit_s_);
  fraction_ = f < 0 ? -1 : std::clamp(f, 0.0, 1.0);
  if (fraction_ >= 0) {
    bar_->setRange(0, 1000);
    bar_->setValue(static_cast<int>(std::lround(fraction_ * 1000)));
    const double remaining = fraction_ > 1e-6 ? e.wall_s * (1 - fraction_) / fraction_ : NAN;
    eta_->setText(tr("ETA %1").arg(format_duration(remaining)));
  } else {
    eta_->setText(tr("elapsed %1").arg(format_duration(e.wall_s)));
  }
}

void RunProgress::onFinished(const RunFinished& e) {
  step_->setText(
      tr("run #%1 %2 after %3 steps")
          .arg(e.run_id)
          .arg(status_text(e.status))
          .arg(QLocale(QLocale::English).toString(static_cast<qlonglong>(e.summary.steps))));
  bar_->setRange(0, 1000);
  bar_->setValue(e.status == RunStatus::completed || e.status == RunStatus::target_reached
                     ? 1000
                     : bar_->value());
  eta_->setText(tr("took %1").arg(format_duration(e.summary.time_s)));
}

void RunProgress::setQueued(int queued) {
  queued_->setText(queued > 0 ? tr("· %n queued", nullptr, queued) : QString());
}

void RunProgress::setPaused(bool paused) {
  paused_ = paused;
}

void RunProgress::setSweep(const SweepStatus& s) {
  if (s.done) {
    sweep_->clear();
    sweep_->setVisible(false);
    return;
  }
  // The run being worked on: the one starting, or the next once one has finished.
  const int current = s.starting ? s.index + 1 : std::min(s.index + 2, s.total);
  QString text = tr("sweep %1: run %2 of %3").arg(s.name).arg(current).arg(s.total);
  if (std::isfinite(s.eta_s)) text += tr(" · at most %1 left").arg(format_duration(s.eta_s));
  sweep_->setText(text + QStringLiteral("  ·"));
  sweep_->setToolTip(s.starting ? tr("Now: %1").arg(s.label)
                                : tr("Last: %1 %2").arg(s.label, status_text(s.run_status)));
  sweep_->setVisible(true);
}

QString RunProgress::sweepText() const {
  return sweep_->text();
}

QString RunProgress::stepText() const {
  return step_->text();
}
QString RunProgress::etaText() const {
  return eta_->text();
}

}  // namespace batchlab
