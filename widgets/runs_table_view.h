// defines: RunsTableView (the runs table: a tree of sweeps and runs, compact rows, sized columns)
// The expand arrows sit in the name column so the checkbox column stays narrow. A sweep group
// that starts running while the view is open opens expanded (RunsTableModel::startsExpanded);
// groups loaded from the store stay collapsed until clicked.
#pragma once

#include <QTreeView>

namespace batchlab {

class RunsTableModel;

class RunsTableView final : public QTreeView {
  Q_OBJECT
 public:
  explicit RunsTableView(RunsTableModel* model, QWidget* parent = nullptr);
  QSize sizeHint() const override;

 private:
  void expandNewGroups(const QModelIndex& parent, int first, int last);

  RunsTableModel* model_;
  int row_height_ = 0;
};

}  // namespace batchlab
