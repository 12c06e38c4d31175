#include "widgets/runs_table_view.h"

#include <QHeaderView>
#include <QStyledItemDelegate>

#include "widgets/runs_table_model.h"

namespace batchlab {

namespace {

// Every row the same height, as the table's rows were: a line of text and a small margin.
class CompactRowDelegate final : public QStyledItemDelegate {
 public:
  CompactRowDelegate(int height, QObject* parent) : QStyledItemDelegate(parent), height_(height) {}
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    return {QStyledItemDelegate::sizeHint(option, index).width(), height_};
  }

 private:
  int height_;
};

}  // namespace

RunsTableView::RunsTableView(RunsTableModel* model, QWidget* parent)
    : QTreeView(parent), model_(model) {
  setModel(model);
  row_height_ = fontMetrics().height() + 8;
  setItemDelegate(new CompactRowDelegate(row_height_, this));
  setUniformRowHeights(true);
  setRootIsDecorated(true);
  setSortingEnabled(false);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setAllColumnsShowFocus(true);
  setAlternatingRowColors(true);
  setWordWrap(false);
  setIndentation(fontMetrics().height());
  // The arrows and the nesting go with the names, not with the checkboxes.
  setTreePosition(RunsTableModel::ColName);
  QHeaderView* header = this->header();
  header->setHighlightSections(false);
  header->setSectionsMovable(false);
  header->setSectionResizeMode(QHeaderView::Interactive);
  header->setSectionResizeMode(RunsTableModel::ColShow, QHeaderView::Fixed);
  header->resizeSection(RunsTableModel::ColShow, 46);
  header->setStretchLastSection(true);
  const QFontMetrics fm = fontMetrics();
  const QFontMetrics header_fm(header->font());
  // Widths from the text each column typically holds, and never narrower than its title.
  const auto width_of = [&](const char* sample) { return fm.horizontalAdvance(sample) + 18; };
  header->resizeSection(RunsTableModel::ColName,
                        width_of("#000 fashion-mnist mlp b512 lr0.1") + 2 * indentation());
  header->resizeSection(RunsTableModel::ColStatus, width_of("8 runs · 1 out of memory"));
  header->resizeSection(RunsTableModel::ColBatch, width_of("8–512"));
  header->resizeSection(RunsTableModel::ColLr, width_of("0.0001"));
  header->resizeSection(RunsTableModel::ColThroughput, width_of("1,234,567"));
  header->resizeSection(RunsTableModel::ColPeakMemory, width_of("123.4 MiB"));
  header->resizeSection(RunsTableModel::ColValAccuracy, width_of("100.00 %"));
  header->resizeSection(RunsTableModel::ColToTarget, width_of("1,240 steps · 3.2 s"));
  for (int c = RunsTableModel::ColName; c < RunsTableModel::ColumnCount; ++c) {
    const int title = header_fm.horizontalAdvance(
                          model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString()) +
                      24;
    header->resizeSection(c, std::max(header->sectionSize(c), title));
  }
  connect(model, &QAbstractItemModel::rowsInserted, this, &RunsTableView::expandNewGroups);
}

void RunsTableView::expandNewGroups(const QModelIndex& parent, int first, int last) {
  if (parent.isValid()) return;
  for (int row = first; row <= last; ++row)
    if (const QModelIndex group = model_->index(row, 0); model_->startsExpanded(group))
      expand(group);
}

QSize RunsTableView::sizeHint() const {
  return {QTreeView::sizeHint().width(), row_height_ * 6};
}

}  // namespace batchlab
