// defines: CompareDialog
// Compare… on the ticked runs: their summary metrics with the best value in each column marked,
// and only the settings that differ between them (the shared ones below). The curves need no
// dialog: the window's plots already overlay every ticked run.
#pragma once

#include <QDialog>

class QTextBrowser;

namespace batchlab {

struct ReportData;

class CompareDialog final : public QDialog {
  Q_OBJECT
 public:
  explicit CompareDialog(const ReportData& runs, QWidget* parent = nullptr);
  QString text() const;  // as shown, plain

 private:
  QTextBrowser* text_;
};

}  // namespace batchlab
