// defines: PresentationMode (F5: the window full screen for a class or a talk; Esc leaves)
// Presenting shows one or two plots large and nothing else to read: full screen, the
// experiment and runs docks and the menu bar hidden, the other plots hidden, every plot in
// high_contrast_plot_style() (Okabe–Ito, text ≥ 18 pt, lines ≥ 3 px). The toolbar and the
// status bar stay: the presenter still presses Run and the class still sees the progress.
// Leaving puts back exactly what was there: window state and geometry, docks and toolbars
// (QMainWindow::saveState), every splitter's sizes, which plots showed and their style.
// It works for any run; a lesson names its plots with setPresentedPlots.
#pragma once

#include <vector>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPoint>
#include <QSize>

class QAction;
class QDockWidget;
class QMainWindow;
class QSplitter;
class QWidget;

#include "widgets/plot_style.h"

namespace batchlab {

class LivePlot;

class PresentationMode final : public QObject {
  Q_OBJECT
 public:
  // `plots`: every live plot of the window (shown or hidden as presented). Adds the F5 and Esc
  // actions to `window` itself, so they work while the menu bar is hidden.
  PresentationMode(QMainWindow& window, std::vector<LivePlot*> plots);

  bool active() const { return active_; }
  // The plots shown while presenting (one or two); by default the first two of `plots`.
  void setPresentedPlots(std::vector<LivePlot*> plots);
  const std::vector<LivePlot*>& presentedPlots() const { return presented_; }
  // Docks that stay while presenting (a lesson's panel, the model view it names).
  void setKeptDocks(std::vector<QDockWidget*> docks);
  QAction* toggleAction() const { return toggle_; }

  void enter();
  void leave();
  void toggle() { active_ ? leave() : enter(); }

 signals:
  void activeChanged(bool active);

 private:
  struct Saved {
    Qt::WindowStates window_state;
    QPoint position;  // of the frame, as QWidget::pos()
    QSize size;
    QByteArray dock_state;
    bool menu_bar_visible = true;
    std::vector<QList<int>> splitter_sizes;  // in the order of splitters_
    std::vector<bool> plot_visible;          // in the order of plots_
    std::vector<PlotStyle> plot_style;       // in the order of plots_
  };

  QMainWindow& window_;
  std::vector<LivePlot*> plots_;
  std::vector<LivePlot*> presented_;
  std::vector<QDockWidget*> kept_;
  std::vector<QSplitter*> splitters_;  // found when entering
  QAction* toggle_ = nullptr;
  QAction* leave_ = nullptr;
  bool active_ = false;
  Saved saved_;
};

}  // namespace batchlab
