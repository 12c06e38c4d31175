#include "app/report/report_sections.h"

#include "engine/metrics/cost.h"
#include "widgets/runs_table_model.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "app/report/report_data.h"
#include "app/report/report_plots.h"
#include "engine/core/format_text.h"
#include "widgets/format.h"

namespace batchlab {

namespace {

QString esc(const QString& s) {
  return s.toHtmlEscaped();
}
QString esc(const std::string& s) {
  return QString::fromStdString(s).toHtmlEscaped();
}

QString nowrap_cell(const QString& text) {
  return QStringLiteral("<td nowrap=\"nowrap\">%1</td>").arg(esc(text));
}

QString cell(const QString& text, bool header = false) {
  return header ? QStringLiteral("<th>%1</th>").arg(esc(text))
                : QStringLiteral("<td>%1</td>").arg(esc(text));
}

// Numbers line up on their last digit.
QString number_cell(const QString& text) {
  return QStringLiteral("<td align=\"right\">%1</td>").arg(esc(text));
}

// An out-of-memory run held only what was allocated before the refusal: that is not its
// footprint. It says it did not fit, and what the memory model says it needed.
QString peak_memory_text(const ReportRun& r) {
  const RunSummary& s = r.summary;
  if (r.record.status == RunStatus::out_of_memory) {
    const std::int64_t needed =
        s.predicted_memory_bytes > 0 ? s.predicted_memory_bytes : s.oom_requested_bytes.value_or(0);
    return needed > 0 ? QStringLiteral("did not fit (needs %1)").arg(format_bytes(needed))
                      : QStringLiteral("did not fit");
  }
  return s.peak_memory_bytes > 0 ? format_bytes(s.peak_memory_bytes) : QStringLiteral("—");
}

QString optional_steps(const std::optional<std::int64_t>& v) {
  return v ? QString::number(*v) : QStringLiteral("—");
}

}  // namespace

QString report_header_html(const ReportData& d) {
  QString html = QStringLiteral("<h1>%1</h1><p>Made %2 by BatchLab from %3 run(s).</p>")
                     .arg(esc(d.title), esc(d.date))
                     .arg(d.runs.size() + d.serving.size() + d.inference.size());
  html += QStringLiteral("<h2>Machine</h2><p><b>CPU:</b> %1<br/><b>Backend / device:</b> %2</p>")
              .arg(esc(d.machine), esc(d.device));
  return html;
}

QString report_findings_html(const ReportData& d) {
  QString html = QStringLiteral("<h2>Findings</h2><ul>");
  for (const QString& f : d.findings) html += QStringLiteral("<li>%1</li>").arg(esc(f));
  return html + QStringLiteral("</ul>");
}

QString report_summary_html(const ReportData& d) {
  const bool accuracy = std::any_of(d.runs.begin(), d.runs.end(), [](const ReportRun& r) {
    return std::isfinite(r.summary.best_val_accuracy);
  });
  QString html = QStringLiteral(
      "<h2>Summary</h2><table class=\"grid\" width=\"100%\" border=\"1\" cellspacing=\"0\" "
      "cellpadding=\"3\"><tr>");
  // The status is the one column given a width: QTextDocument would wrap "target reached".
  for (const char* h :
       {"Run", "Status", "Batch", "LR", "Steps", "Time", "Samples/s", "Peak memory",
        accuracy ? "Best val acc" : "Best val loss", "Steps to target", "Time to target"})
    html += std::strcmp(h, "Status") == 0 ? QStringLiteral("<th width=\"15%\">Status</th>")
            : std::strcmp(h, "Run") == 0
                ? cell(QString::fromUtf8(h), true)
                : QStringLiteral("<th align=\"right\">%1</th>").arg(esc(QString::fromUtf8(h)));
  const bool costs = d.price_per_hour > 0;
  if (costs)
    html += QStringLiteral("<th align=\"right\">Cost</th><th align=\"right\">Cost to target</th>");
  html += QStringLiteral("</tr>");
  // The best value in each metric column, marked: max samples/s and accuracy, min of the rest.
  const auto value = [](const std::optional<std::int64_t>& v) {
    return v ? static_cast<double>(*v) : std::numeric_limits<double>::quiet_NaN();
  };
  std::vector<std::function<double(const ReportRun&)>> metrics{
      [](const ReportRun& r) { return r.summary.samples_per_s_median; },
      [](const ReportRun& r) {
        return r.summary.peak_memory_bytes > 0 ? static_cast<double>(r.summary.peak_memory_bytes)
                                               : std::numeric_limits<double>::quiet_NaN();
      },
      [accuracy](const ReportRun& r) {
        return accuracy ? r.summary.best_val_accuracy : r.summary.best_val_loss;
      },
      [value](const ReportRun& r) { return value(r.summary.steps_to_target); },
      [](const ReportRun& r) {
        return r.summary.time_to_target_s ? *r.summary.time_to_target_s
                                          : std::numeric_limits<double>::quiet_NaN();
      }};
  const bool higher_better[] = {true, false, accuracy, false, false};
  std::vector<double> best(metrics.size(), std::numeric_limits<double>::quiet_NaN());
  // A run that ran out of memory, diverged or failed is not a contender: the bytes it held when
  // an allocation was refused are not the smallest footprint, and so on.
  const auto contender = [](const ReportRun& r) { return !is_failure(r.record.status); };
  for (std::size_t m = 0; m < metrics.size(); ++m)
    for (const ReportRun& r : d.runs) {
      if (!contender(r)) continue;
      const double v = metrics[m](r);
      if (std::isfinite(v) &&
          (!std::isfinite(best[m]) || (higher_better[m] ? v > best[m] : v < best[m])))
        best[m] = v;
    }
  // Only worth marking when there is something to compare.
  const bool mark = d.runs.size() > 1;
  const auto metric_cell = [&](std::size_t m, const ReportRun& r, const QString& text) {
    const double v = metrics[m](r);
    // A no-break space keeps the star on the number's line.
    return mark && contender(r) && std::isfinite(v) && v == best[m]
               ? QStringLiteral("<td align=\"right\" nowrap=\"nowrap\"><b>%1&nbsp;★</b></td>")
                     .arg(esc(text))
               : number_cell(text);
  };
  for (const ReportRun& r : d.runs) {
    const RunSummary& s = r.summary;
    html += QStringLiteral("<tr>");
    html += cell(QString::number(r.record.id));
    // "target reached" with a no-break space: one line, and no wrap inside an identifier.
    html += nowrap_cell(QString::fromUtf8(to_string(r.record.status).data(),
                                          static_cast<qsizetype>(to_string(r.record.status).size()))
                            .replace(u'_', QChar(0x00A0)));
    html += number_cell(QString::number(r.batch));
    html += number_cell(format_number(r.lr, 3));
    html += number_cell(QString::number(s.steps));
    html += number_cell(format_duration(s.time_s));
    html += metric_cell(0, r, QString::fromStdString(text::rate(s.samples_per_s_median)));
    html += metric_cell(1, r, peak_memory_text(r));
    html += metric_cell(2, r, format_number(accuracy ? s.best_val_accuracy : s.best_val_loss, 4));
    html += metric_cell(3, r, optional_steps(s.steps_to_target));
    html += metric_cell(
        4, r, s.time_to_target_s ? format_duration(*s.time_to_target_s) : QStringLiteral("—"));
    if (costs) {
      html += number_cell(RunsTableModel::cost_text(cost_of(s.time_s, d.price_per_hour)));
      html += number_cell(s.time_to_target_s ? RunsTableModel::cost_text(
                                                   cost_of(*s.time_to_target_s, d.price_per_hour))
                                             : QStringLiteral("—"));
    }
    html += QStringLiteral("</tr>");
  }
  html += QStringLiteral("</table>");
  if (!d.target.isEmpty()) html += QStringLiteral("<p>Stop target: %1.</p>").arg(esc(d.target));
  if (d.runs.size() > 1) html += QStringLiteral("<p>★ the best value in its column.</p>");
  return html;
}

QString report_config_html(const ReportData& d) {
  QString html = QStringLiteral("<h2>Configuration</h2>");
  if (!d.differing_keys.empty()) {
    html += QStringLiteral(
        "<p>Settings that differ between the runs (marked ◆); every other setting is the same "
        "and listed below.</p><table class=\"grid\" border=\"1\" cellspacing=\"0\" "
        "cellpadding=\"3\"><tr><th>Setting</th>");
    for (const ReportRun& r : d.runs) html += cell(QStringLiteral("run %1").arg(r.record.id), true);
    html += QStringLiteral("</tr>");
    for (const std::string& k : d.differing_keys) {
      html += QStringLiteral("<tr><td><b>◆ %1</b></td>").arg(esc(k));
      for (const ReportRun& r : d.runs) {
        const auto it = r.config.find(k);
        html +=
            cell(it == r.config.end() ? QStringLiteral("—") : QString::fromStdString(it->second));
      }
      html += QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
  } else {
    html += QStringLiteral("<p>Every run has the same settings.</p>");
  }
  html += QStringLiteral(
      "<h3>Shared settings</h3><table class=\"grid\" border=\"1\" cellspacing=\"0\" "
      "cellpadding=\"2\"><tr><th>Setting</th><th>Value</th><th>Setting</th><th>Value</th></tr>");
  // Two key/value pairs a row: the shared list is long and the values short.
  const std::size_t n = d.shared_keys.size();
  const std::size_t half = (n + 1) / 2;
  const auto& cfg = d.runs.front().config;
  for (std::size_t i = 0; i < half; ++i) {
    html += QStringLiteral("<tr>");
    for (const std::size_t j : {i, i + half}) {
      if (j < n) {
        html += cell(QString::fromStdString(d.shared_keys[j]));
        html += cell(QString::fromStdString(cfg.at(d.shared_keys[j])));
      } else {
        html += QStringLiteral("<td></td><td></td>");
      }
    }
    html += QStringLiteral("</tr>");
  }
  return html + QStringLiteral("</table>");
}

QString report_scaling_html(const ReportData& data) {
  const std::vector<const ReportRun*> runs = scaling_model_runs(data);
  if (runs.empty()) return {};
  const LinkPreset* link = find_link_preset(kReportScalingLink);
  QStringList which;
  for (const ReportRun* r : runs) which << QStringLiteral("#%1").arg(r->record.id);
  QString html = QStringLiteral("<h2>Scaling model — model, not a measurement</h2><p>");
  html += QStringLiteral(
              "Predicted throughput and scaling efficiency over R = 1 … 1024 data-parallel "
              "replicas for run %1, from each run's measured compute time per sample and its "
              "gradient size: step = compute(per-device batch) + 2(R−1)/R · gradient / bandwidth "
              "+ 2(R−1) · latency (ring all-reduce, not overlapped), over %2 (%3 Gbit/s, %4 µs "
              "per message). Weak scaling keeps each device's batch, strong scaling the global "
              "batch. This is a model, not a measurement: <tt>batchlab-cli scale RUN --link "
              "…</tt> prints its numbers for another link.")
              .arg(which.join(QStringLiteral(", ")), QString::fromLatin1(kReportScalingLink))
              .arg(link->gbit_per_s)
              .arg(link->latency_us);
  std::size_t with = 0;
  for (const ReportRun& r : data.runs) with += r.scaling ? 1 : 0;
  if (with > runs.size())
    html += QStringLiteral(" %1 more runs could be modelled; the first %2 are drawn.")
                .arg(with - runs.size())
                .arg(runs.size());
  return html + QStringLiteral("</p>");
}

}  // namespace batchlab
