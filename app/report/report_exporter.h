// defines: ReportExporter (the window's "Export report…" and "Compare…" actions)
// Reports on the runs ticked in the runs table (finished ones; a running run has no summary yet)
// to a PDF or HTML file chosen in a save dialog. Rendering takes well under a second for a sweep,
// so it happens on the GUI thread.
#pragma once

#include <cstdint>
#include <vector>

#include <QObject>
#include <QString>

class QAction;
class QWidget;

namespace batchlab {

class RunSession;

class ReportExporter final : public QObject {
  Q_OBJECT
 public:
  ReportExporter(RunSession& session, QWidget* window);

  QAction* action() const { return action_; }
  // "Compare…": the ticked runs side by side (CompareDialog).
  QAction* compareAction() const { return compare_; }
  // The runs a report would cover: the ticked rows that have finished, oldest first.
  std::vector<std::int64_t> chosenRuns() const;
  // Writes the report without asking; true on success, else `error` says why.
  bool exportTo(const QString& path, QString& error) const;

 signals:
  void exported(const QString& path);

 private:
  void exportWithDialog();
  void compare();

  RunSession& session_;
  QWidget* window_;
  QAction* action_;
  QAction* compare_;
};

}  // namespace batchlab
