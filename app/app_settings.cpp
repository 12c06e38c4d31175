#include "app/app_settings.h"

namespace batchlab {

AppSettings::AppSettings()
    : settings_(
          std::make_unique<QSettings>(QStringLiteral("BatchLab"), QStringLiteral("batchlab"))) {}

AppSettings::AppSettings(const QString& ini_path)
    : settings_(std::make_unique<QSettings>(ini_path, QSettings::IniFormat)) {}

QByteArray AppSettings::geometry() const {
  return settings_->value("window/geometry").toByteArray();
}
QByteArray AppSettings::windowState() const {
  return settings_->value("window/state").toByteArray();
}
void AppSettings::setWindow(const QByteArray& geometry, const QByteArray& state) {
  settings_->setValue("window/geometry", geometry);
  settings_->setValue("window/state", state);
}

QString AppSettings::lastConfigJson() const {
  return settings_->value("experiment/last_config").toString();
}
void AppSettings::setLastConfigJson(const QString& json) {
  settings_->setValue("experiment/last_config", json);
}

QString AppSettings::lastSweepJson() const {
  return settings_->value("sweep/last").toString();
}
void AppSettings::setLastSweepJson(const QString& json) {
  settings_->setValue("sweep/last", json);
}

QString AppSettings::storePath() const {
  return settings_->value("store/path").toString();
}
void AppSettings::setStorePath(const QString& path) {
  settings_->setValue("store/path", path);
}

double AppSettings::pricePerHour() const {
  bool ok = false;
  const double price = settings_->value("cost/price_per_hour", 0.0).toDouble(&ok);
  return ok && price > 0 ? price : 0.0;
}
void AppSettings::setPricePerHour(double price) {
  settings_->setValue("cost/price_per_hour", price);
}

int AppSettings::lossXAxis() const {
  return settings_->value("plots/loss_x", 0).toInt();
}
double AppSettings::lossSmoothing() const {
  return settings_->value("plots/loss_smoothing", 0.6).toDouble();
}
bool AppSettings::lossLogY() const {
  return settings_->value("plots/loss_log_y", false).toBool();
}
void AppSettings::setLossView(int x_axis, double smoothing, bool log_y) {
  settings_->setValue("plots/loss_x", x_axis);
  settings_->setValue("plots/loss_smoothing", smoothing);
  settings_->setValue("plots/loss_log_y", log_y);
}
bool AppSettings::throughputSplit() const {
  return settings_->value("plots/throughput_split", false).toBool();
}
void AppSettings::setThroughputSplit(bool on) {
  settings_->setValue("plots/throughput_split", on);
}

}  // namespace batchlab
