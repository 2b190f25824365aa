#pragma once
// A minimal JSON writer for the manifest: ordered keys, escaped strings, deterministic numbers.
#include <string>
#include <string_view>
#include <vector>

namespace meb::detail {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(double number);  ///< NaN is written as null
  JsonWriter& value(std::size_t number);
  JsonWriter& value(int number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void separate();
  void indent();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

/// JSON string escaping (quotes included).
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace meb::detail
