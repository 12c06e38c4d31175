// defines: run_legend_labels, RunLegend (a compact legend of the runs a plot draws)
// The legend sits under the axes (as the memory and schedule plots' do), never over a curve,
// in as many columns as the plot's width holds and at most `max_rows` rows; runs that do not
// fit are summed up in a last "+k more" entry, so twenty ticked runs cost two lines, not twenty.
#pragma once

#include <cstdint>
#include <vector>

#include <QFont>
#include <QPen>
#include <QString>
#include <QStringList>

class QCPLegend;
class QCustomPlot;

namespace batchlab {

struct RunSeries;

// One label per run, in order: "#id" and what tells the runs apart (see the .cpp for why).
std::vector<QString> run_legend_labels(const std::vector<const RunSeries*>& runs);

class RunLegend {
 public:
  struct Entry {
    QPen pen;  // the icon: a short line in the run's colour, as wide as its main line
    QString label;
    bool operator==(const Entry&) const = default;
  };

  // Moves `plot`'s legend under its axis rect; the plot owns the legend, as before.
  explicit RunLegend(QCustomPlot* plot, int max_rows = 2);

  // Shows these entries (one per run with a curve, in run order); rebuilt only when they or
  // the room for them changed, so a refresh per frame costs a comparison.
  void setEntries(std::vector<Entry> entries);

  // What is on screen: the labels of the runs listed, and how many are left to "+k more".
  QStringList shownLabels() const;
  std::vector<Entry> shownEntries() const;
  int moreCount() const { return more_; }
  int columns() const { return columns_; }
  int rows() const;

 private:
  void rebuild();
  int columnsThatFit() const;

  QCustomPlot* plot_ = nullptr;
  QCPLegend* legend_ = nullptr;
  int max_rows_ = 2;
  std::vector<Entry> entries_;
  QFont font_;  // the legend's font when last built (a style change rebuilds it)
  int shown_ = 0;
  int more_ = 0;
  int columns_ = 1;
  bool built_ = false;
};

}  // namespace batchlab
