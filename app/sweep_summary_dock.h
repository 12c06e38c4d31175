// defines: SweepSummaryDock
// A dock, tabbed with the runs table, holding the SweepSummaryView of the ticked runs: tick the
// runs of a sweep (two or more batch sizes) and it shows their metrics against batch size. Reads
// the finished runs' summaries, and the memory budget and device memory they ran under
// (MemoryLimits), from the store when the ticks change or a run finishes.
#pragma once

#include <QDockWidget>

class QMainWindow;

namespace batchlab {

class RunSession;
class SweepSummaryView;

class SweepSummaryDock final : public QDockWidget {
  Q_OBJECT
 public:
  // Adds itself to `window`, tabbed behind the runs dock when there is one.
  SweepSummaryDock(RunSession& session, QMainWindow* window);

  SweepSummaryView* view() const { return view_; }
  void refresh();

 private:
  RunSession& session_;
  SweepSummaryView* view_;
};

}  // namespace batchlab
