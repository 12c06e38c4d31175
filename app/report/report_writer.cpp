#include "app/report/report_writer.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <qcustomplot.h>
#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>

#include "app/report/report_data.h"
#include "app/report/report_plots.h"
#include "app/report/report_sections.h"
#include "app/report/report_serving.h"
#include "engine/core/errors.h"
#include "engine/experiment/atomic_file.h"

namespace batchlab {

namespace {

constexpr int kDpi = 96;  // painter units: 1 px = 1/96 in, so fonts in points come out as usual

// Inline CSS for the HTML file; QTextDocument reads the same table attributes for the PDF.
const char* const kStyle =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table.grid{border-collapse:collapse;font-size:0.85em}"
    "table.grid td,table.grid th{border:1px solid #999;padding:2px 6px}"
    "th{background:#eee}img{max-width:100%}";

QString plot_png_base64(QCustomPlot& plot);

// The inference and serving section with its plots inline: each serving run's tables, then its
// latency–throughput curve and batch-size histogram; the inference plot after the last table.
QString serving_html(const ReportData& d) {
  QString html = report_serving_html(d);
  if (html.isEmpty()) return html;
  html += QStringLiteral("<p>");
  for (const ReportServing& s : d.serving) {
    html += plot_png_base64(*make_serving_curve_plot(s)) + QStringLiteral("\n");
    html += plot_png_base64(*make_batch_histogram_plot(s)) + QStringLiteral("\n");
  }
  if (auto plot = make_inference_plot(d)) html += plot_png_base64(*plot);
  return html + QStringLiteral("</p>");
}

QString plot_png_base64(QCustomPlot& plot) {
  const QPixmap pixmap = plot.toPixmap(plot.width(), plot.height(), 2.0);
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  pixmap.save(&buffer, "PNG");
  return QStringLiteral("<img alt=\"%1\" src=\"data:image/png;base64,%2\" width=\"%3\"/>")
      .arg(plot.objectName(), QString::fromLatin1(bytes.toBase64()))
      .arg(plot.width());
}

// Lays out HTML on as many pages as it needs, starting on a new page unless `first`.
void draw_flowing_html(QPdfWriter& writer, QPainter& painter, const QString& html, bool& first) {
  const QRect page = writer.pageLayout().paintRectPixels(writer.resolution());
  QTextDocument doc;
  doc.documentLayout()->setPaintDevice(&writer);
  QFont font = doc.defaultFont();
  font.setPointSizeF(8.5);
  doc.setDefaultFont(font);
  doc.setHtml(html);
  doc.setPageSize(QSizeF(page.width(), page.height()));
  for (int i = 0; i < doc.pageCount(); ++i) {
    if (!first) writer.newPage();
    first = false;
    painter.save();
    painter.translate(0, -i * page.height());
    doc.drawContents(&painter, QRectF(0, i * page.height(), page.width(), page.height()));
    painter.restore();
  }
}

void draw_heading(QPainter& painter, const QString& text, int width) {
  QFont font = painter.font();
  font.setPointSizeF(14.0);
  font.setBold(true);
  painter.save();
  painter.setFont(font);
  painter.drawText(QRect(0, 0, width, 30), Qt::AlignLeft | Qt::AlignVCenter, text);
  painter.restore();
}

void draw_plot(QCPPainter& painter, QCustomPlot& plot, QPoint at, QSize size) {
  painter.save();
  painter.translate(at);
  plot.toPainter(&painter, size.width(), size.height());
  painter.restore();
}

// Inference and serving: a page of plots per serving run, an inference plot page, then the
// section's tables flowing on.
void draw_serving_pages(QPdfWriter& writer, QCPPainter& painter, const ReportData& d, int w,
                        int h, bool& first) {
  const QString tables = report_serving_html(d);
  if (tables.isEmpty()) return;
  for (const ReportServing& s : d.serving) {
    writer.newPage();
    draw_heading(painter,
                 QStringLiteral("Serving: run #%1 %2")
                     .arg(s.record.id)
                     .arg(QString::fromStdString(s.record.name)),
                 w);
    draw_plot(painter, *make_serving_curve_plot(s), QPoint(0, 40), QSize(w, h * 11 / 20));
    draw_plot(painter, *make_batch_histogram_plot(s), QPoint(0, 56 + h * 11 / 20),
              QSize(w, h * 7 / 20));
  }
  if (auto plot = make_inference_plot(d)) {
    writer.newPage();
    draw_heading(painter, QStringLiteral("Offline inference"), w);
    draw_plot(painter, *plot, QPoint(0, 40), QSize(w, std::min(h - 60, 420)));
  }
  first = false;
  draw_flowing_html(writer, painter, tables, first);
}

}  // namespace

ReportFormat report_format_for(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".pdf") return ReportFormat::pdf;
  if (ext == ".html" || ext == ".htm") return ReportFormat::html;
  throw Error(path.string() + ": a report is a .pdf or an .html file");
}

QString report_html(const ReportData& d) {
  QString html = QStringLiteral(
                     "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>%1</title>"
                     "<style>%2</style></head><body>\n")
                     .arg(d.title.toHtmlEscaped(), QString::fromLatin1(kStyle));
  html += report_header_html(d) + report_findings_html(d);
  html += serving_html(d);
  if (d.runs.empty()) return html + QStringLiteral("\n</body></html>\n");
  html += report_summary_html(d);
  if (has_sweep_plots(d)) {
    html += QStringLiteral("<h2>Sweep summary</h2><p>");
    for (const SweepPlotKind kind : sweep_plot_kinds()) {
      auto plot = make_sweep_plot(d, kind);
      plot->resize(460, 320);
      html += plot_png_base64(*plot) + QStringLiteral("\n");
    }
    html += QStringLiteral("</p>");
  }
  auto loss = make_loss_plot(d);
  html +=
      QStringLiteral("<h2>Loss curves</h2><p>") + plot_png_base64(*loss) + QStringLiteral("</p>");
  if (const QString scaling = report_scaling_html(d); !scaling.isEmpty()) {
    html += scaling + QStringLiteral("<p>");
    for (const ReportRun* r : scaling_model_runs(d))
      html += plot_png_base64(*make_scaling_plot(*r)) + QStringLiteral("\n");
    html += QStringLiteral("</p>");
  }
  html += report_config_html(d);
  return html + QStringLiteral("\n</body></html>\n");
}

QByteArray report_pdf(const ReportData& d) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QPdfWriter writer(&buffer);
    writer.setResolution(kDpi);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter));
    writer.setTitle(d.title);
    writer.setCreator(QStringLiteral("BatchLab"));
    const QRect page = writer.pageLayout().paintRectPixels(kDpi);
    QCPPainter painter(&writer);
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    bool first = true;
    const bool training = !d.runs.empty();
    draw_flowing_html(writer, painter,
                      report_header_html(d) + report_findings_html(d) +
                          (training ? report_summary_html(d) : QString()),
                      first);
    const int w = page.width();
    draw_serving_pages(writer, painter, d, w, page.height(), first);
    if (training) {
      if (has_sweep_plots(d)) {
        writer.newPage();
        draw_heading(painter, QStringLiteral("Sweep summary"), w);
        // Two columns, as many rows as the plots need, shared out over the page's height.
        const int rows = (static_cast<int>(sweep_plot_kinds().size()) + 1) / 2;
        const QSize cellSize((w - 12) / 2, std::min(330, (page.height() - 40) / rows - 16));
        int i = 0;
        for (const SweepPlotKind kind : sweep_plot_kinds()) {
          auto plot = make_sweep_plot(d, kind);
          draw_plot(
              painter, *plot,
              QPoint((i % 2) * (cellSize.width() + 12), 40 + (i / 2) * (cellSize.height() + 16)),
              cellSize);
          ++i;
        }
      }
      writer.newPage();
      draw_heading(painter, QStringLiteral("Loss curves"), w);
      auto loss = make_loss_plot(d);
      draw_plot(painter, *loss, QPoint(0, 40), QSize(w, std::min(page.height() - 60, 520)));
      if (const QString scaling = report_scaling_html(d); !scaling.isEmpty()) {
        first = false;
        draw_flowing_html(writer, painter, scaling, first);
        // Under the text, one plot per run, as many pages as they need (two a page).
        const int h = std::min(420, (page.height() - 200) / 2);
        int y = 200;
        for (const ReportRun* r : scaling_model_runs(d)) {
          if (y + h > page.height()) {
            writer.newPage();
            y = 0;
          }
          draw_plot(painter, *make_scaling_plot(*r), QPoint(0, y), QSize(w, h));
          y += h + 16;
        }
      }
      first = false;
      draw_flowing_html(writer, painter, report_config_html(d), first);
    }
    painter.end();
  }
  return bytes;
}

void write_report(const ReportData& d, const std::filesystem::path& path) {
  const ReportFormat format = report_format_for(path);
  // Render first: a rendering failure then never touches the file system.
  const QByteArray bytes = format == ReportFormat::pdf ? report_pdf(d) : report_html(d).toUtf8();
  if (bytes.isEmpty()) throw Error(path.string() + ": the report came out empty");
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(bytes.constData(), static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace batchlab
