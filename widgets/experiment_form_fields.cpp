// ExperimentForm, second half: moving values between the fields and a RunConfig.
#include <map>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLineEdit>

#include "widgets/experiment_form.h"

namespace batchlab {
namespace {

QString qs(std::string_view s) {
  return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString number(double v) {
  return QString::number(v, 'g', 12);
}

bool is_file_kind(const QString& kind) {
  return kind == "fashion-mnist" || kind == "mnist" || kind == "idx" || kind == "csv";
}

}  // namespace

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
  setText("parallel.replicas", QString::number(c.parallel.replicas));
  setText("parallel.overlap", c.parallel.overlap ? "true" : "false");
  setText("batch.sampling", qs(to_string(c.batch.sampling)));
  setText("batch.drop_last", c.batch.drop_last ? "true" : "false");
  setText("batch.lr_scaling.rule", qs(to_string(c.batch.lr_scaling.rule)));
  setText("batch.lr_scaling.base_batch", QString::number(c.batch.lr_scaling.base_batch));
  setText("batch.lr_scaling.warmup_epochs", number(c.batch.lr_scaling.warmup_epochs));
  setText("noise_scale.enabled", c.noise_scale.enabled ? "true" : "false");
  setText("noise_scale.method", qs(to_string(c.noise_scale.method)));
  setText("noise_scale.ema", number(c.noise_scale.ema));
  setText("noise_scale.every", QString::number(c.noise_scale.every));
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
  const bool noise = text("noise_scale.enabled") == "true";
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
                                   "noise_scale.method",
                                   "noise_scale.ema",
                                   "noise_scale.every",
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
      {"noise_scale.method", noise},
      {"noise_scale.ema", noise},
      {"noise_scale.every", noise},
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
  count("parallel.replicas", 1, c.parallel.replicas);
  c.parallel.overlap = text("parallel.overlap") == "true";
  choice("batch.sampling", c.batch.sampling);
  c.batch.drop_last = text("batch.drop_last") == "true";
  choice("batch.lr_scaling.rule", c.batch.lr_scaling.rule);
  count("batch.lr_scaling.base_batch", 1, c.batch.lr_scaling.base_batch);
  real("batch.lr_scaling.warmup_epochs", 0, false, c.batch.lr_scaling.warmup_epochs);
  c.noise_scale.enabled = text("noise_scale.enabled") == "true";
  if (relevant("noise_scale.method")) choice("noise_scale.method", c.noise_scale.method);
  real("noise_scale.ema", 0, false, c.noise_scale.ema);
  if (relevant("noise_scale.ema") && !errors.count("noise_scale.ema") && c.noise_scale.ema >= 1)
    errors.emplace("noise_scale.ema", tr("must be below 1"));
  count("noise_scale.every", 1, c.noise_scale.every);
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

}  // namespace batchlab
