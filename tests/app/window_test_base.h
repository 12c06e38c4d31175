// Shared by the suites that drive the whole MainWindow: a fresh temporary store and settings file
// per test function, a window at the 1280×800 the docs promise, and "run this config and wait".
#pragma once

#include <QSignalSpy>
#include <QTemporaryDir>
#include <filesystem>
#include <memory>

#include "app/app_settings.h"
#include "app/main_window.h"
#include "app/run_controller.h"
#include "engine/core/run_config.h"
#include "widgets/experiment_form.h"

namespace batchlab::testing {

class WindowTestBase : public QObject {
 protected:
  // Call from each suite's init() slot: nothing carries over between test functions.
  void resetFixture() {
    settings_.reset();
    dir_ = std::make_unique<QTemporaryDir>();
    store_ = dir_->filePath("runs.sqlite").toStdString();
    settings_ = std::make_unique<AppSettings>(dir_->filePath("settings.ini"));
  }
  std::unique_ptr<MainWindow> makeWindow() {
    auto w = std::make_unique<MainWindow>(*settings_, store_);
    w->resize(1280, 800);
    w->show();
    return w;
  }
  bool runAndWait(MainWindow& w, const RunConfig& c, int timeout_ms = 60000) {
    QSignalSpy idle(w.controller(), &RunController::idle);
    w.form()->setConfig(c);
    if (!w.runAction()->isEnabled()) return false;
    w.runAction()->trigger();
    return idle.wait(timeout_ms);
  }

  std::unique_ptr<QTemporaryDir> dir_;
  std::filesystem::path store_;
  std::unique_ptr<AppSettings> settings_;
};

}  // namespace batchlab::testing
