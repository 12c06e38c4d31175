// defines: SettingsDialog (the store path, the price per device-hour, and a way
//          back to the default window layout)
#pragma once

#include <QDialog>

class QCheckBox;
class QDoubleSpinBox;
class QLineEdit;

namespace batchlab {

class SettingsDialog final : public QDialog {
  Q_OBJECT
 public:
  SettingsDialog(const QString& store_path, bool store_editable, QWidget* parent = nullptr);
  QString storePath() const;
  bool resetLayout() const;
  // The price of one device-hour (any currency); 0: no cost columns.
  void setPricePerHour(double price);
  double pricePerHour() const;
  QDoubleSpinBox* priceBox() const { return price_; }

 private:
  QLineEdit* store_ = nullptr;
  QCheckBox* reset_layout_ = nullptr;
  QDoubleSpinBox* price_ = nullptr;
};

}  // namespace batchlab
