#include "app/report/report_command.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>

#include "app/report/report_data.h"
#include "app/report/report_writer.h"
#include "engine/experiment/run_store.h"

namespace batchlab {

namespace {

int fail(int code, const QString& message) {
  std::fprintf(stderr, "batchlab: report: %s\n", message.toLocal8Bit().constData());
  return code;
}

}  // namespace

bool wants_report(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--report") == 0) return true;
  return false;
}

int report_main(int argc, char** argv) {
  // No window is shown: the offscreen platform needs no display (plain SSH, CI).
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  app.setApplicationName(QStringLiteral("batchlab"));
  return run_report_command(QApplication::arguments());
}

int run_report_command(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Write a PDF or HTML report on stored runs."));
  parser.addHelpOption();
  parser.addOption({QStringLiteral("report"), QStringLiteral("Write a report and exit.")});
  parser.addOption({QStringLiteral("db"),
                    QStringLiteral("Run store (default as for batchlab-cli)."),
                    QStringLiteral("path")});
  parser.addOption(
      {QStringLiteral("runs"), QStringLiteral("Run ids, comma separated."), QStringLiteral("ids")});
  parser.addOption({QStringLiteral("sweep"), QStringLiteral("Every run of this sweep id."),
                    QStringLiteral("id")});
  parser.addOption({{QStringLiteral("o"), QStringLiteral("output")},
                    QStringLiteral("OUT.pdf or OUT.html."),
                    QStringLiteral("path")});
  parser.addOption(
      {QStringLiteral("title"), QStringLiteral("Report title."), QStringLiteral("text")});
  parser.addOption({QStringLiteral("price-per-hour"),
                    QStringLiteral("Price of one device-hour: adds cost columns (default "
                                   "$BATCHLAB_PRICE_PER_HOUR)."),
                    QStringLiteral("price")});
  if (!parser.parse(arguments)) return fail(2, parser.errorText());
  if (parser.isSet(QStringLiteral("help"))) {
    std::fputs(parser.helpText().toLocal8Bit().constData(), stdout);
    return 0;
  }
  if (!parser.isSet(QStringLiteral("output")))
    return fail(2, QStringLiteral("give the output file: -o OUT.pdf or -o OUT.html"));
  if (!parser.isSet(QStringLiteral("runs")) && !parser.isSet(QStringLiteral("sweep")))
    return fail(2, QStringLiteral("give --runs ID,... or --sweep ID"));

  std::vector<std::int64_t> ids;
  for (const QString& part : parser.value(QStringLiteral("runs")).split(u',', Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong id = part.trimmed().toLongLong(&ok);
    if (!ok || id <= 0) return fail(2, QStringLiteral("--runs: '%1' is not a run id").arg(part));
    ids.push_back(id);
  }
  std::int64_t sweep = 0;
  if (parser.isSet(QStringLiteral("sweep"))) {
    bool ok = false;
    sweep = parser.value(QStringLiteral("sweep")).toLongLong(&ok);
    if (!ok || sweep <= 0)
      return fail(2, QStringLiteral("--sweep: '%1' is not a sweep id")
                         .arg(parser.value(QStringLiteral("sweep"))));
  }
  const std::filesystem::path db =
      parser.isSet(QStringLiteral("db"))
          ? std::filesystem::path(parser.value(QStringLiteral("db")).toStdString())
          : default_store_path();
  const std::filesystem::path out = parser.value(QStringLiteral("output")).toStdString();

  ReportData data;
  try {
    report_format_for(out);
    // RunStore creates a missing file; a report on a store that is not there is a typo.
    if (!std::filesystem::exists(db))
      return fail(2,
                  QStringLiteral("%1: no such run store").arg(QString::fromStdString(db.string())));
    const RunStore store(db);
    data = load_report_data(store, ids, sweep);
  } catch (const std::exception& e) {
    return fail(2, QString::fromUtf8(e.what()));
  }
  if (parser.isSet(QStringLiteral("title"))) data.title = parser.value(QStringLiteral("title"));
  const QString price = parser.isSet(QStringLiteral("price-per-hour"))
                            ? parser.value(QStringLiteral("price-per-hour"))
                            : qEnvironmentVariable("BATCHLAB_PRICE_PER_HOUR");
  if (!price.isEmpty()) {
    bool ok = false;
    data.price_per_hour = price.toDouble(&ok);
    if (!ok || !(data.price_per_hour >= 0))
      return fail(2, QStringLiteral("--price-per-hour: '%1' is not a price").arg(price));
  }
  try {
    write_report(data, out);
  } catch (const std::exception& e) {
    return fail(1, QString::fromUtf8(e.what()));
  }
  std::printf("wrote %s (%zu runs)\n", out.string().c_str(), data.runs.size());
  return 0;
}

}  // namespace batchlab
