#include "app/scaling_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "engine/experiment/run_store.h"
#include "widgets/scaling_plot.h"

namespace batchlab {

ScalingDialog::ScalingDialog(const std::filesystem::path& store, std::int64_t run_id,
                             QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Scaling model of run #%1 — %2").arg(run_id).arg(kScalingModelWords));
  auto* layout = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  link_ = new QComboBox(this);
  for (const auto& p : kLinkPresets)
    link_->addItem(QString::fromUtf8(p.what.data(), static_cast<int>(p.what.size())),
                   QString::fromUtf8(p.name.data(), static_cast<int>(p.name.size())));
  gbit_ = new QDoubleSpinBox(this);
  gbit_->setRange(0.001, 1e6);
  gbit_->setDecimals(3);
  gbit_->setSuffix(tr(" Gbit/s"));
  latency_us_ = new QDoubleSpinBox(this);
  latency_us_->setRange(0.0, 1e6);
  latency_us_->setDecimals(2);
  latency_us_->setSuffix(tr(" µs"));
  auto* form = new QFormLayout;
  form->addRow(tr("Link"), link_);
  row->addLayout(form);
  auto* numbers = new QFormLayout;
  numbers->addRow(tr("Bandwidth"), gbit_);
  numbers->addRow(tr("Latency per message"), latency_us_);
  row->addLayout(numbers);
  layout->addLayout(row);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);
  plot_ = new ScalingPlot(this);
  layout->addWidget(plot_, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);

  try {
    const RunStore s(store);
    inputs_ = scaling_inputs_for_run(s, run_id).in;
    ready_ = true;
  } catch (const std::exception& e) {
    message_->setText(tr("No scaling model: %1").arg(QString::fromUtf8(e.what())));
  }
  for (QWidget* w : {static_cast<QWidget*>(link_), static_cast<QWidget*>(gbit_),
                     static_cast<QWidget*>(latency_us_)})
    w->setEnabled(ready_);
  // The CLI's default link, so the dialog and `batchlab-cli scale RUN` agree.
  link_->setCurrentIndex(link_->findData(QStringLiteral("infiniband")));
  connect(link_, &QComboBox::currentIndexChanged, this, &ScalingDialog::applyPreset);
  connect(gbit_, &QDoubleSpinBox::valueChanged, this, &ScalingDialog::redraw);
  connect(latency_us_, &QDoubleSpinBox::valueChanged, this, &ScalingDialog::redraw);
  applyPreset();
  resize(760, 560);
}

void ScalingDialog::applyPreset() {
  const LinkPreset* p = find_link_preset(link_->currentData().toString().toStdString());
  if (!p) return;
  applying_ = true;
  gbit_->setValue(p->gbit_per_s);
  latency_us_->setValue(p->latency_us);
  applying_ = false;
  redraw();
}

void ScalingDialog::redraw() {
  if (applying_ || !ready_) return;
  const LinkPreset* p = find_link_preset(link_->currentData().toString().toStdString());
  inputs_.bytes_per_s = gbit_->value() * 1e9 / 8.0;
  inputs_.latency_s = latency_us_->value() * 1e-6;
  inputs_.max_replicas = 1024;
  const bool edited =
      p && (gbit_->value() != p->gbit_per_s || latency_us_->value() != p->latency_us);
  const QString link =
      QStringLiteral("%1, %2 Gbit/s, %3 µs%4")
          .arg(p ? QString::fromUtf8(p->name.data(), static_cast<int>(p->name.size()))
                 : QStringLiteral("custom"))
          .arg(gbit_->value(), 0, 'g', 4)
          .arg(latency_us_->value(), 0, 'g', 3)
          .arg(edited ? tr(" (edited)") : QString());
  QString error;
  if (plot_->setInputs(inputs_, link, error))
    message_->setText(tr("step = compute(per-device batch) + 2(R−1)/R · gradient / bandwidth + "
                         "2(R−1) · latency: a ring all-reduce, not overlapped — a %1.")
                          .arg(kScalingModelWords));
  else
    message_->setText(tr("No scaling model: %1").arg(error));
}

}  // namespace batchlab
