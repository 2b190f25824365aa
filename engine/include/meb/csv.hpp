#pragma once
// A small RFC 4180 reader over an in-memory buffer. It is the one place that understands CSV quoting:
// WFP files quote fields that contain commas ("Bread (bakery, parallel market)").
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace meb {

/// Reads a whole file into memory. Throws InputError naming the file when it cannot be read.
[[nodiscard]] std::string read_file(const std::string& path);

namespace detail {

/// Iterates the records of a CSV buffer. Fields are views into the buffer, or into internal storage
/// for quoted fields that contained doubled quotes; they stay valid until the next call to next().
///
/// Hot path: every byte of a price file goes through next(). It finds delimiters 64 bytes at a time (a bit
/// mask of the commas and line breaks of a window, SSE2 where the compiler has it) instead of testing byte
/// by byte; tests/csv_test.cpp checks it against a byte-by-byte reader on random buffers.
class CsvReader {
 public:
  /// `buffer` must outlive the reader. A UTF-8 byte order mark at the start is skipped.
  explicit CsvReader(std::string_view buffer);
  /// A reader of `buffer` from byte `start` (a record boundary) on, whose first line is numbered `first_line`:
  /// one part of a file split for parsing on several cores, with the file's own line numbers.
  CsvReader(std::string_view buffer, std::size_t start, std::size_t first_line);

  /// Reads the next record into `fields`. Returns false at the end of the buffer. Blank lines are skipped.
  /// Throws InputError (without a file name; callers add it) on an unterminated quoted field.
  bool next(std::vector<std::string_view>& fields);

  /// The 1-based physical line on which the last record started.
  [[nodiscard]] std::size_t line() const { return record_line_; }
  /// The byte offset of the next record (after the last one read).
  [[nodiscard]] std::size_t position() const { return pos_; }
  /// The line number the next record would start on (before skipping blank lines).
  [[nodiscard]] std::size_t next_line() const { return current_line_; }

 private:
  std::string_view buffer_;
  std::size_t pos_ = 0;
  std::size_t current_line_ = 1;
  std::size_t record_line_ = 0;
  std::deque<std::string> unescaped_;  // quoted fields with "" inside; a deque keeps earlier ones in place
  // The delimiter window: bit i of delimiters_ is set when buffer_[window_ + i] is ',' or '\n' (i < 64).
  std::size_t window_ = 0;
  std::uint64_t delimiters_ = 0;
  bool window_loaded_ = false;

  /// The position of the first ',' or '\n' at or after `from`, or the buffer's size. Inline: once a field.
  std::size_t find_delimiter(std::size_t from) {
    const std::size_t size = buffer_.size();
    if (from >= size) return size;
    if (!window_loaded_ || from < window_ || from - window_ >= 64) load_window(from);
    while (true) {
      const std::uint64_t ahead = delimiters_ >> (from - window_);
      if (ahead != 0) return from + static_cast<std::size_t>(__builtin_ctzll(ahead));
      const std::size_t next_window = window_ + 64;
      if (next_window >= size) return size;
      load_window(next_window);
      from = next_window;
    }
  }
  void load_window(std::size_t from);
};

/// The quotes and the line breaks of a text: where a CSV buffer can be split between records (an even number
/// of quotes before a line break) and the line number there.
struct ByteCounts {
  std::size_t quotes = 0;
  std::size_t line_breaks = 0;
};
[[nodiscard]] ByteCounts count_quotes_and_line_breaks(std::string_view text);

/// Trims ASCII spaces and tabs on both sides, and a trailing CR. Inline: it runs on most fields of a price file.
[[nodiscard]] inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}
/// ASCII lower case (names are compared case-insensitively).
[[nodiscard]] std::string to_lower(std::string_view text);
/// A name folded for matching across sources: lower case, and Latin-1 accented letters written in UTF-8
/// without their accents ("Ségou" and "Segou", "Tombouctou" and "TOMBOUCTOU" fold alike). The primer
/// (section 6) warns that WFP writes Mali names without accents and the COD with them.
[[nodiscard]] std::string fold_name(std::string_view text);
/// Parses a whole field as a finite double; nothing when it is empty or not a number.
[[nodiscard]] bool parse_double(std::string_view text, double& value);

}  // namespace detail
}  // namespace meb
