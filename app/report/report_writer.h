// defines: ReportFormat, report_format_for, report_html, report_pdf, write_report
// A report as one PDF (vector plots, QPdfWriter) or one self-contained HTML file (plots as inline
// base64 PNG, no external reference). Both are written atomically: a failed export leaves no file.
#pragma once

#include <filesystem>

#include <QByteArray>
#include <QString>

namespace batchlab {

struct ReportData;

enum class ReportFormat { pdf, html };
// From the file name: .pdf, .html or .htm. Throws Error naming the path for anything else.
ReportFormat report_format_for(const std::filesystem::path& path);

QString report_html(const ReportData& data);
QByteArray report_pdf(const ReportData& data);
// Renders in the format the name asks for and writes it atomically. Throws Error naming the path
// when it cannot be written (missing folder, no permission, full disk); nothing is left behind.
void write_report(const ReportData& data, const std::filesystem::path& path);

}  // namespace batchlab
