#include "protocol/frame_fields.hpp"

#include "protocol/uuid.hpp"

namespace techpulse::protocol::detail {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

ProtocolError err(ErrorCode c, std::string msg, const std::string& ref) { return ProtocolError{c, std::move(msg), ref}; }

std::string read_string(const Fields& f, Key k, std::string& out, bool required) {
  if (absent(f, k)) {
    return required ? std::string(key_names[k]) + " is required" : std::string();
  }
  if (f[k].kind != Field::string) {
    return std::string(key_names[k]) + " must be a string";
  }
  out = f[k].str;
  return {};
}

std::string read_uuid(const Fields& f, Key k, std::string& out, bool required) {
  if (auto e = read_string(f, k, out, required); !e.empty()) return e;
  if (!absent(f, k)) {
    if (!is_uuid(out)) return std::string(key_names[k]) + " must be a UUID";
    out = lower(out);
  }
  return {};
}

std::string read_cursor(const Fields& f, Key k, std::optional<int64_t>& out) {
  if (absent(f, k)) return {};
  if (f[k].kind == Field::integer && f[k].num >= 0) {
    out = f[k].num;
    return {};
  }
  if (f[k].kind == Field::string) {
    if (auto c = parse_cursor(f[k].str)) {
      out = *c;
      return {};
    }
  }
  return std::string(key_names[k]) + " must be a cursor (a string received from the server)";
}

std::string read_limit(const Fields& f, int max, int& out) {
  if (absent(f, k_limit)) return {};
  if (f[k_limit].kind != Field::integer || f[k_limit].num < 1 || f[k_limit].num > max) {
    return "limit must be an integer from 1 to " + std::to_string(max);
  }
  out = static_cast<int>(f[k_limit].num);
  return {};
}

std::optional<ProtocolError> content_error(const std::string& content, const Limits& limits, const std::string& ref) {
  if (content.empty()) return err(ErrorCode::bad_request, "content must not be empty", ref);
  if (has_nul(content)) return err(ErrorCode::bad_request, "content must not contain NUL characters", ref);
  if (content.size() > limits.max_content_bytes) {
    return err(ErrorCode::too_large, "content is longer than " + std::to_string(limits.max_content_bytes) + " bytes", ref);
  }
  return std::nullopt;
}

}  // namespace techpulse::protocol::detail
