#include "sqlite.hpp"

#include <cmath>
#include <utility>

#include <sqlite3.h>

#include "meb/error.hpp"

namespace meb::sqlite {

Database::Database(const std::string& path, bool create, int busy_timeout_ms) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &handle_, flags, nullptr) != SQLITE_OK) {
    const std::string message = handle_ != nullptr ? sqlite3_errmsg(handle_) : "out of memory";
    sqlite3_close(handle_);
    handle_ = nullptr;
    throw HistoryError(path + ": cannot open the history store: " + message);
  }
  sqlite3_extended_result_codes(handle_, 1);
  sqlite3_busy_timeout(handle_, busy_timeout_ms);
}

Database::~Database() { sqlite3_close(handle_); }

Database::Database(Database&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

void Database::fail(std::string_view what) const {
  const int code = sqlite3_errcode(handle_);
  std::string message = path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(handle_);
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    message += " (another meb batch or history command is writing to this store; try again when it has finished)";
  if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
    message += " (this file is not a readable meb history store)";
  throw HistoryError(message);
}

void Database::execute(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    sqlite3_free(error);
    fail("cannot run '" + text.substr(0, 60) + "'");
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(handle_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK)
    fail("cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
  return Statement(*this, statement);
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(handle_); }

Statement::Statement(const Database& database, sqlite3_stmt* statement) : database_(&database), statement_(statement) {}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement::Statement(Statement&& other) noexcept
    : database_(other.database_), statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) return bind_null(index);
  if (sqlite3_bind_double(statement_, index, value) != SQLITE_OK) database_->fail("cannot bind a number");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) database_->fail("cannot bind an integer");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    database_->fail("cannot bind a text");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(statement_, index) != SQLITE_OK) database_->fail("cannot bind NULL");
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  database_->fail("cannot run '" + std::string(sqlite3_sql(statement_)).substr(0, 60) + "'");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

double Statement::column_double(int index) const {
  if (column_is_null(index)) return std::nan("");
  return sqlite3_column_double(statement_, index);
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(statement_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(statement_, index);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(statement_, index) == SQLITE_NULL; }

}  // namespace meb::sqlite
