// batchlab: the workbench window. Everything but this file lives in batchlab_app.
#include <cstdio>
#include <cstring>
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app/app_settings.h"
#include "app/latency_probe.h"
#include "app/launch_options.h"
#include "app/main_window.h"
#include "app/report/report_command.h"

namespace {

bool asks_only_for_text(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    for (const char* flag : {"-h", "--help", "--help-all", "-v", "--version"})
      if (std::strcmp(argv[i], flag) == 0) return true;
  return false;
}

void describe(QCoreApplication& app) {
  app.setOrganizationName(QStringLiteral("BatchLab"));
  app.setApplicationName(QStringLiteral("batchlab"));
  app.setApplicationVersion(QStringLiteral(BATCHLAB_VERSION));
}

}  // namespace

int main(int argc, char** argv) {
  if (batchlab::wants_report(argc, argv)) return batchlab::report_main(argc, argv);
  if (!batchlab::has_display()) {
    if (asks_only_for_text(argc, argv)) {
      // --help and --version need no window.
      QCoreApplication app(argc, argv);
      describe(app);
      QCommandLineParser parser;
      batchlab::add_launch_options(parser);
      parser.process(app);
      return 0;
    }
    std::fprintf(stderr, "%s\n", batchlab::kNoDisplayMessage);
    return 1;
  }
  QApplication app(argc, argv);
  describe(app);
  QCommandLineParser parser;
  batchlab::add_launch_options(parser);
  parser.process(app);
  const batchlab::LaunchOptions options = batchlab::read_launch_options(parser);

  auto settings = options.settings_file.isEmpty()
                      ? std::make_unique<batchlab::AppSettings>()
                      : std::make_unique<batchlab::AppSettings>(options.settings_file);
  batchlab::LatencyProbe probe;
  if (!options.latency_log.isEmpty() && !probe.start(options.latency_log))
    std::fprintf(stderr, "batchlab: cannot write the latency log %s\n",
                 options.latency_log.toLocal8Bit().constData());
  batchlab::MainWindow window(*settings, options.store);
  window.show();
  batchlab::Automation automation(window, options);
  if (!automation.start() && options.quit_when_done) return automation.exitCode();
  return app.exec();
}
