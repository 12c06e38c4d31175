#include "widgets/sweep_summary_view.h"

#include <set>

#include <qcustomplot.h>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "engine/core/errors.h"
#include "widgets/format.h"

namespace batchlab {

SweepSummaryView::SweepSummaryView(QWidget* parent)
    : QWidget(parent), grid_(new QGridLayout), note_(new QLabel(this)) {
  auto* layout = new QVBoxLayout(this);
  note_->setWordWrap(true);
  layout->addWidget(note_);
  layout->addLayout(grid_, 1);
  setRuns({});
}

QCustomPlot* SweepSummaryView::plot(SweepPlotKind kind) const {
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    if (kKinds[i] == kind) return plots_[i];
  return nullptr;
}

QString SweepSummaryView::note() const {
  return note_->text();
}

void SweepSummaryView::setRuns(std::vector<SweepRunPoint> runs, MemoryLimits limits) {
  // Rebuilt rather than cleared: the layout of a built plot (title row, legend row) is its own.
  for (QCustomPlot*& p : plots_) {
    delete p;
    p = nullptr;
  }
  fit_.reset();
  time_fit_.reset();
  std::set<double> batches;
  std::vector<BatchPoint> steps;
  std::vector<BatchPoint> times;
  for (const SweepRunPoint& r : runs) {
    if (r.batch > 0.0) batches.insert(r.batch);
    if (r.summary.steps_to_target)
      steps.push_back({r.batch, static_cast<double>(*r.summary.steps_to_target)});
    if (r.summary.time_to_target_s) times.push_back({r.batch, *r.summary.time_to_target_s});
  }
  if (batches.size() < 2) {
    note_->setText(tr("Tick runs of two or more batch sizes (a sweep) to compare them here."));
    return;
  }
  if (steps.empty()) {
    note_->setText(tr("No ticked run reached a stop target: no steps- or time-to-target fit."));
  } else {
    QString text;
    try {
      fit_ = fit_steps_to_target(steps);
      text = tr("Fit S = S_min(1 + B_noise/B): S_min = %1 steps, B_noise = %2 (R² = %3, %4 "
                "runs).")
                 .arg(format_number(fit_->s_min, 3))
                 .arg(format_number(fit_->b_noise, 3))
                 .arg(format_number(fit_->r2, 3))
                 .arg(fit_->points_used);
    } catch (const Error& e) {
      text = tr("No fit: %1").arg(QString::fromUtf8(e.what()));
    }
    try {
      time_fit_ = fit_time_to_target(times);
      text += QLatin1Char('\n') + tr("Time to target, fit T = α + β/B + γ·B: %1 (R² = %2).")
                                      .arg(time_fit_text(*time_fit_))
                                      .arg(format_number(time_fit_->r2, 3));
    } catch (const Error& e) {
      text += QLatin1Char('\n') + tr("No time fit: %1").arg(QString::fromUtf8(e.what()));
    }
    note_->setText(text);
  }
  SweepOverlays overlays;
  overlays.steps_fit = fit_;
  overlays.time_fit = time_fit_;
  overlays.limits = limits;
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    auto* p = new QCustomPlot(this);
    // The legend sits under the axes in two columns (two or three rows): 250 px leave the axes
    // their room and one row of plots fits the dock of a 1280 × 800 window. Smaller, it scrolls.
    p->setMinimumSize(240, 250);
    style_plot_fonts(*p);
    build_sweep_plot(*p, runs, kKinds[i], overlays);
    grid_->addWidget(p, static_cast<int>(i / 3), static_cast<int>(i % 3));
    plots_[i] = p;
  }
}

}  // namespace batchlab
