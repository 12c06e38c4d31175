#include "app/runs_menu.h"

#include <algorithm>
#include <string>
#include <vector>

#include <QAbstractItemView>
#include <QDockWidget>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>

#include "app/run_session.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"

namespace batchlab {

RunsMenu::RunsMenu(RunSession& session, QAbstractItemView* view)
    : QObject(view), session_(session), view_(view) {
  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QWidget::customContextMenuRequested, this, &RunsMenu::showMenu);
  prompts_.confirm = [this](const QString& title, const QString& question) {
    return QMessageBox::question(view_, title, question) == QMessageBox::Yes;
  };
  prompts_.text = [this](const QString& title, const QString& label,
                         const QString& initial) -> std::optional<QString> {
    bool accepted = false;
    const QString text =
        QInputDialog::getText(view_, title, label, QLineEdit::Normal, initial, &accepted);
    return accepted ? std::optional<QString>(text) : std::nullopt;
  };
  prompts_.warn = [this](const QString& message) {
    QMessageBox::warning(view_, tr("Runs"), message);
  };
}

bool RunsMenu::rename(std::int64_t id, const QString& name, QString& error) {
  try {
    RunStore store(session_.storePath());
    store.rename_run(id, name.trimmed().toStdString());
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  if (const RunRow* row = session_.table().find(id)) {
    RunRow copy = *row;
    copy.name = name.trimmed();
    session_.table().upsert(copy);
  }
  return true;
}

bool RunsMenu::setTags(std::int64_t id, const QStringList& tags, QString& error) {
  std::vector<std::string> list;
  for (const QString& t : tags) list.push_back(t.toStdString());
  try {
    RunStore store(session_.storePath());
    store.set_tags(id, list);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  return true;
}

bool RunsMenu::remove(std::int64_t id, QString& error) {
  try {
    RunStore store(session_.storePath());
    store.delete_run(id);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  // The table has no row removal of its own: re-list the store (series of ticked runs reload).
  return session_.loadStore(session_.storePath(), error);
}

bool RunsMenu::renameSweep(std::int64_t sweep_id, const QString& name, QString& error) {
  const QString trimmed = name.trimmed();
  if (trimmed.isEmpty()) {
    error = tr("A sweep needs a name: the new name was empty.");
    return false;
  }
  try {
    RunStore store(session_.storePath());
    store.rename_sweep(sweep_id, trimmed.toStdString());
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  session_.table().setSweepName(sweep_id, trimmed);
  return true;
}

bool RunsMenu::removeSweep(std::int64_t sweep_id, QString& error) {
  try {
    RunStore store(session_.storePath());
    if (!store.sweep(sweep_id)) {
      error = tr("Sweep %1 is not in the store %2.")
                  .arg(sweep_id)
                  .arg(QString::fromStdString(session_.storePath().string()));
      return false;
    }
    store.delete_sweep(sweep_id);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  // As for one run: re-list the store, and the sweep's runs leave the table and the plots.
  return session_.loadStore(session_.storePath(), error);
}

void RunsMenu::showSweepSummary(std::int64_t sweep_id) {
  session_.table().showOnlySweep(sweep_id);
  if (auto* dock = view_->window()->findChild<QDockWidget*>(QStringLiteral("sweepSummaryDock"))) {
    dock->show();
    dock->raise();
  }
}

void RunsMenu::report(bool ok, const QString& error) {
  if (!ok && prompts_.warn) prompts_.warn(error);
}

void RunsMenu::populate(QMenu& menu, const QModelIndex& index) {
  const RunsTableModel& table = session_.table();
  if (const std::int64_t sweep = table.sweepIdAt(index.siblingAtColumn(0)))
    populateSweep(menu, sweep);
  else if (const std::int64_t id = table.idAt(index))
    populateRun(menu, id);
}

void RunsMenu::populateRun(QMenu& menu, std::int64_t id) {
  const RunRow* row = session_.table().find(id);
  if (!row || row->status == RunStatus::running) return;
  // The entries read the run's name when chosen, not when the menu was built.
  const auto name_of = [this, id] {
    const RunRow* r = session_.table().find(id);
    return r ? r->name : QString();
  };
  connect(menu.addAction(tr("Rename…")), &QAction::triggered, this, [this, id, name_of] {
    if (const auto text = prompts_.text(tr("Rename run %1").arg(id), tr("Name:"), name_of())) {
      QString error;
      report(rename(id, *text, error), error);
    }
  });
  connect(menu.addAction(tr("Tags…")), &QAction::triggered, this, [this, id] {
    QString current;
    try {
      if (auto record = RunStore(session_.storePath()).run(id))
        for (const std::string& t : record->tags)
          current +=
              (current.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(t);
    } catch (const std::exception& e) {
      report(false, QString::fromUtf8(e.what()));
      return;
    }
    if (const auto text =
            prompts_.text(tr("Tags of run %1").arg(id), tr("Tags, comma separated:"), current)) {
      QString error;
      report(setTags(id, text->split(u',', Qt::SkipEmptyParts), error), error);
    }
  });
  menu.addSeparator();
  connect(
      menu.addAction(tr("Delete run %1").arg(id)), &QAction::triggered, this, [this, id, name_of] {
        if (!prompts_.confirm(
                tr("Delete run"),
                tr("Delete run %1 (%2) with all its steps from the store?").arg(id).arg(name_of())))
          return;
        QString error;
        report(remove(id, error), error);
      });
}

void RunsMenu::populateSweep(QMenu& menu, std::int64_t sweep_id) {
  const RunsTableModel& table = session_.table();
  const std::vector<std::int64_t> ids = table.sweepRunIds(sweep_id);
  const bool running = std::any_of(ids.begin(), ids.end(), [&](std::int64_t id) {
    const RunRow* r = table.find(id);
    return r && r->status == RunStatus::running;
  });
  const auto count = static_cast<int>(ids.size());
  connect(menu.addAction(tr("Show sweep summary")), &QAction::triggered, this,
          [this, sweep_id] { showSweepSummary(sweep_id); });
  connect(menu.addAction(tr("Rename sweep…")), &QAction::triggered, this, [this, sweep_id] {
    const QString name = session_.table().sweepName(sweep_id);
    if (const auto text = prompts_.text(tr("Rename sweep"), tr("Name:"), name)) {
      QString error;
      report(renameSweep(sweep_id, *text, error), error);
    }
  });
  if (running) return;  // its runs belong to the worker until the sweep ends
  menu.addSeparator();
  const QString label =
      count == 1 ? tr("Delete sweep and its run…") : tr("Delete sweep and its %1 runs…").arg(count);
  connect(menu.addAction(label), &QAction::triggered, this, [this, sweep_id, count] {
    const QString name = session_.table().sweepName(sweep_id);
    const QString runs = count == 1 ? tr("its run") : tr("its %1 runs").arg(count);
    if (!prompts_.confirm(tr("Delete sweep"),
                          tr("Delete the sweep \"%1\" and %2 with all their steps from the store?")
                              .arg(name, runs)))
      return;
    QString error;
    report(removeSweep(sweep_id, error), error);
  });
}

void RunsMenu::showMenu(const QPoint& pos) {
  const QModelIndex index = view_->indexAt(pos);
  if (!index.isValid()) return;
  QMenu menu(view_);
  populate(menu, index);
  if (!menu.isEmpty()) menu.exec(view_->viewport()->mapToGlobal(pos));
}

}  // namespace batchlab
