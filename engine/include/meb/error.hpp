#pragma once
// The engine's exception hierarchy. Each kind of failure has its own type so the CLI can map it to a
// documented exit code (CLI11's include/CLI/Error.hpp does the same); messages are built by the small
// factories below so that every error names the file, the line or key, and the offending value.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace meb {

/// Root of every error the engine raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input data: a price file, an areas file or a survey table (exit code 3).
class InputError : public Error {
 public:
  using Error::Error;
  /// "prices.csv:17: column 'price': 'abc' is not a number".
  [[nodiscard]] static InputError at_line(std::string_view file, std::size_t line, std::string_view what);
};

/// A methodology file that does not validate (exit code 4). Holds every problem found, one per line.
class MethodologyError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] static MethodologyError at(std::string_view file, std::size_t line, std::size_t column,
                                           std::string_view what);
};

/// The outputs could not be written (exit code 5). Earlier results are left in place.
class OutputError : public Error {
 public:
  using Error::Error;
};

/// The history store cannot be used (exit code 6): locked by another batch beyond the wait, written by a
/// newer engine, or not a history database. The store is left as it was.
class HistoryError : public Error {
 public:
  using Error::Error;
};

}  // namespace meb
