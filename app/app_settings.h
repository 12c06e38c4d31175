// defines: AppSettings (what the workbench remembers between sessions, over QSettings)
// Window geometry and dock layout, the last experiment as config JSON, the last sweep's fields, the
// store path and the loss plot's view choices. Tests pass an INI file in a temporary folder, never
// the user's.
#pragma once

#include <memory>

#include <QByteArray>
#include <QSettings>
#include <QString>

namespace batchlab {

class AppSettings {
 public:
  // The user's settings (organisation "BatchLab", application "batchlab").
  AppSettings();
  // An INI file, for tests and --settings.
  explicit AppSettings(const QString& ini_path);

  QByteArray geometry() const;
  QByteArray windowState() const;
  void setWindow(const QByteArray& geometry, const QByteArray& state);

  QString lastConfigJson() const;
  void setLastConfigJson(const QString& json);

  // The Sweep dialog's fields last started (a sweep config JSON; its base is not reused).
  QString lastSweepJson() const;
  void setLastSweepJson(const QString& json);

  QString storePath() const;  // empty: the default store
  void setStorePath(const QString& path);

  // The price of one device-hour, for the runs table's cost columns; 0: not set.
  double pricePerHour() const;
  void setPricePerHour(double price);

  int lossXAxis() const;
  double lossSmoothing() const;
  bool lossLogY() const;
  void setLossView(int x_axis, double smoothing, bool log_y);
  // The throughput plot's compute / rest split.
  bool throughputSplit() const;
  void setThroughputSplit(bool on);

  void sync() { settings_->sync(); }

 private:
  std::unique_ptr<QSettings> settings_;
};

}  // namespace batchlab
