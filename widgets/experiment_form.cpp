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
#include "widgets/problem_label.h"

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
  problem_label_ = make_problem_label(this);
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
      // Its config as the form would give it back, to tell whether the form still holds it.
      try {
        preset_->setItemData(
            preset_->count() - 1,
            QString::fromStdString(run_config_to_json(load_run_config(p.path.string(), {})).dump()),
            kPresetConfigRole);
      } catch (const std::exception&) {
        // A broken preset still lists; choosing it says what is wrong.
      }
    }
  } catch (const std::exception& e) {
    preset_->setToolTip(QString::fromUtf8(e.what()));
  }
  preset_->setToolTip(tr("Start from a saved experiment"));
  form->addRow(tr("Preset"), preset_);
  preset_description_ = new QLabel(this);
  preset_description_->setWordWrap(true);
  // Set apart by italics rather than a pale grey that is hard to read.
  QFont italic = preset_description_->font();
  italic.setItalic(true);
  preset_description_->setFont(italic);
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
  lineField(form, tr("Replicas"), "parallel.replicas",
            tr("Data-parallel: split B across this many replicas (CPU threads), average their "
               "gradients, one update: the same maths as one device at B"));
  checkField(form, tr("Overlap all-reduce"), "parallel.overlap",
             tr("Reduce each layer's gradient while earlier layers still compute (off: after "
                "the whole backward pass, to see what the overlap gains)"));
  comboField(form, tr("Sampling"), "batch.sampling", names_of<Sampling>(),
             tr("reshuffle every epoch, fixed order, or with replacement"));
  checkField(form, tr("Drop last partial batch"), "batch.drop_last", {});
  comboField(form, tr("LR scaling"), "batch.lr_scaling.rule", names_of<LrScalingRule>(),
             tr("Scale the LR with B / base batch: linear (Goyal et al.) or sqrt"));
  lineField(form, tr("Base batch"), "batch.lr_scaling.base_batch", tr("B₀ the LR was tuned for"));
  lineField(form, tr("Warm-up epochs"), "batch.lr_scaling.warmup_epochs",
            tr("Ramp from lr to the scaled lr over this many epochs"));
  checkField(form, tr("Measure noise scale"), "noise_scale.enabled",
             tr("Estimate the gradient noise scale B_simple while training (McCandlish et al.)"));
  comboField(form, tr("Noise method"), "noise_scale.method", names_of<NoiseScaleMethod>(),
             tr("halves: two halves of each batch; micro: a micro-batch against the "
                "accumulated batch (needs Accumulate ≥ 2)"));
  lineField(form, tr("Noise EMA"), "noise_scale.ema",
            tr("Smoothing of the estimate in [0, 1): the weight of the past; 0: none"));
  lineField(form, tr("Measure every"), "noise_scale.every", tr("Measure every N-th step"));
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
      const QString key = fieldFor(field);
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

QString ExperimentForm::fieldFor(const QString& engine_field) const {
  // "model.hidden[1]" is the hidden-layers field; "stop.target" its first sub-field; a
  // sub-key the form edits as one field belongs to its parent.
  QString key = engine_field.left(engine_field.indexOf(QLatin1Char('[')));
  const auto usable = [&](const QString& k) { return fields_.has(k) && relevant(k); };
  for (const char* child : {"", ".metric", ".epochs"})
    if (usable(key + QLatin1String(child))) return key + QLatin1String(child);
  while (!key.isEmpty() && !usable(key))
    key = key.left(std::max<qsizetype>(key.lastIndexOf(QLatin1Char('.')), 0));
  return key;
}

// The preset row names what the form holds: the preset whose config it equals, else "(custom)",
// after an edit, a restore of the last session's config or a load with --set alike.
void ExperimentForm::syncPresetRow(const RunConfig& c) {
  const QString now = QString::fromStdString(run_config_to_json(c).dump());
  int match = 0;
  if (preset_->currentIndex() > 0 && preset_->currentData(kPresetConfigRole).toString() == now)
    match = preset_->currentIndex();  // two presets alike: keep the one chosen
  for (int i = 1; i < preset_->count() && match == 0; ++i)
    if (preset_->itemData(i, kPresetConfigRole).toString() == now) match = i;
  preset_->setCurrentIndex(match);
  preset_description_->setText(match > 0 ? preset_->itemData(match, Qt::ToolTipRole).toString()
                                         : QString());
  preset_description_->setVisible(!preset_description_->text().isEmpty());
}

void ExperimentForm::onEdited() {
  if (filling_) return;
  updateVisibleRows();
  revalidate();
  const RunConfig c = config();
  syncPresetRow(c);
  // Only a change to the data (or its seed) asks for a new preview.
  // (the split and train_limit too: the preview says how many rows the run trains on).
  const QString signature = QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|%10")
                                .arg(QString::fromStdString(c.dataset.kind))
                                .arg(QString::fromStdString(c.dataset.path))
                                .arg(QString::fromStdString(c.dataset.target))
                                .arg(c.dataset.samples)
                                .arg(c.dataset.noise)
                                .arg(c.dataset.classes)
                                .arg(c.dataset.features)
                                .arg(c.seed)
                                .arg(c.dataset.validation_fraction)
                                .arg(c.dataset.train_limit);
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
  RunConfig loaded;
  try {
    loaded = load_run_config(name_or_path.toStdString(), sets);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  // Chosen first, so that of two presets alike the one asked for is named; setConfig then keeps
  // it only if the contents match it (a --set leaves "(custom)").
  preset_->setCurrentIndex(std::max(preset_->findData(name_or_path), 0));
  setConfig(loaded);
  return true;
}

QString ExperimentForm::presetName() const {
  return preset_->currentIndex() > 0 ? preset_->currentData().toString() : QString();
}

}  // namespace batchlab
