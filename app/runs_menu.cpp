#include "app/runs_menu.h"

#include <string>
#include <vector>

#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
#include <QTableView>

#include "app/run_session.h"
#include "engine/experiment/run_store.h"
#include "widgets/runs_table_model.h"

namespace batchlab {

RunsMenu::RunsMenu(RunSession& session, QTableView* view)
    : QObject(view), session_(session), view_(view) {
  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QWidget::customContextMenuRequested, this, &RunsMenu::showMenu);
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

void RunsMenu::showMenu(const QPoint& pos) {
  const QModelIndex index = view_->indexAt(pos);
  if (!index.isValid()) return;
  const std::int64_t id = session_.table().idAt(index.row());
  const RunRow* row = session_.table().find(id);
  if (!row || row->status == RunStatus::running) return;
  const QString name = row->name;
  QMenu menu(view_);
  QAction* rename_action = menu.addAction(tr("Rename…"));
  QAction* tag_action = menu.addAction(tr("Tags…"));
  menu.addSeparator();
  QAction* delete_action = menu.addAction(tr("Delete run %1").arg(id));
  QAction* chosen = menu.exec(view_->viewport()->mapToGlobal(pos));
  QString error;
  bool ok = true;
  if (chosen == rename_action) {
    bool accepted = false;
    const QString text = QInputDialog::getText(view_, tr("Rename run %1").arg(id), tr("Name:"),
                                               QLineEdit::Normal, name, &accepted);
    if (accepted) ok = rename(id, text, error);
  } else if (chosen == tag_action) {
    QString current;
    if (auto record = RunStore(session_.storePath()).run(id))
      for (const std::string& t : record->tags)
        current +=
            (current.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(t);
    bool accepted = false;
    const QString text =
        QInputDialog::getText(view_, tr("Tags of run %1").arg(id), tr("Tags, comma separated:"),
                              QLineEdit::Normal, current, &accepted);
    if (accepted) ok = setTags(id, text.split(u',', Qt::SkipEmptyParts), error);
  } else if (chosen == delete_action) {
    if (QMessageBox::question(
            view_, tr("Delete run"),
            tr("Delete run %1 (%2) with all its steps from the store?").arg(id).arg(name)) ==
        QMessageBox::Yes)
      ok = remove(id, error);
  }
  if (!ok) QMessageBox::warning(view_, tr("Runs"), error);
}

}  // namespace batchlab
