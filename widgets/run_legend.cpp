#include "widgets/run_legend.h"

#include <algorithm>

#include "qcustomplot.h"
#include "widgets/series_model.h"

namespace batchlab {
namespace {

constexpr int kMaxLabelChars = 24;

// Long names keep both ends: a sweep's run names end in what differs ("b=64 lr=0.05").
QString elide_middle(const QString& text) {
  if (text.size() <= kMaxLabelChars) return text;
  const qsizetype tail = kMaxLabelChars / 2 + 1;
  return text.left(kMaxLabelChars - tail - 1) + QStringLiteral("…") + text.right(tail);
}

// One entry: a short line in `pen` (no icon when the pen is NoPen: "+k more"), then the text.
// Not a QCPPlottableLegendItem: the icon stays the run's colour at the main line's width even
// while the curve itself is drawn thin (a dense band) or faint.
class RunItem final : public QCPAbstractLegendItem {
 public:
  RunItem(QCPLegend* legend, const QPen& pen, const QString& text)
      : QCPAbstractLegendItem(legend), pen_(pen), text_(text) {}

 protected:
  void draw(QCPPainter* painter) override {
    const int icon = iconWidth();
    const QRect text_rect = mRect.adjusted(icon, 0, 0, 0);
    painter->setFont(font());
    painter->setPen(QPen(textColor()));
    painter->drawText(text_rect, Qt::AlignLeft | Qt::AlignVCenter, text_);
    if (icon == 0) return;
    painter->setPen(pen_);
    const double y = mRect.center().y() + 0.5;
    painter->drawLine(QLineF(mRect.left(), y, mRect.left() + mParentLegend->iconSize().width(), y));
  }
  QSize minimumOuterSizeHint() const override {
    const QSize text = QFontMetrics(font()).size(0, text_);
    const int height = std::max(text.height(), mParentLegend->iconSize().height());
    return QSize(iconWidth() + text.width() + mMargins.left() + mMargins.right(),
                 height + mMargins.top() + mMargins.bottom());
  }

 private:
  int iconWidth() const {
    return pen_.style() == Qt::NoPen
               ? 0
               : mParentLegend->iconSize().width() + mParentLegend->iconTextPadding();
  }

  QPen pen_;
  QString text_;
};

}  // namespace

// Why these labels: the runs table and every hover name a run "#id name", so "#id" ties an
// entry to its row and keeps repeats (same name, same batch) apart. A sweep names its runs
// "<sweep> b=64 lr=0.05 seed=2": the words every shown run shares say nothing, so only the
// words that differ are kept ("#3 b=64"; "#3 b=64 lr=0.025" with an LR rule). Runs whose names
// are all alike (the form's experiment run at several batch sizes) get their batch, "#4 B=128",
// which is what a batch-size workbench compares. Anything longer than 24 characters loses its
// middle, keeping the name's start and its distinguishing end.
std::vector<QString> run_legend_labels(const std::vector<const RunSeries*>& runs) {
  std::vector<QStringList> words;
  words.reserve(runs.size());
  for (const RunSeries* run : runs)
    words.push_back(QString::fromStdString(run->name).split(QLatin1Char(' '), Qt::SkipEmptyParts));
  qsizetype prefix = 0, suffix = 0;
  if (runs.size() > 1) {
    qsizetype shortest = words.front().size();
    for (const QStringList& w : words) shortest = std::min(shortest, w.size());
    const auto same_at = [&](auto index_of) {
      for (const QStringList& w : words)
        if (w[index_of(w)] != words.front()[index_of(words.front())]) return false;
      return true;
    };
    while (prefix < shortest && same_at([&](const QStringList&) { return prefix; })) ++prefix;
    while (suffix < shortest - prefix &&
           same_at([&](const QStringList& w) { return w.size() - 1 - suffix; }))
      ++suffix;
  }
  std::vector<QString> labels;
  labels.reserve(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const QStringList& w = words[i];
    const QString distinct = w.mid(prefix, w.size() - prefix - suffix).join(QLatin1Char(' '));
    const QString what =
        distinct.isEmpty() ? QStringLiteral("B=%1").arg(runs[i]->batch_size) : distinct;
    labels.push_back(QStringLiteral("#%1 %2").arg(runs[i]->run_id).arg(elide_middle(what)));
  }
  return labels;
}

RunLegend::RunLegend(QCustomPlot* plot, int max_rows)
    : plot_(plot), legend_(plot->legend), max_rows_(std::max(1, max_rows)) {
  plot_->setAutoAddPlottableToLegend(false);
  legend_->setBorderPen(Qt::NoPen);
  legend_->setBrush(Qt::NoBrush);
  legend_->setRowSpacing(0);
  legend_->setColumnSpacing(8);
  legend_->setSelectableParts(QCPLegend::spNone);
  // Under the axes (the title is row 0, the axes row 1), taking only the height it needs.
  const int row = plot_->plotLayout()->rowCount();
  plot_->plotLayout()->addElement(row, 0, legend_);
  plot_->plotLayout()->setRowStretchFactor(row, 0.001);
  legend_->setMargins(QMargins(6, 0, 4, 2));
  legend_->setVisible(false);
}

int RunLegend::columnsThatFit() const {
  const QFontMetrics metrics(legend_->font());
  const int room = plot_->width() - legend_->margins().left() - legend_->margins().right();
  const int spacing = legend_->columnSpacing();
  const auto fit = [&](int widest) {
    const int item = legend_->iconSize().width() + legend_->iconTextPadding() + widest + 2;
    return std::max(1, (room + spacing) / (item + spacing));
  };
  int widest = 0;
  for (const Entry& e : entries_) widest = std::max(widest, metrics.horizontalAdvance(e.label));
  const int columns = fit(widest);
  if (static_cast<int>(entries_.size()) <= columns * max_rows_) return columns;
  // Some runs go to "+k more": its column must hold that text too.
  return fit(std::max(widest, metrics.horizontalAdvance(QStringLiteral("+888 more"))));
}

void RunLegend::setEntries(std::vector<Entry> entries) {
  const bool same = built_ && entries == entries_ && legend_->font() == font_;
  entries_ = std::move(entries);
  if (same && columnsThatFit() == columns_) return;
  rebuild();
}

void RunLegend::rebuild() {
  built_ = true;
  font_ = legend_->font();
  legend_->clearItems();
  // The icon and its gap grow with the text (a presentation style's 18 pt).
  const int text_height = QFontMetrics(legend_->font()).height();
  legend_->setIconSize(std::max(14, text_height), 9);
  legend_->setIconTextPadding(std::max(4, text_height / 3));
  columns_ = columnsThatFit();
  const int n = static_cast<int>(entries_.size());
  const int room = columns_ * max_rows_;
  shown_ = n <= room ? n : room - 1;
  more_ = n - shown_;
  for (int i = 0; i < shown_; ++i) {
    const Entry& e = entries_[static_cast<std::size_t>(i)];
    legend_->addItem(new RunItem(legend_, e.pen, e.label));
  }
  if (more_ > 0)
    legend_->addItem(new RunItem(legend_, Qt::NoPen, QStringLiteral("+%1 more").arg(more_)));
  legend_->setWrap(columns_);
  legend_->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
  legend_->setVisible(n > 0);
}

QStringList RunLegend::shownLabels() const {
  QStringList out;
  for (int i = 0; i < shown_; ++i) out << entries_[static_cast<std::size_t>(i)].label;
  return out;
}

std::vector<RunLegend::Entry> RunLegend::shownEntries() const {
  return {entries_.begin(), entries_.begin() + shown_};
}

int RunLegend::rows() const {
  const int items = shown_ + (more_ > 0 ? 1 : 0);
  return (items + columns_ - 1) / columns_;
}

}  // namespace batchlab
