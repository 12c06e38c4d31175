#include "widgets/experiment_form.h"

#include <map>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "engine/core/errors.h"
#include "engine/data/load_dataset.h"
#include "engine/experiment/config_io.h"
#include "widgets/dataset_preview.h"

namespace batchlab {
namespace {

QString qs(std::string_view s) {
  return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

template <typename E>
QStringList names_of() {
  QStringList out;
  for (auto n : enum_names<E>()) out << qs(n);
  return out;
}

QString number(double v) {
  return QString::number(v, 'g', 12);
}

bool is_file_kind(const QString& kind) {
  return kind == "fashion-mnist" || kind == "mnist" || kind == "idx" || kind == "csv";
}

}  // namespace

ExperimentForm::ExperimentForm(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  auto* top = new QFormLayout;
  buildPresetRow(top);
  layout->addLayout(top);
  layout->addWidget(buildDatasetGroup());
  layout->addWidget(buildModelGroup());
  layout->addWidget(buildOptimizerGroup());
  layout->addWidget(buildBatchGroup());
  layout->addWidget(buildStopGroup());
  layout->addWidget(buildDeviceGroup());
  problem_label_ = new QLabel(this);
  problem_label_->setWordWrap(true);
  problem_label_->setStyleSheet(QStringLiteral("color: #c0392b; font-weight: bold;"));
  layout->addWidget(problem_label_);
  layout->addStretch(1);
  setConfig(RunConfig{});
}

void ExperimentForm::buildPresetRow(QFormLayout* form) {
  preset_ = new QComboBox(this);
  preset_->addItem(tr("(custom)"));
  try {
    for (const auto& p : list_presets()) {
      preset_->addItem(QString::fromStdString(p.title), QString::fromStdString(p.name));
      preset_->setItemData(preset_->count() - 1, QString::fromStdString(p.description),
                           Qt::ToolTipRole);
    }
  } catch (const std::exception& e) {
    preset_->setToolTip(QString::fromUtf8(e.what()));
  }
  preset_->setToolTip(tr("Start from a saved experiment"));
  form->addRow(tr("Preset"), preset_);
  preset_description_ = new QLabel(this);
  preset_description_->setWordWrap(true);
  preset_description_->setStyleSheet(QStringLiteral("color: palette(mid);"));
  form->addRow(preset_description_);
  auto* name = new QLineEdit(this);
  name->setPlaceholderText(tr("automatic (dataset, model, batch)"));
  form->addRow(tr("Run name"), fields_.add(QStringLiteral("name"), name));
  connect(name, &QLineEdit::textEdited, this, &ExperimentForm::onEdited);
  connect(preset_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
    if (index <= 0) return;
    QString error;
    if (!loadPreset(preset_->itemData(index).toString(), {}, error)) {
      problem_label_->setText(error);
      preset_->setCurrentIndex(0);
    }
  });
}

QLineEdit* ExperimentForm::lineField(QFormLayout* form, const QString& label, const QString& key,
                                     const QString& tip) {
  auto* edit = new QLineEdit(this);
  edit->setToolTip(tip);
  edit->setWhatsThis(tip);
  form->addRow(label, fields_.add(key, edit));
  rows_.emplace_back(form, key);
  connect(edit, &QLineEdit::textChanged, this, &ExperimentForm::onEdited);
  return edit;
}

QComboBox* ExperimentForm::comboField(QFormLayout* form, const QString& label, const QString& key,
                                      const QStringList& items, const QString& tip) {
  auto* combo = new QComboBox(this);
  combo->addItems(items);
  combo->setToolTip(tip);
  form->addRow(label, fields_.add(key, combo));
  rows_.emplace_back(form, key);
  connect(combo, &QComboBox::currentTextChanged, this, &ExperimentForm::onEdited);
  return combo;
}

QCheckBox* ExperimentForm::checkField(QFormLayout* form, const QString& label, const QString& key,
                                      const QString& tip) {
  auto* check = new QCheckBox(label, this);
  check->setToolTip(tip);
  form->addRow(QString(), fields_.add(key, check));
  rows_.emplace_back(form, key);
  connect(check, &QCheckBox::toggled, this, &ExperimentForm::onEdited);
  return check;
}

QWidget* ExperimentForm::buildDatasetGroup() {
  auto* box = new QGroupBox(tr("Dataset"), this);
  auto* form = new QFormLayout(box);
  QStringList kinds;
  for (auto k : synthetic_dataset_kinds()) kinds << qs(k);
  kinds << "fashion-mnist"
        << "mnist"
        << "idx"
        << "csv";
  comboField(form, tr("Kind"), "dataset.kind", kinds, tr("A built-in synthetic set or a file"));

  auto* path = new QLineEdit(this);
  path->setPlaceholderText(QString::fromLatin1(kFashionMnistDir));
  path->setToolTip(tr("IDX folder (train-/t10k-*-ubyte[.gz]) or CSV file"));
  auto* browse = new QPushButton(tr("…"), this);
  browse->setToolTip(tr("Choose the folder or file"));
  browse->setMaximumWidth(browse->fontMetrics().horizontalAdvance("……") + 16);
  form->addRow(tr("Path"), fields_.add("dataset.path", path, browse));
  rows_.emplace_back(form, "dataset.path");
  connect(path, &QLineEdit::textChanged, this, &ExperimentForm::onEdited);
  connect(browse, &QPushButton::clicked, this, [this, path] {
    const QString chosen =
        text("dataset.kind") == "csv"
            ? QFileDialog::getOpenFileName(this, tr("CSV file"), path->text(),
                                           tr("CSV (*.csv);;All files (*)"))
            : QFileDialog::getExistingDirectory(this, tr("IDX folder"), path->text());
    if (!chosen.isEmpty()) path->setText(chosen);
  });
  lineField(form, tr("Target column"), "dataset.target", tr("Name or 0-based index; empty: last"));
  lineField(form, tr("Samples"), "dataset.samples", tr("Rows to generate"));
  lineField(form, tr("Noise"), "dataset.noise", tr("Noise level of the generator (σ)"));
  lineField(form, tr("Classes"), "dataset.classes", tr("Number of classes"));
  lineField(form, tr("Features"), "dataset.features", tr("Input dimensions (blobs, linear)"));
  lineField(form, tr("Train limit"), "dataset.train_limit", tr("Training rows to use; 0: all"));
  lineField(form, tr("Validation"), "dataset.validation",
            tr("A fraction held out (0.2), or “test” for the dataset's own test split"));
  lineField(form, tr("Seed"), "seed", tr("Seeds data generation, splits, init and sampling"));
  preview_ = new DatasetPreview(box);
  form->addRow(preview_);
  return box;
}

QWidget* ExperimentForm::buildModelGroup() {
  auto* box = new QGroupBox(tr("Model (MLP)"), this);
  auto* form = new QFormLayout(box);
  lineField(form, tr("Hidden layers"), "model.hidden", tr("Widths, comma separated: 64, 64"));
  comboField(form, tr("Activation"), "model.activation", names_of<Activation>(), {});
  comboField(form, tr("Init"), "model.init", names_of<Init>(), {});
  return box;
}

QWidget* ExperimentForm::buildOptimizerGroup() {
  auto* box = new QGroupBox(tr("Optimizer"), this);
  auto* form = new QFormLayout(box);
  comboField(form, tr("Kind"), "optimizer.kind", names_of<OptimizerKind>(), {});
  lineField(form, tr("Learning rate"), "optimizer.lr", tr("Step size before any scaling rule"));
  lineField(form, tr("Momentum"), "optimizer.momentum", tr("SGD momentum in [0, 1)"));
  checkField(form, tr("Nesterov"), "optimizer.nesterov", tr("Nesterov momentum"));
  lineField(form, tr("Weight decay"), "optimizer.weight_decay", tr("L2 penalty; 0: none"));
  return box;
}

QWidget* ExperimentForm::buildBatchGroup() {
  auto* box = new QGroupBox(tr("Batch"), this);
  auto* form = new QFormLayout(box);
  comboField(form, tr("Strategy"), "batch.strategy", names_of<BatchStrategy>(),
             tr("full: B = N; mini: B as given; stochastic: B = 1"));
  lineField(form, tr("Batch size"), "batch.size", tr("Effective batch B each update sees"));
  lineField(form, tr("Accumulate"), "batch.accumulate",
            tr("Split B into this many micro-batches: less memory, same maths"));
  comboField(form, tr("Sampling"), "batch.sampling", names_of<Sampling>(),
             tr("reshuffle every epoch, fixed order, or with replacement"));
  checkField(form, tr("Drop last partial batch"), "batch.drop_last", {});
  comboField(form, tr("LR scaling"), "batch.lr_scaling.rule", names_of<LrScalingRule>(),
             tr("Scale the LR with B / base batch: linear (Goyal et al.) or sqrt"));
  lineField(form, tr("Base batch"), "batch.lr_scaling.base_batch", tr("B₀ the LR was tuned for"));
  lineField(form, tr("Warm-up epochs"), "batch.lr_scaling.warmup_epochs",
            tr("Ramp from lr to the scaled lr over this many epochs"));
  return box;
}

QWidget* ExperimentForm::buildStopGroup() {
  auto* box = new QGroupBox(tr("Stop and evaluation"), this);
  auto* form = new QFormLayout(box);
  lineField(form, tr("Epochs"), "stop.epochs", tr("Empty: no epoch limit"));
  lineField(form, tr("Max steps"), "stop.max_steps", tr("Empty: no step limit"));
  lineField(form, tr("Time limit (s)"), "stop.time_limit_s", tr("Empty: no time limit"));
  QStringList metrics{QStringLiteral("none")};
  metrics << names_of<TargetMetric>();
  comboField(form, tr("Target"), "stop.target.metric", metrics,
             tr("Stop when this metric reaches the value below"));
  lineField(form, tr("Target value"), "stop.target.value", {});
  lineField(form, tr("Evaluate every (epochs)"), "eval.every_epochs", tr("Empty: not by epoch"));
  lineField(form, tr("Evaluate every (steps)"), "eval.every_steps", tr("Empty: not by step"));
  return box;
}

QWidget* ExperimentForm::buildDeviceGroup() {
  auto* box = new QGroupBox(tr("Device"), this);
  auto* form = new QFormLayout(box);
  auto* device = comboField(form, tr("Device"), "device", {"auto", "cpu", "cuda", "cuda:0"},
                            tr("auto picks CUDA when available, else the CPU"));
  device->setEditable(true);
  lineField(form, tr("Memory budget (MiB)"), "memory_budget_mb",
            tr("Runs that would need more end as out_of_memory; empty: none"));
  return box;
}

QString ExperimentForm::text(const QString& key) const {
  QWidget* w = fields_.editor(key);
  if (auto* e = qobject_cast<QLineEdit*>(w)) return e->text();
  if (auto* c = qobject_cast<QComboBox*>(w)) return c->currentText();
  if (auto* b = qobject_cast<QCheckBox*>(w)) return b->isChecked() ? "true" : "false";
  return {};
}

void ExperimentForm::setText(const QString& key, const QString& value) {
  QWidget* w = fields_.editor(key);
  if (auto* e = qobject_cast<QLineEdit*>(w)) e->setText(value);
  if (auto* c = qobject_cast<QComboBox*>(w)) {
    const int i = c->findText(value);
    if (i >= 0)
      c->setCurrentIndex(i);
    else if (c->isEditable())
      c->setEditText(value);
  }
  if (auto* b = qobject_cast<QCheckBox*>(w)) b->setChecked(value == "true");
}

void ExperimentForm::setConfig(const RunConfig& c) {
  filling_ = true;
  base_ = c;
  const auto opt = [](const auto& v) { return v ? number(static_cast<double>(*v)) : QString(); };
  setText("name", QString::fromStdString(c.name));
  setText("seed", QString::number(c.seed));
  setText("dataset.kind", QString::fromStdString(c.dataset.kind));
  setText("dataset.path", QString::fromStdString(c.dataset.path));
  setText("dataset.target", QString::fromStdString(c.dataset.target));
  setText("dataset.samples", QString::number(c.dataset.samples));
  setText("dataset.noise", number(c.dataset.noise));
  setText("dataset.classes", QString::number(c.dataset.classes));
  setText("dataset.features", QString::number(c.dataset.features));
  setText("dataset.train_limit", QString::number(c.dataset.train_limit));
  setText("dataset.validation", c.dataset.validation_test_split
                                    ? QStringLiteral("test")
                                    : number(c.dataset.validation_fraction));
  QStringList hidden;
  for (int w : c.model.hidden) hidden << QString::number(w);
  setText("model.hidden", hidden.join(", "));
  setText("model.activation", qs(to_string(c.model.activation)));
  setText("model.init", qs(to_string(c.model.init)));
  setText("optimizer.kind", qs(to_string(c.optimizer.kind)));
  setText("optimizer.lr", number(c.optimizer.lr));
  setText("optimizer.momentum", number(c.optimizer.momentum));
  setText("optimizer.nesterov", c.optimizer.nesterov ? "true" : "false");
  setText("optimizer.weight_decay", number(c.optimizer.weight_decay));
  setText("batch.strategy", qs(to_string(c.batch.strategy)));
  setText("batch.size", QString::number(c.batch.size));
  setText("batch.accumulate", QString::number(c.batch.accumulate));
  setText("batch.sampling", qs(to_string(c.batch.sampling)));
  setText("batch.drop_last", c.batch.drop_last ? "true" : "false");
  setText("batch.lr_scaling.rule", qs(to_string(c.batch.lr_scaling.rule)));
  setText("batch.lr_scaling.base_batch", QString::number(c.batch.lr_scaling.base_batch));
  setText("batch.lr_scaling.warmup_epochs", number(c.batch.lr_scaling.warmup_epochs));
  setText("stop.epochs", opt(c.stop.epochs));
  setText("stop.max_steps", opt(c.stop.max_steps));
  setText("stop.time_limit_s", opt(c.stop.time_limit_s));
  setText("stop.target.metric", c.stop.target ? qs(to_string(c.stop.target->metric)) : "none");
  setText("stop.target.value", c.stop.target ? number(c.stop.target->value) : QString());
  setText("eval.every_epochs", opt(c.eval.every_epochs));
  setText("eval.every_steps", opt(c.eval.every_steps));
  setText("device", QString::fromStdString(c.device));
  setText("memory_budget_mb", opt(c.memory_budget_mb));
  filling_ = false;
  onEdited();
}

bool ExperimentForm::relevant(const QString& key) const {
  const QString kind = text("dataset.kind");
  const bool synthetic = is_synthetic_dataset(kind.toStdString());
  const bool multi_class = kind == "blobs" || kind == "spirals";
  const bool any_dim = kind == "blobs" || kind == "linear";
  const bool sgd = text("optimizer.kind") == "sgd";
  const bool scaling = text("batch.lr_scaling.rule") != "none";
  static const QStringList keys = {"dataset.path",
                                   "dataset.target",
                                   "dataset.samples",
                                   "dataset.noise",
                                   "dataset.classes",
                                   "dataset.features",
                                   "optimizer.momentum",
                                   "optimizer.nesterov",
                                   "batch.size",
                                   "batch.lr_scaling.base_batch",
                                   "batch.lr_scaling.warmup_epochs",
                                   "stop.target.value"};
  if (!keys.contains(key)) return true;
  const std::map<QString, bool> shown = {
      {"dataset.path", is_file_kind(kind)},
      {"dataset.target", kind == "csv"},
      {"dataset.samples", synthetic},
      {"dataset.noise", synthetic},
      {"dataset.classes", synthetic && multi_class},
      {"dataset.features", synthetic && any_dim},
      {"optimizer.momentum", sgd},
      {"optimizer.nesterov", sgd},
      {"batch.size", text("batch.strategy") == "mini"},
      {"batch.lr_scaling.base_batch", scaling},
      {"batch.lr_scaling.warmup_epochs", scaling},
      {"stop.target.value", text("stop.target.metric") != "none"},
  };
  return shown.at(key);
}

void ExperimentForm::updateVisibleRows() {
  for (const auto& [form, key] : rows_) form->setRowVisible(fields_.row(key), relevant(key));
}

void ExperimentForm::readFields(RunConfig& c, FieldErrors& errors) const {
  c = base_;
  QString err;
  // Each reader leaves the base value in place when the text is not usable.
  const auto count = [&](const QString& key, std::int64_t min, auto& target) {
    err.clear();
    if (!relevant(key)) return;
    if (const auto v = parse_count(text(key), min, err))
      target = static_cast<std::remove_reference_t<decltype(target)>>(*v);
    else
      errors.emplace(key, err);
  };
  const auto real = [&](const QString& key, double min, bool exclusive, double& target) {
    err.clear();
    if (!relevant(key)) return;
    const auto v = parse_real(text(key), err);
    if (!v) {
      errors.emplace(key, err);
    } else if (exclusive ? *v <= min : *v < min) {
      errors.emplace(key, exclusive ? tr("must be greater than %1").arg(min)
                                    : tr("must be at least %1").arg(min));
    } else {
      target = *v;
    }
  };
  // Blank means "no limit" for the optional fields.
  const auto optional_real = [&](const QString& key, std::optional<double>& target) {
    if (text(key).trimmed().isEmpty()) return target.reset();
    double v = 0;
    real(key, 0, true, v);
    if (!errors.count(key)) target = v;
  };
  const auto optional_count = [&](const QString& key, std::optional<std::int64_t>& target) {
    if (text(key).trimmed().isEmpty()) return target.reset();
    std::int64_t v = 0;
    count(key, 1, v);
    if (!errors.count(key)) target = v;
  };
  const auto choice = [&](const QString& key, auto& target) {
    using E = std::remove_reference_t<decltype(target)>;
    if (const auto v = parse_enum<E>(text(key).toStdString()))
      target = *v;
    else
      errors.emplace(key, tr("unknown choice “%1”").arg(text(key)));
  };

  c.name = text("name").trimmed().toStdString();
  count("seed", 0, c.seed);
  c.dataset.kind = text("dataset.kind").toStdString();
  if (relevant("dataset.path")) c.dataset.path = text("dataset.path").trimmed().toStdString();
  if (relevant("dataset.target")) c.dataset.target = text("dataset.target").trimmed().toStdString();
  count("dataset.samples", 1, c.dataset.samples);
  real("dataset.noise", 0, false, c.dataset.noise);
  count("dataset.classes", 2, c.dataset.classes);
  count("dataset.features", 1, c.dataset.features);
  count("dataset.train_limit", 0, c.dataset.train_limit);
  if (text("dataset.validation").trimmed() == "test") {
    c.dataset.validation_test_split = true;
  } else {
    c.dataset.validation_test_split = false;
    real("dataset.validation", 0, false, c.dataset.validation_fraction);
    if (!errors.count("dataset.validation") && c.dataset.validation_fraction >= 1)
      errors.emplace("dataset.validation", tr("a fraction below 1, or “test”"));
  }
  err.clear();
  if (const auto widths = parse_layer_widths(text("model.hidden"), err))
    c.model.hidden = *widths;
  else
    errors.emplace("model.hidden", err);
  choice("model.activation", c.model.activation);
  choice("model.init", c.model.init);
  choice("optimizer.kind", c.optimizer.kind);
  real("optimizer.lr", 0, true, c.optimizer.lr);
  real("optimizer.momentum", 0, false, c.optimizer.momentum);
  if (relevant("optimizer.momentum") && c.optimizer.momentum >= 1)
    errors.emplace("optimizer.momentum", tr("must be below 1"));
  if (relevant("optimizer.nesterov")) c.optimizer.nesterov = text("optimizer.nesterov") == "true";
  real("optimizer.weight_decay", 0, false, c.optimizer.weight_decay);
  choice("batch.strategy", c.batch.strategy);
  count("batch.size", 1, c.batch.size);
  count("batch.accumulate", 1, c.batch.accumulate);
  choice("batch.sampling", c.batch.sampling);
  c.batch.drop_last = text("batch.drop_last") == "true";
  choice("batch.lr_scaling.rule", c.batch.lr_scaling.rule);
  count("batch.lr_scaling.base_batch", 1, c.batch.lr_scaling.base_batch);
  real("batch.lr_scaling.warmup_epochs", 0, false, c.batch.lr_scaling.warmup_epochs);
  optional_real("stop.epochs", c.stop.epochs);
  optional_count("stop.max_steps", c.stop.max_steps);
  optional_real("stop.time_limit_s", c.stop.time_limit_s);
  if (text("stop.target.metric") == "none") {
    c.stop.target.reset();
  } else {
    TargetConfig target;
    choice("stop.target.metric", target.metric);
    err.clear();
    if (const auto v = parse_real(text("stop.target.value"), err))
      target.value = *v;
    else
      errors.emplace("stop.target.value", err);
    c.stop.target = target;
  }
  optional_real("eval.every_epochs", c.eval.every_epochs);
  optional_count("eval.every_steps", c.eval.every_steps);
  c.device = text("device").trimmed().toStdString();
  optional_real("memory_budget_mb", c.memory_budget_mb);
}

RunConfig ExperimentForm::config() const {
  RunConfig c;
  FieldErrors ignored;
  readFields(c, ignored);
  return c;
}

void ExperimentForm::revalidate() {
  RunConfig c;
  FieldErrors errors;
  readFields(c, errors);
  fields_.clearErrors();
  for (const auto& [key, reason] : errors) fields_.setError(key, reason);
  QString general;
  if (errors.empty()) {
    // Ranges and cross-field rules are the engine's: the same check the CLI applies.
    try {
      validate_run_config(c, "form");
    } catch (const ConfigError& e) {
      const QString field = QString::fromStdString(e.field());
      QString reason = QString::fromUtf8(e.what());
      const QString prefix = QStringLiteral("form: %1: ").arg(field);
      if (reason.startsWith(prefix)) reason = reason.mid(prefix.size());
      // The engine may name a sub-key the form edits as one field (dataset.validation_fraction).
      QString key = field;
      while (!key.isEmpty() && !(fields_.has(key) && relevant(key)))
        key = key.left(std::max<qsizetype>(key.lastIndexOf(QLatin1Char('.')), 0));
      if (key.isEmpty())
        general = QStringLiteral("%1: %2").arg(field, reason);
      else
        fields_.setError(key, reason);
    } catch (const std::exception& e) {
      general = QString::fromUtf8(e.what());
    }
  }
  fields_.showErrors();
  const QString problem = fields_.anyError() ? fields_.firstProblem() : general;
  problem_label_->setText(problem.isEmpty() ? QString() : tr("Cannot run: %1").arg(problem));
  problem_label_->setVisible(!problem.isEmpty());
  if (problem != problem_) {
    problem_ = problem;
    emit validityChanged(problem_.isEmpty(), problem_);
  }
}

void ExperimentForm::onEdited() {
  if (filling_) return;
  updateVisibleRows();
  revalidate();
  const RunConfig c = config();
  // Only a change to the data (or its seed) asks for a new preview.
  const QString signature = QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8")
                                .arg(QString::fromStdString(c.dataset.kind))
                                .arg(QString::fromStdString(c.dataset.path))
                                .arg(QString::fromStdString(c.dataset.target))
                                .arg(c.dataset.samples)
                                .arg(c.dataset.noise)
                                .arg(c.dataset.classes)
                                .arg(c.dataset.features)
                                .arg(c.seed);
  if (signature != preview_signature_) {
    preview_signature_ = signature;
    preview_->showDataset(c.dataset, c.seed);
  }
  emit configEdited();
}

bool ExperimentForm::loadPreset(const QString& name_or_path, const QStringList& assignments,
                                QString& error) {
  std::vector<std::string> sets;
  for (const QString& a : assignments) sets.push_back(a.toStdString());
  try {
    setConfig(load_run_config(name_or_path.toStdString(), sets));
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  const int index = preset_->findData(name_or_path);
  preset_->setCurrentIndex(std::max(index, 0));
  preset_description_->setText(index > 0 ? preset_->itemData(index, Qt::ToolTipRole).toString()
                                         : QString());
  preset_description_->setVisible(!preset_description_->text().isEmpty());
  return true;
}

QString ExperimentForm::presetName() const {
  return preset_->currentIndex() > 0 ? preset_->currentData().toString() : QString();
}

}  // namespace batchlab
