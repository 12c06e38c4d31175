// defines: FormFields (editors keyed by config name, each with its reason label), parse_count,
//          parse_real, parse_layer_widths
// Every editor in the experiment form is registered under the dotted config key it edits
// ("batch.size"), so an error from the engine's validation (ConfigError::field()) lands on the
// field at fault: a red border and the reason right beneath it, before Run is pressed.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <QString>

class QLabel;
class QWidget;

namespace batchlab {

class FormFields {
 public:
  // Wraps `editor` (and an optional extra widget beside it, like a browse button) with a reason
  // label beneath it; returns the widget to place in the form row.
  QWidget* add(const QString& key, QWidget* editor, QWidget* beside = nullptr);

  QWidget* editor(const QString& key) const;
  QWidget* row(const QString& key) const;
  bool has(const QString& key) const { return find(key) != nullptr; }

  void clearErrors();
  // Keeps the first error per field.
  void setError(const QString& key, const QString& reason);
  QString error(const QString& key) const;
  bool anyError() const;
  // "batch.size: must be at least 1" for the first field in form order, empty when none.
  QString firstProblem() const;
  // Paints the borders and shows or hides the reason labels.
  void showErrors();

 private:
  struct Field {
    QString key;
    QWidget* editor = nullptr;
    QWidget* row = nullptr;
    QLabel* reason = nullptr;
    QString error;
  };
  const Field* find(const QString& key) const;
  Field* find(const QString& key);
  std::vector<Field> fields_;
};

// Text → number with the reason when it is not one a config can take. Blank text is an error
// unless `optional`, in which case it reads as "not set".
std::optional<std::int64_t> parse_count(const QString& text, std::int64_t min, QString& error);
std::optional<double> parse_real(const QString& text, QString& error);
// "64, 64" → {64, 64}; blank → {} (no hidden layer).
std::optional<std::vector<int>> parse_layer_widths(const QString& text, QString& error);

}  // namespace batchlab
