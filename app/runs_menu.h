// defines: RunsMenu (the runs table's context menu: rename, tag, delete a run; show, rename,
//          delete a sweep)
// Edits go to the store first (RunStore::rename_run, set_tags, delete_run, rename_sweep,
// delete_sweep) and the table follows, so what the table shows is what the store holds. A run
// still training is not offered, and a sweep with a run still training cannot be deleted: its
// rows belong to the worker until they finish. The questions the entries ask (a name, "delete?")
// go through replaceable prompts, so tests answer them without a modal dialog.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include <QObject>
#include <QString>
#include <QStringList>

class QAbstractItemView;
class QMenu;
class QModelIndex;
class QPoint;

namespace batchlab {

class RunSession;

class RunsMenu final : public QObject {
  Q_OBJECT
 public:
  struct Prompts {
    // Yes or no to `question`.
    std::function<bool(const QString& title, const QString& question)> confirm;
    // The text entered, or nothing when cancelled.
    std::function<std::optional<QString>(const QString& title, const QString& label,
                                         const QString& initial)>
        text;
    // Why an edit was refused.
    std::function<void(const QString& message)> warn;
  };

  // Installs itself as `view`'s context menu; asks with message boxes and input dialogs.
  RunsMenu(RunSession& session, QAbstractItemView* view);
  void setPrompts(Prompts prompts) { prompts_ = std::move(prompts); }

  // Adds the entries for the row at `index` to `menu` (none for a running run); the context
  // menu is this, shown at the pointer.
  void populate(QMenu& menu, const QModelIndex& index);

  // What the menu's entries do, without their dialogs; false with `error` set when the store
  // refuses (unknown run or sweep, empty tag or name, store gone).
  bool rename(std::int64_t id, const QString& name, QString& error);
  bool setTags(std::int64_t id, const QStringList& tags, QString& error);
  bool remove(std::int64_t id, QString& error);
  bool renameSweep(std::int64_t sweep_id, const QString& name, QString& error);
  bool removeSweep(std::int64_t sweep_id, QString& error);
  // Ticks every run of the sweep and brings the window's sweep summary dock to the front.
  void showSweepSummary(std::int64_t sweep_id);

 private:
  void showMenu(const QPoint& pos);
  void populateRun(QMenu& menu, std::int64_t id);
  void populateSweep(QMenu& menu, std::int64_t sweep_id);
  void report(bool ok, const QString& error);

  RunSession& session_;
  QAbstractItemView* view_;
  Prompts prompts_;
};

}  // namespace batchlab
