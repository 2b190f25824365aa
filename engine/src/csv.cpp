#include "meb/csv.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>

#include "meb/error.hpp"

namespace meb {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InputError("cannot open '" + path + "' for reading");
  // One allocation of the file's size: a 1 GB price file is held once, not twice.
  const std::streamoff size = in.tellg();
  if (size < 0) throw InputError("cannot read '" + path + "'");
  std::string content(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(content.data(), size);
  if (in.gcount() != size) throw InputError("cannot read '" + path + "'");
  return content;
}

namespace detail {

CsvReader::CsvReader(std::string_view buffer) : buffer_(buffer) {
  if (buffer_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

CsvReader::CsvReader(std::string_view buffer, std::size_t start, std::size_t first_line)
    : buffer_(buffer), pos_(start), current_line_(first_line) {}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  unescaped_.clear();
  const std::size_t size = buffer_.size();
  // Skip blank lines (a lone "\n" or "\r\n").
  while (pos_ < size && (buffer_[pos_] == '\n' || buffer_[pos_] == '\r')) {
    if (buffer_[pos_] == '\n') ++current_line_;
    ++pos_;
  }
  if (pos_ >= size) return false;
  record_line_ = current_line_;
  while (true) {
    if (pos_ < size && buffer_[pos_] == '"') {
      // Quoted field: runs to the closing quote; "" is an escaped quote.
      const std::size_t start = ++pos_;
      bool has_escape = false;
      std::size_t end = start;
      while (true) {
        if (pos_ >= size) throw InputError("line " + std::to_string(record_line_) + ": unterminated quoted field");
        const char c = buffer_[pos_];
        if (c == '"') {
          if (pos_ + 1 < size && buffer_[pos_ + 1] == '"') {
            has_escape = true;
            pos_ += 2;
            continue;
          }
          end = pos_++;
          break;
        }
        if (c == '\n') ++current_line_;
        ++pos_;
      }
      std::string_view raw = buffer_.substr(start, end - start);
      if (has_escape) {
        std::string text;
        text.reserve(raw.size());
        for (std::size_t i = 0; i < raw.size(); ++i) {
          text.push_back(raw[i]);
          if (raw[i] == '"') ++i;  // skip the second quote of ""
        }
        unescaped_.push_back(std::move(text));
        fields.emplace_back(unescaped_.back());
      } else {
        fields.push_back(raw);
      }
      // Anything between the closing quote and the delimiter is kept out (lenient, as spreadsheets write).
      while (pos_ < size && buffer_[pos_] != ',' && buffer_[pos_] != '\n') ++pos_;
    } else {
      const std::size_t start = pos_;
      while (pos_ < size && buffer_[pos_] != ',' && buffer_[pos_] != '\n') ++pos_;
      std::size_t end = pos_;
      if (end > start && buffer_[end - 1] == '\r') --end;
      fields.push_back(buffer_.substr(start, end - start));
    }
    if (pos_ >= size) return true;
    if (buffer_[pos_] == ',') {
      ++pos_;
      continue;
    }
    // End of record.
    ++pos_;
    ++current_line_;
    return true;
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string fold_name(std::string_view text) {
  // U+00C0..U+00FF, the Latin-1 letters, by their base letter ('\0' keeps the character as it is).
  static constexpr char kBase[64] = {'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
                                     0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   0,
                                     'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
                                     0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y'};
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte == 0xC3) && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      const unsigned code = 0xC0u + (next & 0x3Fu);  // U+00C0 + the low six bits
      if ((next & 0xC0u) == 0x80u && code >= 0xC0u && kBase[code - 0xC0u] != 0) {
        out.push_back(kBase[code - 0xC0u]);
        ++i;
        continue;
      }
    }
    out.push_back(byte >= 'A' && byte <= 'Z' ? static_cast<char>(byte - 'A' + 'a') : static_cast<char>(byte));
  }
  return out;
}

bool parse_double(std::string_view text, double& value) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && std::isfinite(value);
}

}  // namespace detail
}  // namespace meb
