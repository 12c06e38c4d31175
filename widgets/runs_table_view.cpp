#include "widgets/runs_table_view.h"

#include <QHeaderView>

#include "widgets/runs_table_model.h"

namespace batchlab {

RunsTableView::RunsTableView(RunsTableModel* model, QWidget* parent) : QTableView(parent) {
  setModel(model);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setAlternatingRowColors(true);
  setWordWrap(false);
  verticalHeader()->setVisible(false);
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
  QHeaderView* header = horizontalHeader();
  header->setHighlightSections(false);
  header->setSectionResizeMode(QHeaderView::Interactive);
  header->setSectionResizeMode(RunsTableModel::ColShow, QHeaderView::Fixed);
  header->resizeSection(RunsTableModel::ColShow, 46);
  header->setStretchLastSection(true);
  const QFontMetrics fm = fontMetrics();
  const QFontMetrics header_fm(header->font());
  // Widths from the text each column typically holds, and never narrower than its title.
  const auto width_of = [&](const char* sample) { return fm.horizontalAdvance(sample) + 18; };
  header->resizeSection(RunsTableModel::ColName, width_of("#000 fashion-mnist mlp b512 lr0.1"));
  header->resizeSection(RunsTableModel::ColStatus, width_of("out of memory"));
  header->resizeSection(RunsTableModel::ColBatch, width_of("60000"));
  header->resizeSection(RunsTableModel::ColLr, width_of("0.0001"));
  header->resizeSection(RunsTableModel::ColThroughput, width_of("1,234,567"));
  header->resizeSection(RunsTableModel::ColPeakMemory, width_of("123.4 MiB"));
  header->resizeSection(RunsTableModel::ColValAccuracy, width_of("100.00 %"));
  for (int c = RunsTableModel::ColName; c < RunsTableModel::ColumnCount; ++c) {
    const int title = header_fm.horizontalAdvance(
                          model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString()) +
                      24;
    header->resizeSection(c, std::max(header->sectionSize(c), title));
  }
}

QSize RunsTableView::sizeHint() const {
  return {QTableView::sizeHint().width(), verticalHeader()->defaultSectionSize() * 6};
}

}  // namespace batchlab
