// defines: RunsMenu (the runs table's context menu: rename, tag, delete)
// Edits go to the store first (RunStore::rename_run, set_tags, delete_run) and the table follows,
// so what the table shows is what the store holds. A run still training is not offered: its row
// belongs to the worker until it finishes.
#pragma once

#include <cstdint>

#include <QObject>
#include <QString>
#include <QStringList>

class QPoint;
class QTableView;

namespace batchlab {

class RunSession;

class RunsMenu final : public QObject {
  Q_OBJECT
 public:
  // Installs itself as `view`'s context menu.
  RunsMenu(RunSession& session, QTableView* view);

  // What the menu's entries do, without their dialogs; false with `error` set when the store
  // refuses (unknown run, empty tag, store gone).
  bool rename(std::int64_t id, const QString& name, QString& error);
  bool setTags(std::int64_t id, const QStringList& tags, QString& error);
  bool remove(std::int64_t id, QString& error);

 private:
  void showMenu(const QPoint& pos);

  RunSession& session_;
  QTableView* view_;
};

}  // namespace batchlab
