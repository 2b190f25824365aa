#pragma once
// A thin RAII layer over the SQLite C API for the history store (private to the engine). Every failure
// throws HistoryError with SQLite's message and the database file, so the CLI can say which file and why.
#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace meb::sqlite {

class Statement;

class Database {
 public:
  /// Opens (creating when `create`) the database file. `busy_timeout_ms`: how long a write waits for
  /// another connection's lock before failing.
  Database(const std::string& path, bool create, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;

  void execute(std::string_view sql);
  [[nodiscard]] Statement prepare(std::string_view sql);
  [[nodiscard]] std::int64_t last_insert_id() const;
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Throws HistoryError "<path>: <what>: <sqlite message>".
  [[noreturn]] void fail(std::string_view what) const;
  [[nodiscard]] sqlite3* handle() const { return handle_; }

 private:
  sqlite3* handle_ = nullptr;
  std::string path_;
};

/// A prepared statement: bind parameters (1-based), step through rows, read columns (0-based).
class Statement {
 public:
  Statement(const Database& database, sqlite3_stmt* statement);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;

  Statement& bind(int index, double value);  ///< NaN is bound as NULL
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);

  /// One step: true while a row is available.
  bool step();
  /// Steps to completion (an INSERT or UPDATE), then resets the statement for the next bindings.
  void run();
  void reset();

  [[nodiscard]] double column_double(int index) const;  ///< NULL reads as NaN
  [[nodiscard]] std::int64_t column_int(int index) const;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] bool column_is_null(int index) const;

 private:
  const Database* database_;
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace meb::sqlite
