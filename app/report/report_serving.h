// defines: serving_setting_text, report_serving_html, report_serving_compare_html,
//          make_serving_curve_plot, make_batch_histogram_plot, make_inference_plot,
//          histogram_point
// The report's inference and serving section (schema v6 runs): per serving run the latency
// percentiles against throughput of every point, the latency–throughput curve of each setting
// with the p99 objective line and the best point marked, the batch sizes the batcher formed at
// the best point; per inference run samples/s and memory against batch size. Compare shows the
// one-row-per-run table.
#pragma once

#include <memory>

#include <QString>

#include "engine/experiment/serving_record.h"

class QCustomPlot;

namespace batchlab {

struct ReportData;
struct ReportServing;

// "dynamic batching, max batch 64, max delay 1 ms", "real-time serving (batch 1)".
QString serving_setting_text(const ServingPointRow& p);

QString report_serving_html(const ReportData& data);          // "" when there is none
QString report_serving_compare_html(const ReportData& data);  // "" when there is none

// The point whose batch sizes the histogram shows: the best, else the most served per second.
const ServingPointRow* histogram_point(const ReportServing& run);

std::unique_ptr<QCustomPlot> make_serving_curve_plot(const ReportServing& run);
std::unique_ptr<QCustomPlot> make_batch_histogram_plot(const ReportServing& run);
// nullptr when no inference run has a measured point.
std::unique_ptr<QCustomPlot> make_inference_plot(const ReportData& data);

}  // namespace batchlab
