#include "app/sweep_dialog.h"

#include <algorithm>
#include <cmath>

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "engine/core/errors.h"
#include "engine/experiment/atomic_file.h"
#include "engine/experiment/config_io.h"
#include "widgets/format.h"
#include "widgets/problem_label.h"

namespace batchlab {
namespace {

constexpr int kRefreshDelayMs = 250;
constexpr const char* kSource = "sweep dialog";

QStringList split_list(const QString& text) {
  static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
  return text.split(separators, Qt::SkipEmptyParts);
}

std::vector<std::int64_t> parse_batches(const QString& text) {
  std::vector<std::int64_t> out;
  for (const QString& item : split_list(text)) {
    bool ok = false;
    const qlonglong b = item.toLongLong(&ok);
    if (!ok || b < 1)
      throw ConfigError(kSource, "batch_sizes",
                        "\"" + item.toStdString() + "\" is not a whole number ≥ 1");
    out.push_back(b);
  }
  if (out.empty()) throw ConfigError(kSource, "batch_sizes", "list at least one batch size");
  return out;
}

std::vector<double> parse_rates(const QString& text) {
  std::vector<double> out;
  for (const QString& item : split_list(text)) {
    bool ok = false;
    const double lr = QLocale::c().toDouble(item, &ok);
    if (!ok || !(lr > 0))
      throw ConfigError(kSource, "learning_rates",
                        "\"" + item.toStdString() + "\" is not a positive number");
    out.push_back(lr);
  }
  return out;
}

QTableWidgetItem* cell(const QString& text, bool right = true) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  if (right) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

QString join_batches(const std::vector<std::int64_t>& batches) {
  QStringList parts;
  for (const std::int64_t b : batches) parts << QString::number(b);
  return parts.join(QStringLiteral(", "));
}

// A pow2 list a, 2a, … b: shown as the from/to pair instead of a list.
bool is_pow2_run(const std::vector<std::int64_t>& b) {
  if (b.size() < 2 || (b[0] & (b[0] - 1)) != 0) return false;
  for (std::size_t i = 1; i < b.size(); ++i)
    if (b[i] != 2 * b[i - 1]) return false;
  return true;
}

// The calibration measures the base config at the smallest and largest batch size: it is
// redone only when one of those changes.
std::string calibration_key(const SweepConfig& sweep) {
  const auto [lo, hi] = std::minmax_element(sweep.batch_sizes.begin(), sweep.batch_sizes.end());
  RunConfig base = sweep.base;
  base.name.clear();
  return run_config_to_json(base).dump() + "|" + std::to_string(*lo) + "|" + std::to_string(*hi);
}

QString stop_text(const StopConfig& stop) {
  QStringList parts;
  if (stop.epochs) parts << QObject::tr("%1 epochs").arg(*stop.epochs, 0, 'g', 4);
  if (stop.max_steps) parts << QObject::tr("%1 steps").arg(*stop.max_steps);
  if (stop.time_limit_s) parts << format_duration(*stop.time_limit_s);
  if (stop.target)
    parts << QStringLiteral("%1 %2 %3")
                 .arg(QString::fromUtf8(to_string(stop.target->metric).data()),
                      stop.target->metric == TargetMetric::val_accuracy ? QStringLiteral("≥")
                                                                        : QStringLiteral("≤"))
                 .arg(stop.target->value, 0, 'g', 4);
  return parts.join(QObject::tr(" or "));
}

}  // namespace

SweepDialog::SweepDialog(const RunConfig& form_config, QWidget* parent)
    : QDialog(parent), form_config_(form_config) {
  buildUi();
  SweepConfig initial;
  initial.name = form_config.name.empty() ? "sweep" : form_config.name;
  initial.base = form_config;
  // A first suggestion around the form's batch size: a factor of 8 either side, in powers of two.
  const std::int64_t b = std::max<std::int64_t>(1, form_config.batch.size);
  const auto p2 = static_cast<std::int64_t>(std::exp2(std::floor(std::log2(double(b)))));
  initial.batch_sizes = pow2_batch_sizes(std::max<std::int64_t>(1, p2 / 8), p2 * 8);
  initial.lr_scaling = form_config.batch.lr_scaling;
  fillFrom(initial);
  refresh_timer_.setSingleShot(true);
  refresh_timer_.setInterval(kRefreshDelayMs);
  connect(&refresh_timer_, &QTimer::timeout, this, &SweepDialog::refresh);
  connect(&watcher_, &QFutureWatcher<Calibration>::finished, this, &SweepDialog::onCalibrated);
  refresh();
}

SweepDialog::~SweepDialog() {
  calibration_control_.request_stop();
  watcher_.waitForFinished();
}

void SweepDialog::buildUi() {
  setWindowTitle(tr("Sweep over batch sizes"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

  source_ = new QComboBox(this);
  source_->addItem(tr("the experiment form"), QString());
  for (const SweepPresetInfo& p : list_sweep_presets())
    source_->addItem(tr("preset: %1").arg(QString::fromStdString(p.title)),
                     QString::fromStdString(p.name));
  source_->setToolTip(tr("The run every batch size starts from"));
  form->addRow(tr("Base experiment"), source_);
  base_ = new QLabel(this);
  base_->setWordWrap(true);
  base_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // Spanning both columns: in the field column alone a word-wrapped label takes the width of
  // its first line, not of the dialog.
  form->addRow(base_);

  name_ = new QLineEdit(this);
  name_->setToolTip(tr("Names the sweep in the runs table and prefixes every run's name"));
  form->addRow(tr("Name"), name_);

  list_ = new QRadioButton(tr("list"), this);
  pow2_ = new QRadioButton(tr("powers of two from"), this);
  auto* group = new QButtonGroup(this);
  group->addButton(list_);
  group->addButton(pow2_);
  batch_list_ = new QLineEdit(this);
  batch_list_->setPlaceholderText(tr("8, 32, 128"));
  pow2_from_ = new QSpinBox(this);
  pow2_to_ = new QSpinBox(this);
  for (QSpinBox* s : {pow2_from_, pow2_to_}) {
    s->setRange(1, 1 << 30);
    s->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
  }
  auto* batches = new QGridLayout;
  batches->addWidget(list_, 0, 0);
  batches->addWidget(batch_list_, 0, 1, 1, 3);
  batches->addWidget(pow2_, 1, 0);
  batches->addWidget(pow2_from_, 1, 1);
  batches->addWidget(new QLabel(tr("to"), this), 1, 2);
  batches->addWidget(pow2_to_, 1, 3);
  batches->setColumnStretch(1, 1);
  batches->setColumnStretch(3, 1);
  form->addRow(tr("Batch sizes"), batches);

  lrs_ = new QLineEdit(this);
  lrs_->setToolTip(tr("Every batch size runs at each of these (empty: the base's learning rate)"));
  form->addRow(tr("Learning rates"), lrs_);

  rule_ = new QComboBox(this);
  rule_->addItem(tr("none — the same lr at every batch size"),
                 static_cast<int>(LrScalingRule::none));
  rule_->addItem(tr("linear — lr × B / base, with warmup (Goyal et al.)"),
                 static_cast<int>(LrScalingRule::linear));
  rule_->addItem(tr("square root — lr × √(B / base)"), static_cast<int>(LrScalingRule::sqrt));
  rule_base_ = new QSpinBox(this);
  rule_base_->setRange(1, 1 << 30);
  rule_base_->setPrefix(tr("base batch "));
  warmup_ = new QDoubleSpinBox(this);
  warmup_->setRange(0, 1000);
  warmup_->setDecimals(2);
  warmup_->setSuffix(tr(" warmup epochs"));
  auto* rule_row = new QHBoxLayout;
  rule_row->addWidget(rule_, 1);
  rule_row->addWidget(rule_base_);
  rule_row->addWidget(warmup_);
  form->addRow(tr("LR scaling"), rule_row);

  repeats_ = new QSpinBox(this);
  repeats_->setRange(1, 50);
  repeats_->setToolTip(
      tr("Runs per setting, with seeds base, base+1, …: error bars in the summary"));
  form->addRow(tr("Repeats"), repeats_);
  layout->addLayout(form);

  problem_ = make_problem_label(this);
  problem_->setVisible(false);
  layout->addWidget(problem_);
  hint_ = new QLabel(this);
  hint_->setWordWrap(true);
  hint_->setVisible(false);
  layout->addWidget(hint_);

  table_ = new QTableWidget(0, ColumnCount, this);
  table_->setHorizontalHeaderLabels(
      {tr("#"), tr("run"), tr("batch"), tr("lr"), tr("seed"), tr("steps"), tr("time")});
  table_->horizontalHeaderItem(ColLr)->setToolTip(
      tr("The learning rate once any warmup is over (the scaling rule applied)"));
  table_->horizontalHeaderItem(ColSteps)->setToolTip(
      tr("Planned updates; a run that reaches its target stops sooner"));
  table_->horizontalHeaderItem(ColTime)->setToolTip(
      tr("Estimated from a few timed steps on this machine: at most this long"));
  table_->verticalHeader()->setVisible(false);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(ColRun, QHeaderView::Stretch);
  table_->setMinimumHeight(180);
  layout->addWidget(table_, 1);
  total_ = new QLabel(this);
  total_->setWordWrap(true);
  layout->addWidget(total_);

  auto* buttons = new QDialogButtonBox(this);
  save_ = buttons->addButton(tr("Save sweep…"), QDialogButtonBox::ActionRole);
  save_->setToolTip(tr("Write the sweep as JSON, for batchlab-cli sweep FILE"));
  start_ = buttons->addButton(tr("Start sweep"), QDialogButtonBox::AcceptRole);
  start_->setDefault(true);
  buttons->addButton(QDialogButtonBox::Cancel);
  layout->addWidget(buttons);
  resize(760, 640);

  connect(source_, &QComboBox::currentIndexChanged, this, [this] {
    const QString name = source_->currentData().toString();
    if (name.isEmpty()) {
      preset_.reset();
      description_.clear();
      scheduleRefresh();
      return;
    }
    QString error;
    if (!loadPreset(name, error)) setProblem(error);
  });
  for (QLineEdit* e : {name_, batch_list_, lrs_})
    connect(e, &QLineEdit::textEdited, this, &SweepDialog::scheduleRefresh);
  for (QSpinBox* s : {pow2_from_, pow2_to_, rule_base_, repeats_})
    connect(s, &QSpinBox::valueChanged, this, &SweepDialog::scheduleRefresh);
  connect(warmup_, &QDoubleSpinBox::valueChanged, this, &SweepDialog::scheduleRefresh);
  connect(rule_, &QComboBox::currentIndexChanged, this, &SweepDialog::scheduleRefresh);
  connect(list_, &QRadioButton::toggled, this, &SweepDialog::scheduleRefresh);
  connect(save_, &QPushButton::clicked, this, &SweepDialog::save);
  connect(start_, &QPushButton::clicked, this, &SweepDialog::onStart);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SweepDialog::fillFrom(const SweepConfig& sweep) {
  const QSignalBlocker blocks[] = {QSignalBlocker(name_),      QSignalBlocker(batch_list_),
                                   QSignalBlocker(pow2_from_), QSignalBlocker(pow2_to_),
                                   QSignalBlocker(lrs_),       QSignalBlocker(rule_),
                                   QSignalBlocker(rule_base_), QSignalBlocker(warmup_),
                                   QSignalBlocker(repeats_),   QSignalBlocker(list_)};
  name_->setText(QString::fromStdString(sweep.name));
  batch_list_->setText(join_batches(sweep.batch_sizes));
  const bool pow2 = is_pow2_run(sweep.batch_sizes);
  pow2_->setChecked(pow2);
  list_->setChecked(!pow2);
  if (!sweep.batch_sizes.empty()) {
    pow2_from_->setValue(static_cast<int>(sweep.batch_sizes.front()));
    pow2_to_->setValue(static_cast<int>(sweep.batch_sizes.back()));
  }
  QStringList rates;
  for (const double lr : sweep.learning_rates) rates << QString::number(lr, 'g', 6);
  lrs_->setText(rates.join(QStringLiteral(", ")));
  lrs_->setPlaceholderText(tr("the base's %1").arg(sweep.base.optimizer.lr, 0, 'g', 6));
  const LrScalingConfig scaling = sweep.lr_scaling.value_or(sweep.base.batch.lr_scaling);
  rule_->setCurrentIndex(rule_->findData(static_cast<int>(scaling.rule)));
  rule_base_->setValue(static_cast<int>(scaling.base_batch));
  warmup_->setValue(scaling.warmup_epochs);
  repeats_->setValue(sweep.repeats);
}

SweepConfig SweepDialog::sweep() const {
  SweepConfig s;
  s.name = name_->text().trimmed().toStdString();
  if (s.name.empty()) throw ConfigError(kSource, "name", "give the sweep a name");
  s.description = description_.toStdString();
  s.base = preset_ ? preset_->base : form_config_;
  if (list_->isChecked())
    s.batch_sizes = parse_batches(batch_list_->text());
  else
    s.batch_sizes = pow2_batch_sizes(pow2_from_->value(), pow2_to_->value(), kSource);
  s.learning_rates = parse_rates(lrs_->text());
  LrScalingConfig scaling;
  scaling.rule = static_cast<LrScalingRule>(rule_->currentData().toInt());
  scaling.base_batch = rule_base_->value();
  scaling.warmup_epochs = warmup_->value();
  s.lr_scaling = scaling;
  s.repeats = repeats_->value();
  return s;
}

void SweepDialog::scheduleRefresh() {
  refresh_timer_.start();
}

void SweepDialog::refresh() {
  refresh_timer_.stop();
  const bool by_list = list_->isChecked();
  batch_list_->setEnabled(by_list);
  pow2_from_->setEnabled(!by_list);
  pow2_to_->setEnabled(!by_list);
  const bool scaled = rule_->currentData().toInt() != static_cast<int>(LrScalingRule::none);
  rule_base_->setEnabled(scaled);
  warmup_->setEnabled(rule_->currentData().toInt() == static_cast<int>(LrScalingRule::linear));

  plans_.clear();
  std::optional<SweepConfig> sweep_now;
  try {
    sweep_now = sweep();
    plans_ = expand_sweep(*sweep_now, kSource);
    setProblem(QString());
  } catch (const std::exception& e) {
    setProblem(QString::fromUtf8(e.what()));
  }
  const RunConfig& base = sweep_now ? sweep_now->base : (preset_ ? preset_->base : form_config_);
  QString base_text = tr("%1 · MLP %2 · %3 lr %4 · stop at %5")
                          .arg(QString::fromStdString(base.dataset.kind))
                          .arg([&] {
                            QStringList w;
                            for (const int h : base.model.hidden) w << QString::number(h);
                            return w.join(QLatin1Char('-'));
                          }())
                          .arg(QString::fromUtf8(to_string(base.optimizer.kind).data()))
                          .arg(base.optimizer.lr, 0, 'g', 4)
                          .arg(stop_text(base.stop));
  if (!description_.isEmpty()) base_text += QStringLiteral("\n") + description_;
  base_->setText(base_text);
  hint_->setText(
      tr("No stop target: the runs will not measure steps- or time-to-target, so "
         "the summary has no S_min / B_noise fit. Set a target in the experiment "
         "form's Stop section first."));
  hint_->setVisible(valid() && !base.stop.target);

  if (sweep_now && valid()) {
    const std::string key = calibration_key(*sweep_now);
    if (key != step_time_key_ && key != calibrating_key_) startCalibration(*sweep_now, key);
  }
  showPreview();
}

void SweepDialog::startCalibration(const SweepConfig& sweep, const std::string& key) {
  // One calibration at a time: a newer request waits for the current one to stop (a step or
  // two) and starts from onCalibrated.
  if (watcher_.isRunning()) {
    calibration_control_.request_stop();
    return;
  }
  calibrating_key_ = key;
  calibration_error_.clear();
  calibration_control_.reset();
  RunControl* control = &calibration_control_;
  watcher_.setFuture(QtConcurrent::run([sweep, control] {
    Calibration c;
    try {
      c.model = calibrate_step_time(sweep, {.control = control});
    } catch (const std::exception& e) {
      c.error = QString::fromUtf8(e.what());
    }
    return c;
  }));
}

void SweepDialog::onCalibrated() {
  const Calibration c = watcher_.result();
  const bool stopped = calibration_control_.stop_requested();
  if (!stopped) {
    step_time_key_ = calibrating_key_;
    step_time_ = c.model;
    calibration_error_ = c.error;
  }
  calibrating_key_.clear();
  if (stopped) {
    refresh();  // the fields changed under it: measure what they say now
    return;
  }
  if (!calibration_error_.isEmpty()) setProblem(calibration_error_);
  showPreview();
  emit calibrated();
}

void SweepDialog::showPreview() {
  const bool current = !calibrating_key_.empty() ? false : step_time_ && step_time_->known();
  SweepEstimate estimate;
  if (current) estimate = estimate_sweep(plans_, *step_time_);
  const QLocale c(QLocale::English);
  table_->setRowCount(static_cast<int>(plans_.size()));
  for (std::size_t i = 0; i < plans_.size(); ++i) {
    const SweepRunPlan& p = plans_[i];
    const int row = static_cast<int>(i);
    table_->setItem(row, ColIndex, cell(QString::number(p.index + 1)));
    table_->setItem(row, ColRun, cell(QString::fromStdString(p.config.name), false));
    table_->setItem(row, ColBatch, cell(c.toString(static_cast<qlonglong>(p.batch_size))));
    table_->setItem(row, ColLr, cell(QString::number(p.scaled_lr, 'g', 4)));
    table_->setItem(row, ColSeed, cell(QString::number(p.seed)));
    QString steps = QStringLiteral("…");
    QString time = QStringLiteral("…");
    if (current) {
      const RunEstimate& r = estimate.runs[i];
      steps = r.bounded && r.steps > 0 ? c.toString(static_cast<qlonglong>(r.steps)) : tr("—");
      time = format_duration(r.seconds);
    }
    table_->setItem(row, ColSteps, cell(steps));
    table_->setItem(row, ColTime, cell(time));
  }
  const bool ok = valid() && !plans_.empty();
  start_->setEnabled(ok);
  save_->setEnabled(ok);
  total_->setText(totalText());
}

QString SweepDialog::totalText() const {
  if (!valid() || plans_.empty()) return QString();
  const QString runs = format_count(static_cast<long long>(plans_.size()), tr("run"), tr("runs"));
  if (!calibrating_key_.empty())
    return tr("%1 · timing a few steps on this machine for the estimate…").arg(runs);
  if (!step_time_ || !step_time_->known())
    return tr("%1 · no time estimate (the timing steps did not finish)").arg(runs);
  const SweepEstimate estimate = estimate_sweep(plans_, *step_time_);
  if (!std::isfinite(estimate.total_s))
    return tr("%1 · no total: a run has no epoch, step or time limit").arg(runs);
  QString text =
      tr("%1 · at most %2 (runs that reach their target end sooner) · step time from %3")
          .arg(runs, format_duration(estimate.total_s), QString::fromStdString(step_time_->basis));
  if (machine_busy_)
    text += tr(" — timed while another run was training, so probably longer than it will be");
  return text;
}

void SweepDialog::restoreFields(const SweepConfig& earlier) {
  SweepConfig fields = earlier;
  fields.base = form_config_;
  preset_.reset();
  description_.clear();
  {
    const QSignalBlocker block(source_);
    source_->setCurrentIndex(0);
  }
  fillFrom(fields);
  refresh();
}

void SweepDialog::setMachineBusy(bool busy) {
  machine_busy_ = busy;
  total_->setText(totalText());
}

QString SweepDialog::baseText() const {
  return base_->text();
}

void SweepDialog::setProblem(const QString& text) {
  problem_text_ = text;
  problem_->setText(text);
  problem_->setVisible(!text.isEmpty());
}

void SweepDialog::setName(const QString& name) {
  name_->setText(name);
  scheduleRefresh();
}

void SweepDialog::setBatchSizes(const QString& list) {
  list_->setChecked(true);
  batch_list_->setText(list);
  scheduleRefresh();
}

void SweepDialog::setPow2(int from, int to) {
  pow2_->setChecked(true);
  pow2_from_->setValue(from);
  pow2_to_->setValue(to);
  scheduleRefresh();
}

void SweepDialog::setLearningRates(const QString& list) {
  lrs_->setText(list);
  scheduleRefresh();
}

void SweepDialog::setLrScaling(LrScalingRule rule, std::int64_t base_batch, double warmup_epochs) {
  rule_->setCurrentIndex(rule_->findData(static_cast<int>(rule)));
  rule_base_->setValue(static_cast<int>(base_batch));
  warmup_->setValue(warmup_epochs);
  scheduleRefresh();
}

void SweepDialog::setRepeats(int repeats) {
  repeats_->setValue(repeats);
  scheduleRefresh();
}

bool SweepDialog::loadPreset(const QString& name, QString& error) {
  try {
    SweepConfig loaded = load_sweep_config(name.toStdString());
    preset_ = loaded;
    description_ = QString::fromStdString(loaded.description);
    fillFrom(loaded);
    // A preset by name is in the list already; a sweep file joins it, so the chooser never
    // claims the form is the base when it is not.
    int at = source_->findData(name);
    if (at < 0) {
      source_->addItem(tr("file: %1").arg(QFileInfo(name).fileName()), name);
      at = source_->count() - 1;
    }
    {
      const QSignalBlocker block(source_);
      source_->setCurrentIndex(at);
    }
    refresh();
    return true;
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
}

bool SweepDialog::saveTo(const QString& path, QString& error) const {
  try {
    const std::string text = sweep_config_to_json(sweep()).dump(2) + "\n";
    write_file_atomically(path.toStdString(), [&](std::ostream& out) { out << text; });
    return true;
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
}

void SweepDialog::save() {
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Save sweep"), name_->text().trimmed() + QStringLiteral(".json"),
      tr("Sweep config (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  if (!saveTo(path, error)) setProblem(tr("Not saved: %1").arg(error));
}

void SweepDialog::onStart() {
  refresh();
  if (!valid() || plans_.empty()) return;
  // A stale calibration (fields changed since) would give a wrong first ETA: send none then.
  std::optional<StepTimeModel> model;
  if (calibrating_key_.empty() && step_time_ && step_time_->known()) model = step_time_;
  emit startSweep(sweep(), model);
  accept();
}

}  // namespace batchlab
