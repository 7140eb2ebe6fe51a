#pragma once
// A small JSON writer: appends to a std::string, escapes strings per RFC 8259. The caller builds objects in order;
// there is no DOM. Raw JSON (already valid, e.g. produced by PostgreSQL) can be spliced in with raw().
#include <cstdint>
#include <string>
#include <string_view>

namespace techpulse::protocol {

void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& field(std::string_view k, std::string_view v);
  JsonWriter& field(std::string_view k, const char* v) { return field(k, std::string_view(v)); }
  JsonWriter& field(std::string_view k, bool v);
  JsonWriter& field(std::string_view k, int64_t v);
  JsonWriter& field(std::string_view k, int v) { return field(k, static_cast<int64_t>(v)); }
  JsonWriter& field(std::string_view k, double v);
  JsonWriter& field_null(std::string_view k);
  JsonWriter& field_raw(std::string_view k, std::string_view raw_json);
  // Optional string: null when empty.
  JsonWriter& field_or_null(std::string_view k, std::string_view v);
  JsonWriter& value(std::string_view v);
  JsonWriter& raw(std::string_view raw_json);

 private:
  void comma();
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace techpulse::protocol
