#include "app/settings_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include "engine/experiment/run_store.h"

namespace batchlab {

SettingsDialog::SettingsDialog(const QString& store_path, bool store_editable, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("BatchLab settings"));
  auto* form = new QFormLayout(this);
  store_ = new QLineEdit(store_path, this);
  store_->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 50);
  store_->setPlaceholderText(QString::fromStdString(default_store_path().string()));
  auto* browse = new QPushButton(tr("Browse…"), this);
  auto* row = new QHBoxLayout;
  row->addWidget(store_, 1);
  row->addWidget(browse);
  form->addRow(tr("Run store"), row);
  if (!store_editable) {
    store_->setEnabled(false);
    browse->setEnabled(false);
    form->addRow(QString(), new QLabel(tr("The store can change once the current run ends.")));
  }
  auto* hint = new QLabel(tr("Empty: the default store (BATCHLAB_DB or ~/.local/share/batchlab)."));
  hint->setWordWrap(true);
  form->addRow(QString(), hint);
  price_ = new QDoubleSpinBox(this);
  price_->setRange(0, 1e6);
  price_->setDecimals(4);
  price_->setSpecialValueText(tr("not set"));
  price_->setToolTip(
      tr("What one hour of this device costs, in any currency; the runs table shows each run's "
         "cost and its cost to the stop target"));
  form->addRow(tr("Price per device-hour"), price_);
  reset_layout_ = new QCheckBox(tr("Restore the default window layout"), this);
  form->addRow(QString(), reset_layout_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Run store"), store_->text(), tr("BatchLab store (*.sqlite);;All files (*)"),
        nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) store_->setText(path);
  });
}

QString SettingsDialog::storePath() const {
  return store_->text().trimmed();
}
void SettingsDialog::setPricePerHour(double price) {
  price_->setValue(price);
}
double SettingsDialog::pricePerHour() const {
  return price_->value();
}
bool SettingsDialog::resetLayout() const {
  return reset_layout_->isChecked();
}

}  // namespace batchlab
