// defines: Statement (a prepared statement that finalises itself), Transaction, exec,
//          throw_error (the thin layer RunStore uses over the SQLite C API)
// Internal to experiment/. Errors become batchlab::Error "<db path>: <what>: <SQLite's reason>".
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include <sqlite3.h>

#include "engine/core/errors.h"

namespace batchlab::sqlite {

[[noreturn]] inline void throw_error(sqlite3* db, const std::filesystem::path& path,
                                     const std::string& what) {
  throw Error(path.string() + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

inline void exec(sqlite3* db, const std::filesystem::path& path, const char* sql,
                 const std::string& what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw_error(db, path, what);
}

class Statement {
 public:
  Statement(sqlite3* db, const std::filesystem::path& path, const char* sql, std::string what)
      : db_(db), path_(path), what_(std::move(what)) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) throw_error(db, path, what_);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, int v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  // NaN and ±Inf are stored as NULL and read back as NaN.
  void bind(int i, double v) {
    check(std::isfinite(v) ? sqlite3_bind_double(stmt_, i, v) : sqlite3_bind_null(stmt_, i));
  }
  void bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  // Raw bytes (a model's float32 parameters); an empty span is a zero-length blob, not NULL.
  void bind_blob(int i, const void* data, std::size_t bytes) {
    check(sqlite3_bind_blob64(stmt_, i, bytes ? data : "", bytes, SQLITE_TRANSIENT));
  }

  // Column `col` of `from`'s current row as it is (its type, NULL, text or blob), for copying
  // rows between stores (store_merge) without naming each column's type.
  void bind_column(int i, const Statement& from, int col) {
    check(sqlite3_bind_value(stmt_, i, sqlite3_column_value(from.stmt_, col)));
  }

  // True while there is a row to read; false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(db_, path_, what_);
  }
  // Ready to bind the next row's values.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return is_null(col) ? NAN : sqlite3_column_double(stmt_, col); }
  // The blob's bytes, valid until the next step() or reset().
  std::span<const std::byte> blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
    return {static_cast<const std::byte*>(p), p ? n : 0};
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw_error(db_, path_, what_);
  }

  sqlite3* db_;
  const std::filesystem::path& path_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so a busy store waits (busy_timeout) at the
// start instead of failing halfway. Rolls back unless commit() was reached.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& path, const std::string& what)
      : db_(db), path_(path), what_(what) {
    exec(db_, path_, "BEGIN IMMEDIATE", what_);
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec(db_, path_, "COMMIT", what_);
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  std::string what_;
  bool done_ = false;
};

}  // namespace batchlab::sqlite
