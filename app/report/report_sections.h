// defines: report_header_html, report_findings_html, report_summary_html, report_config_html,
//          report_scaling_html
// The report's text as HTML fragments, shared by the HTML file and the PDF (which lays them out
// with QTextDocument), so both say the same thing.
#pragma once

#include <QString>

namespace batchlab {

struct ReportData;

QString report_header_html(const ReportData& data);    // title, date, machine, device
QString report_findings_html(const ReportData& data);  // the generated findings
QString report_summary_html(const ReportData& data);   // one row per run
QString report_config_html(const ReportData& data);    // shared settings; the differing ones marked
// The scaling section's heading and text (its plots are the writer's); empty when no run has
// what the model needs.
QString report_scaling_html(const ReportData& data);

}  // namespace batchlab
