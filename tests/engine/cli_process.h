// Shared by the suites that drive batchlab-cli as a separate process, with the source tree's
// presets so the test never depends on what is installed.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace batchlab::testing {

struct CliResult {
  int code = -1;  // -1: timed out (killed); -2: crashed
  QString out;
  QString err;
};

inline CliResult cli(const QStringList& args, int timeout_ms = 300000) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("BATCHLAB_PRESET_DIR", QString(BATCHLAB_SOURCE_DIR) + "/resources/presets");
  p.setProcessEnvironment(env);
  p.start(BATCHLAB_CLI_PATH, args);
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    return {};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
          QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace batchlab::testing
