#include "app/batch_finder_dialog.h"

#include <cmath>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "widgets/format.h"
#include "widgets/problem_label.h"

namespace batchlab {
namespace {

QTableWidgetItem* cell(const QString& text, bool right = true) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  if (right) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

}  // namespace

BatchFinderDialog::BatchFinderDialog(const RunConfig& config, QWidget* parent)
    : QDialog(parent), config_(config) {
  setWindowTitle(tr("Find batch size — %1")
                     .arg(config.name.empty() ? tr("the form's experiment")
                                              : QString::fromStdString(config.name)));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  mode_ = new QComboBox(this);
  mode_->addItem(tr("power — double until out of memory"), static_cast<int>(FinderMode::power));
  mode_->addItem(tr("binsearch — then bisect to the exact limit"),
                 static_cast<int>(FinderMode::binsearch));
  form->addRow(tr("Mode"), mode_);

  device_limit_ = new QRadioButton(tr("the device's own limit"), this);
  budget_ = new QRadioButton(tr("a budget of"), this);
  budget_mb_ = new QLineEdit(this);
  budget_mb_->setPlaceholderText(tr("MiB"));
  budget_mb_->setMaximumWidth(fontMetrics().horizontalAdvance(QStringLiteral("0000000.00")) + 16);
  auto* budget_row = new QHBoxLayout;
  budget_row->addWidget(device_limit_);
  budget_row->addWidget(budget_);
  budget_row->addWidget(budget_mb_);
  budget_row->addWidget(new QLabel(tr("MiB"), this));
  budget_row->addStretch(1);
  form->addRow(tr("Memory"), budget_row);
  if (config.memory_budget_mb) {
    budget_->setChecked(true);
    budget_mb_->setText(QString::number(*config.memory_budget_mb, 'g', 8));
  } else {
    device_limit_->setChecked(true);
  }

  initial_ = new QSpinBox(this);
  initial_->setRange(1, 1 << 30);
  initial_->setValue(1);
  initial_->setToolTip(tr("The first batch tried"));
  form->addRow(tr("Start at batch"), initial_);
  steps_ = new QSpinBox(this);
  steps_->setRange(1, 100);
  steps_->setValue(3);
  steps_->setToolTip(tr("Timed training steps per trial, after one warm-up step"));
  form->addRow(tr("Steps per trial"), steps_);
  layout->addLayout(form);

  problem_ = make_problem_label(this);
  problem_->setVisible(false);
  layout->addWidget(problem_);

  table_ = new QTableWidget(0, ColumnCount, this);
  table_->setHorizontalHeaderLabels(
      {tr("batch"), tr("result"), tr("samples/s"), tr("measured"), tr("predicted")});
  table_->horizontalHeaderItem(ColMeasured)
      ->setToolTip(
          tr("The memory accountant's peak (what it held when an allocation was refused)"));
  table_->horizontalHeaderItem(ColPredicted)->setToolTip(tr("The memory model's total"));
  table_->verticalHeader()->setVisible(false);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setMinimumHeight(200);
  layout->addWidget(table_, 1);

  findings_ = new QLabel(this);
  findings_->setWordWrap(true);
  findings_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(findings_);

  auto* buttons = new QDialogButtonBox(this);
  find_ = buttons->addButton(tr("Find"), QDialogButtonBox::ActionRole);
  stop_ = buttons->addButton(tr("Stop"), QDialogButtonBox::ActionRole);
  use_ = buttons->addButton(tr("Use this batch size"), QDialogButtonBox::AcceptRole);
  buttons->addButton(QDialogButtonBox::Close);
  layout->addWidget(buttons);
  resize(640, 520);

  connect(find_, &QPushButton::clicked, this, [this] { start(); });
  connect(stop_, &QPushButton::clicked, this, &BatchFinderDialog::stop);
  connect(use_, &QPushButton::clicked, this, [this] {
    if (const std::int64_t b = chosenBatch(); b > 0) {
      emit useBatch(b);
      accept();
    }
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(budget_, &QRadioButton::toggled, budget_mb_, &QLineEdit::setEnabled);
  budget_mb_->setEnabled(budget_->isChecked());
  connect(table_, &QTableWidget::itemSelectionChanged, this, &BatchFinderDialog::updateButtons);
  connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &BatchFinderDialog::onFinished);
  updateButtons();
}

BatchFinderDialog::~BatchFinderDialog() {
  // The worker holds `this` (its trial callback): stop it and wait before going.
  control_.request_stop();
  watcher_.waitForFinished();
}

void BatchFinderDialog::setMode(FinderMode mode) {
  mode_->setCurrentIndex(mode_->findData(static_cast<int>(mode)));
}
void BatchFinderDialog::setBudgetMb(std::optional<double> mb) {
  (mb ? budget_ : device_limit_)->setChecked(true);
  budget_mb_->setText(mb ? QString::number(*mb, 'g', 8) : QString());
}
void BatchFinderDialog::setSteps(int steps) {
  steps_->setValue(steps);
}

bool BatchFinderDialog::start() {
  if (running_) return false;
  BatchFinderOptions options;
  options.mode = static_cast<FinderMode>(mode_->currentData().toInt());
  options.initial = initial_->value();
  options.steps = steps_->value();
  problem_->setVisible(false);
  if (budget_->isChecked()) {
    bool ok = false;
    const double mb = budget_mb_->text().trimmed().toDouble(&ok);
    if (!ok || !(mb > 0) || !std::isfinite(mb)) {
      problem_->setText(tr("Budget: give a positive number of MiB, or choose the device's limit"));
      problem_->setVisible(true);
      return false;
    }
    options.budget_mb = mb;
  }
  RunConfig config = config_;
  // The finder's own budget choice wins; "device limit" means no budget at all.
  config.memory_budget_mb = options.budget_mb;
  table_->setRowCount(0);
  findings_->setText(tr("Searching…"));
  result_.reset();
  control_.reset();
  running_ = true;
  updateButtons();
  watcher_.setFuture(QtConcurrent::run([this, config, options] {
    Outcome out;
    try {
      out.result = find_batch_size(
          config, options,
          [this](const BatchTrial& trial) {
            // Rows appear as trials end; the dialog's thread owns the table.
            QMetaObject::invokeMethod(
                this, [this, trial] { addTrial(trial); }, Qt::QueuedConnection);
          },
          &control_, "form");
    } catch (const std::exception& e) {
      out.error = QString::fromUtf8(e.what());
    }
    return out;
  }));
  return true;
}

void BatchFinderDialog::stop() {
  if (running_) control_.request_stop();
}

void BatchFinderDialog::addTrial(const BatchTrial& t) {
  const int row = table_->rowCount();
  table_->insertRow(row);
  table_->setItem(row, ColBatch, cell(QString::number(t.batch)));
  auto* fits = cell(t.fits ? tr("fits") : tr("out of memory"), false);
  fits->setForeground(t.fits ? QColor(0x2e7d32) : QColor(0xc0392b));
  if (!t.error.empty()) fits->setToolTip(QString::fromStdString(t.error));
  table_->setItem(row, ColFits, fits);
  table_->setItem(row, ColRate,
                  cell(std::isfinite(t.samples_per_s)
                           ? QLocale(QLocale::English)
                                 .toString(static_cast<qlonglong>(std::llround(t.samples_per_s)))
                           : QStringLiteral("—")));
  // Out of memory: what was held when the next allocation was refused, and that allocation.
  table_->setItem(
      row, ColMeasured,
      cell(t.fits || t.requested_bytes <= 0
               ? format_bytes(t.measured_peak_bytes)
               : tr("%1 + %2 refused")
                     .arg(format_bytes(t.measured_peak_bytes), format_bytes(t.requested_bytes))));
  table_->setItem(row, ColPredicted, cell(format_bytes(t.predicted_bytes)));
  table_->item(row, ColBatch)->setData(Qt::UserRole, static_cast<qlonglong>(t.batch));
  table_->item(row, ColBatch)->setData(Qt::UserRole + 1, t.fits);
  table_->scrollToBottom();
}

void BatchFinderDialog::onFinished() {
  running_ = false;
  const Outcome out = watcher_.result();
  // Trial rows queued before the result still arrive first: the same thread, in order.
  if (!out.error.isEmpty()) {
    findings_->setText(tr("The search could not run: %1").arg(out.error));
  } else {
    result_ = out.result;
    findings_->setText(findings());
  }
  updateButtons();
  emit searchFinished();
}

QString BatchFinderDialog::findings() const {
  if (!result_) return findings_->text();
  const BatchFinderResult& r = *result_;
  QStringList lines;
  const QString limit = r.budget_bytes > 0
                            ? tr("a budget of %1").arg(format_bytes(r.budget_bytes))
                            : tr("the device's limit (%1)").arg(QString::fromStdString(r.device));
  if (r.largest_fit <= 0)
    lines << tr("Not even a batch of 1 fits in %1.").arg(limit);
  else if (r.limited_by_dataset)
    lines << tr("Every training row (%1) fits in one batch in %2: the dataset, not memory, is "
                "the limit.")
                 .arg(r.train_rows)
                 .arg(limit);
  else
    lines << tr("Largest batch that fits in %1: %2%3.")
                 .arg(limit)
                 .arg(r.largest_fit)
                 .arg(r.smallest_failure > 0 ? tr(" (%1 does not)").arg(r.smallest_failure)
                                             : QString());
  if (r.best_throughput_batch > 0)
    lines << tr("Best throughput among those tried: batch %1 at %2.")
                 .arg(r.best_throughput_batch)
                 .arg(format_rate(r.best_samples_per_s));
  if (r.stopped) lines << tr("Stopped before the search ended.");
  return lines.join(QLatin1Char('\n'));
}

std::int64_t BatchFinderDialog::chosenBatch() const {
  const auto selected = table_->selectedItems();
  for (QTableWidgetItem* item : selected) {
    QTableWidgetItem* batch = table_->item(item->row(), ColBatch);
    if (batch && batch->data(Qt::UserRole + 1).toBool())
      return batch->data(Qt::UserRole).toLongLong();
  }
  return result_ ? result_->largest_fit : 0;
}

void BatchFinderDialog::updateButtons() {
  find_->setEnabled(!running_);
  stop_->setEnabled(running_);
  for (QWidget* w :
       std::initializer_list<QWidget*>{mode_, device_limit_, budget_, initial_, steps_})
    w->setEnabled(!running_);
  budget_mb_->setEnabled(!running_ && budget_->isChecked());
  const std::int64_t chosen = running_ ? 0 : chosenBatch();
  use_->setEnabled(chosen > 0);
  use_->setText(chosen > 0 ? tr("Use batch size %1").arg(chosen) : tr("Use this batch size"));
}

}  // namespace batchlab
