// defines: ExperimentForm (the experiment dock: preset, dataset + preview, model, optimizer,
//          batch strategy, stop criteria, device, memory budget)
// The form edits a RunConfig. Each edit re-checks the fields: text that is not a number is
// caught here, ranges and cross-field rules by the engine's validate_run_config, whose
// ConfigError names the field; either way the reason appears under that field with a red
// border, and valid() stays false (so Run stays disabled) until it is fixed. Config keys the
// form does not show (schedules, Adam's betas, ...) pass through from the loaded config.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QWidget>

#include "engine/core/run_config.h"
#include "widgets/form_fields.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace batchlab {

class DatasetPreview;

class ExperimentForm final : public QWidget {
  Q_OBJECT
 public:
  explicit ExperimentForm(QWidget* parent = nullptr);

  // Fills every field from `config`.
  void setConfig(const RunConfig& config);
  // The config the fields describe; meaningful when valid().
  RunConfig config() const;
  bool valid() const { return problem_.isEmpty(); }
  // The first problem as "field: reason"; empty when the config can run.
  QString problem() const { return problem_; }

  // Loads a preset by name or a config file by path (with --set style assignments). On error
  // returns false and says why in `error`; the fields keep their values.
  bool loadPreset(const QString& name_or_path, const QStringList& assignments, QString& error);
  QString presetName() const;

  // The editor and the reason shown for a dotted config key, for tests and focus.
  QWidget* editor(const QString& key) const { return fields_.editor(key); }
  QString fieldError(const QString& key) const { return fields_.error(key); }
  DatasetPreview* preview() const { return preview_; }

 signals:
  void validityChanged(bool valid, const QString& problem);
  void configEdited();

 private:
  void buildPresetRow(QFormLayout* form);
  void syncPresetRow(const RunConfig& c);
  static constexpr int kPresetConfigRole = Qt::UserRole + 1;  // a preset's config JSON
  QWidget* buildDatasetGroup();
  QWidget* buildModelGroup();
  QWidget* buildOptimizerGroup();
  QWidget* buildBatchGroup();
  QWidget* buildStopGroup();
  QWidget* buildDeviceGroup();
  QLineEdit* lineField(QFormLayout* form, const QString& label, const QString& key,
                       const QString& tip);
  QComboBox* comboField(QFormLayout* form, const QString& label, const QString& key,
                        const QStringList& items, const QString& tip);
  QCheckBox* checkField(QFormLayout* form, const QString& label, const QString& key,
                        const QString& tip);
  QString text(const QString& key) const;
  void setText(const QString& key, const QString& value);

  using FieldErrors = std::map<QString, QString>;
  // Reads the fields into `out` (base values where a field is unusable), with the reasons.
  void readFields(RunConfig& out, FieldErrors& errors) const;
  // False for a field the current choices make irrelevant (hidden, and not read).
  bool relevant(const QString& key) const;
  void revalidate();
  // The form field that shows an error the engine reports for `engine_field`; empty: none.
  QString fieldFor(const QString& engine_field) const;
  void updateVisibleRows();
  void onEdited();

  FormFields fields_;
  std::vector<std::pair<QFormLayout*, QString>> rows_;  // for showing and hiding by key
  RunConfig base_;
  bool filling_ = false;
  QString problem_ = QStringLiteral("not checked yet");
  QString preview_signature_;
  QComboBox* preset_ = nullptr;
  QLabel* preset_description_ = nullptr;
  QLabel* problem_label_ = nullptr;
  DatasetPreview* preview_ = nullptr;
};

}  // namespace batchlab
