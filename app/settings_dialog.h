// defines: SettingsDialog (the store path, and a way back to the default window layout)
#pragma once

#include <QDialog>

class QCheckBox;
class QLineEdit;

namespace batchlab {

class SettingsDialog final : public QDialog {
  Q_OBJECT
 public:
  SettingsDialog(const QString& store_path, bool store_editable, QWidget* parent = nullptr);
  QString storePath() const;
  bool resetLayout() const;

 private:
  QLineEdit* store_ = nullptr;
  QCheckBox* reset_layout_ = nullptr;
};

}  // namespace batchlab
