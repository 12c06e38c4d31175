// defines: wants_report, report_main, run_report_command
// `batchlab --report --db PATH (--runs ID,... | --sweep ID) -o OUT.pdf|OUT.html [--title T]`
// writes a report without opening a window (offscreen platform unless QT_QPA_PLATFORM says
// otherwise). It lives in the GUI executable because the plots are QCustomPlot widgets;
// batchlab-cli stays Qt-free and points here. Exit codes as batchlab-cli's: 0 written; 1 the
// file could not be written (nothing left behind); 2 bad input (store, run or sweep unknown).
#pragma once

#include <QStringList>

namespace batchlab {

bool wants_report(int argc, char** argv);
// Creates the QApplication, then runs run_report_command.
int report_main(int argc, char** argv);
// The command itself, for a running QApplication (tests); arguments[0] is the program name.
int run_report_command(const QStringList& arguments);

}  // namespace batchlab
