// defines: RunsTableView (the runs table: compact rows, sized columns, checkbox per run)
#pragma once

#include <QTableView>

namespace batchlab {

class RunsTableModel;

class RunsTableView final : public QTableView {
  Q_OBJECT
 public:
  explicit RunsTableView(RunsTableModel* model, QWidget* parent = nullptr);
  QSize sizeHint() const override;
};

}  // namespace batchlab
