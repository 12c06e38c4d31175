#include "app/presentation_mode.h"

#include <algorithm>

#include <QAction>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenuBar>
#include <QSplitter>

#include "widgets/live_plot.h"

namespace batchlab {

PresentationMode::PresentationMode(QMainWindow& window, std::vector<LivePlot*> plots)
    : QObject(&window), window_(window), plots_(std::move(plots)) {
  presented_.assign(plots_.begin(), plots_.begin() + std::min<std::ptrdiff_t>(2, std::ssize(plots_)));
  toggle_ = new QAction(tr("Presentation mode"), this);
  toggle_->setObjectName(QStringLiteral("presentAction"));
  toggle_->setShortcut(QKeySequence(Qt::Key_F5));
  toggle_->setCheckable(true);
  toggle_->setToolTip(tr("Full screen, one or two plots large, high-contrast colours and large "
                         "text for a class or a talk (F5; Esc leaves)"));
  connect(toggle_, &QAction::triggered, this, [this](bool on) { on ? enter() : leave(); });
  leave_ = new QAction(tr("Leave presentation mode"), this);
  leave_->setShortcut(QKeySequence(Qt::Key_Escape));
  leave_->setEnabled(false);  // Esc keeps its usual meaning (dialogs, editors) otherwise
  connect(leave_, &QAction::triggered, this, &PresentationMode::leave);
  // On the window, not only in a menu: the menu bar is hidden while presenting.
  window_.addAction(toggle_);
  window_.addAction(leave_);
}

void PresentationMode::setPresentedPlots(std::vector<LivePlot*> plots) {
  presented_ = std::move(plots);
  if (!active_) return;
  for (LivePlot* p : plots_)
    p->setVisible(std::find(presented_.begin(), presented_.end(), p) != presented_.end());
}

void PresentationMode::setKeptDocks(std::vector<QDockWidget*> docks) {
  kept_ = std::move(docks);
  if (!active_) return;
  for (QDockWidget* dock : window_.findChildren<QDockWidget*>())
    dock->setVisible(std::find(kept_.begin(), kept_.end(), dock) != kept_.end());
}

void PresentationMode::enter() {
  if (active_) return;
  active_ = true;
  const QList<QSplitter*> splitters = window_.centralWidget()->findChildren<QSplitter*>();
  splitters_.assign(splitters.begin(), splitters.end());
  saved_ = Saved{};
  saved_.window_state = window_.windowState();
  saved_.position = window_.pos();
  saved_.size = window_.size();
  saved_.dock_state = window_.saveState();
  saved_.menu_bar_visible = window_.menuBar()->isVisible();
  for (QSplitter* s : splitters_) saved_.splitter_sizes.push_back(s->sizes());
  for (LivePlot* p : plots_) {
    saved_.plot_visible.push_back(p->isVisibleTo(&window_));
    saved_.plot_style.push_back(p->style());
  }

  for (QDockWidget* dock : window_.findChildren<QDockWidget*>())
    dock->setVisible(std::find(kept_.begin(), kept_.end(), dock) != kept_.end());
  window_.menuBar()->hide();
  const PlotStyle style = high_contrast_plot_style();
  for (LivePlot* p : plots_) {
    p->setVisible(std::find(presented_.begin(), presented_.end(), p) != presented_.end());
    p->setStyle(style);
  }
  window_.setWindowState(window_.windowState() | Qt::WindowFullScreen);
  toggle_->setChecked(true);
  leave_->setEnabled(true);
  emit activeChanged(true);
}

void PresentationMode::leave() {
  if (!active_) return;
  active_ = false;
  // First, so what listeners set for presenting (fonts, minimum widths) is undone before the
  // saved layout is put back over it.
  emit activeChanged(false);
  window_.setWindowState(saved_.window_state);
  // Position (of the frame) and size, not restoreGeometry(): that one re-adds the frame offset
  // on some platforms and the window creeps by a title bar each time. A maximised window's
  // rectangle is the window manager's to give back.
  if (!(saved_.window_state & (Qt::WindowMaximized | Qt::WindowFullScreen))) {
    window_.resize(saved_.size);
    window_.move(saved_.position);
  }
  window_.menuBar()->setVisible(saved_.menu_bar_visible);
  for (std::size_t i = 0; i < plots_.size(); ++i) {
    plots_[i]->setVisible(saved_.plot_visible[i]);
    plots_[i]->setStyle(saved_.plot_style[i]);
  }
  // After the plots are back, so each splitter has its children to share the sizes among.
  for (std::size_t i = 0; i < splitters_.size(); ++i) splitters_[i]->setSizes(saved_.splitter_sizes[i]);
  window_.restoreState(saved_.dock_state);
  toggle_->setChecked(false);
  leave_->setEnabled(false);
}

}  // namespace batchlab
