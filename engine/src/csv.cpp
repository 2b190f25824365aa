#include "meb/csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

namespace {

/// Bit i is set when data[i] is ',' or '\n', for the 64 readable bytes at `data`.
std::uint64_t delimiter_mask(const char* data) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, newline));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit))) << (16 * i);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i)
    if (data[i] == ',' || data[i] == '\n') mask |= std::uint64_t{1} << i;
  return mask;
#endif
}

}  // namespace

void CsvReader::load_window(std::size_t from) {
  window_ = from;
  window_loaded_ = true;
  if (buffer_.size() - from >= 64) {
    delimiters_ = delimiter_mask(buffer_.data() + from);
    return;
  }
  // The last window is copied so that nothing past the buffer is read; its zero bytes are no delimiter.
  char tail[64] = {};
  std::memcpy(tail, buffer_.data() + from, buffer_.size() - from);
  delimiters_ = delimiter_mask(tail);
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  if (!unescaped_.empty()) unescaped_.clear();  // a deque's clear() frees blocks even when empty
  const std::size_t size = buffer_.size();
  const char* data = buffer_.data();
  // Skip blank lines (a lone "\n" or "\r\n").
  while (pos_ < size && (data[pos_] == '\n' || data[pos_] == '\r')) {
    if (data[pos_] == '\n') ++current_line_;
    ++pos_;
  }
  if (pos_ >= size) return false;
  record_line_ = current_line_;
  while (true) {
    if (pos_ < size && data[pos_] == '"') {
      // Quoted field: runs to the closing quote; "" is an escaped quote. Rare in price files: memchr serves.
      const std::size_t start = ++pos_;
      bool has_escape = false;
      while (true) {
        const void* quote = pos_ < size ? std::memchr(data + pos_, '"', size - pos_) : nullptr;
        if (quote == nullptr) {
          current_line_ += static_cast<std::size_t>(std::count(data + start, data + size, '\n'));
          throw InputError("line " + std::to_string(record_line_) + ": unterminated quoted field");
        }
        pos_ = static_cast<std::size_t>(static_cast<const char*>(quote) - data);
        if (pos_ + 1 < size && data[pos_ + 1] == '"') {
          has_escape = true;
          pos_ += 2;
          continue;
        }
        break;
      }
      const std::size_t end = pos_++;
      current_line_ += static_cast<std::size_t>(std::count(data + start, data + end, '\n'));
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
      pos_ = find_delimiter(pos_);
    } else {
      const std::size_t start = pos_;
      pos_ = find_delimiter(pos_);
      std::size_t end = pos_;
      if (end > start && data[end - 1] == '\r') --end;
      fields.emplace_back(data + start, end - start);  // in place: a string_view temporary stalled each field (store forwarding)
    }
    if (pos_ >= size) return true;
    if (data[pos_] == ',') {
      ++pos_;
      continue;
    }
    // End of record.
    ++pos_;
    ++current_line_;
    return true;
  }
}

/// Hot path (it runs over half of every large file before the halves are parsed): 16 bytes at a time with
/// SSE2, each match subtracting -1 from a byte counter, summed (psadbw) before a counter can overflow.
ByteCounts count_quotes_and_line_breaks(std::string_view text) {
  ByteCounts counts;
  const char* begin = text.data();
  const char* const end = text.data() + text.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i line_break = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (end - begin >= 16) {
    const char* stop = begin + std::min<std::ptrdiff_t>((end - begin) / 16, 255) * 16;
    __m128i quotes = zero, line_breaks = zero;
    for (; begin != stop; begin += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin));
      quotes = _mm_sub_epi8(quotes, _mm_cmpeq_epi8(bytes, quote));
      line_breaks = _mm_sub_epi8(line_breaks, _mm_cmpeq_epi8(bytes, line_break));
    }
    const auto sum = [&](__m128i counters) {
      const __m128i sums = _mm_sad_epu8(counters, zero);
      return static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    };
    counts.quotes += sum(quotes);
    counts.line_breaks += sum(line_breaks);
  }
#endif
  for (; begin != end; ++begin) {
    counts.quotes += static_cast<std::size_t>(*begin == '"');
    counts.line_breaks += static_cast<std::size_t>(*begin == '\n');
  }
  return counts;
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

namespace {

/// Hot path: a plain decimal ("-]digits[.digits]", at most 15 digits) read exactly. The digits as an integer
/// (below 10^15 < 2^53) and the power of ten (at most 10^15) are exact doubles, so their one IEEE division is
/// the correctly rounded value of the decimal: the double from_chars returns (Clinger's fast path, "How to
/// read floating point numbers accurately", PLDI 1990). Anything else is left to from_chars.
bool parse_plain_decimal(std::string_view text, double& value) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  std::uint64_t digits = 0;
  int count = 0, decimals = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
      ++count;
      if (point) ++decimals;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  if (count == 0 || count > 15 || (point && decimals == 0)) return false;
  const double magnitude = static_cast<double>(digits) / kPowersOfTen[decimals];
  value = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

bool parse_double(std::string_view text, double& value) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  if (parse_plain_decimal(text, value)) return true;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && std::isfinite(value);
}

}  // namespace detail
}  // namespace meb
