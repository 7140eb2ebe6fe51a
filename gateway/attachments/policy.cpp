#include "gateway/attachments/policy.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace techpulse::gateway::attachments {

namespace {

std::string lower_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool starts(std::string_view head, std::string_view magic, size_t at = 0) {
  return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
}

// Valid UTF-8 without NUL; `cut` allows an incomplete code point at the very end.
bool plain_text(std::string_view s, bool cut) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0) return false;
    if (i + n > s.size()) return cut;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

int64_t parse_int(std::string_view s) {
  int64_t v = -1;
  if (s.empty() || s.size() > 18) return -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return -1;
  return v;
}

}  // namespace

const std::vector<std::string_view>& known_types() {
  static const std::vector<std::string_view> all = {
      "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
      "audio/ogg", "audio/mpeg", "audio/mp4", "audio/webm", "audio/wav"};
  return all;
}

std::string media_type(std::string_view content_type) {
  std::string m = lower_trim(content_type.substr(0, content_type.find(';')));
  if (m == "audio/x-wav" || m == "audio/wave" || m == "audio/vnd.wave") return "audio/wav";
  if (m == "audio/x-m4a" || m == "audio/m4a") return "audio/mp4";
  if (m == "image/jpg" || m == "image/pjpeg") return "image/jpeg";
  if (m == "audio/mp3") return "audio/mpeg";
  if (m == "application/ogg" || m == "audio/opus") return "audio/ogg";
  return m;
}

std::vector<std::string> parse_types(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = media_type(list.substr(0, comma));
    if (!entry.empty()) {
      if (std::find(known_types().begin(), known_types().end(), entry) == known_types().end()) {
        std::string known;
        for (auto k : known_types()) known += (known.empty() ? "" : ", ") + std::string(k);
        throw std::invalid_argument("\"" + entry + "\" is not a type the gateway can check; known: " + known);
      }
      out.push_back(entry);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool allowed(const std::vector<std::string>& types, std::string_view media) {
  return std::find(types.begin(), types.end(), media) != types.end();
}

bool magic_matches(std::string_view media, std::string_view head) {
  if (media == "image/png") return starts(head, "\x89PNG\r\n\x1a\n");
  if (media == "image/jpeg") return starts(head, "\xff\xd8\xff");
  if (media == "image/gif") return starts(head, "GIF87a") || starts(head, "GIF89a");
  if (media == "image/webp") return starts(head, "RIFF") && starts(head, "WEBP", 8);
  if (media == "application/pdf") return starts(head, "%PDF-");
  if (media == "audio/ogg") return starts(head, "OggS");
  if (media == "audio/webm") return starts(head, "\x1a\x45\xdf\xa3");
  if (media == "audio/wav") return starts(head, "RIFF") && starts(head, "WAVE", 8);
  if (media == "audio/mp4") return starts(head, "ftyp", 4);
  if (media == "audio/mpeg") {
    // An ID3 tag, or an MPEG audio frame's sync word (11 set bits).
    return starts(head, "ID3") ||
           (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0xff &&
            (static_cast<unsigned char>(head[1]) & 0xe0) == 0xe0);
  }
  if (media == "text/plain") return !head.empty() && plain_text(head, head.size() >= kMagicBytes);
  return false;
}

std::optional<std::string> clean_name(std::string_view raw) {
  auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x20 || c == 0x7f || c == '"') continue;
    if ((c & 0xC0) != 0x80) {
      if (chars == 255) break;
      ++chars;
    }
    out.push_back(static_cast<char>(c));
  }
  // A cut may leave a partial code point at the end: drop it.
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) &&
         !plain_text(out, false)) {
    out.pop_back();
  }
  if (!plain_text(out, false)) return std::nullopt;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty() || out == "." || out == "..") return std::nullopt;
  return out;
}

std::string disposition_filename(std::string_view header) {
  auto find_param = [&](std::string_view key) -> std::optional<std::string_view> {
    size_t pos = 0;
    while ((pos = header.find(key, pos)) != std::string_view::npos) {
      bool boundary = pos == 0 || header[pos - 1] == ';' || header[pos - 1] == ' ';
      if (boundary && pos + key.size() < header.size() && header[pos + key.size()] == '=') {
        return header.substr(pos + key.size() + 1);
      }
      pos += key.size();
    }
    return std::nullopt;
  };
  if (auto star = find_param("filename*")) {
    auto v = star->substr(0, star->find(';'));
    auto q = v.find("''");
    if (q != std::string_view::npos) {
      std::string out;
      auto enc = v.substr(q + 2);
      for (size_t i = 0; i < enc.size(); ++i) {
        if (enc[i] == '%' && i + 2 < enc.size()) {
          int hi = 0, lo = 0;
          auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; };
          hi = hex(enc[i + 1]);
          lo = hex(enc[i + 2]);
          if (hi >= 0 && lo >= 0) {
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
            continue;
          }
        }
        out.push_back(enc[i]);
      }
      return out;
    }
  }
  if (auto plain = find_param("filename")) {
    auto v = *plain;
    if (!v.empty() && v.front() == '"') {
      std::string out;
      for (size_t i = 1; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        out.push_back(v[i]);
      }
      return out;
    }
    return std::string(v.substr(0, v.find(';')));
  }
  return {};
}

bool shown_inline(std::string_view media) {
  return media.substr(0, 6) == "image/" || media.substr(0, 6) == "audio/";
}

std::string content_disposition(std::string_view media, std::string_view name) {
  std::string ascii, encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : name) {
    ascii.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                 c == '_' || c == '~';
    if (plain) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return std::string(shown_inline(media) ? "inline" : "attachment") + "; filename=\"" + ascii +
         "\"; filename*=UTF-8''" + encoded;
}

std::string served_type(std::string_view media) {
  if (media == "text/plain") return "text/plain; charset=utf-8";
  return std::string(media);
}

RangeRequest parse_range(std::string_view header, int64_t size) {
  RangeRequest whole;
  if (header.substr(0, 6) != "bytes=") return whole;
  auto spec = header.substr(6);
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (spec.find(',') != std::string_view::npos) return whole;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
  RangeRequest r;
  r.kind = RangeRequest::partial;
  if (a.empty()) {
    int64_t n = parse_int(b);
    if (n < 0) return whole;
    if (n == 0 || size == 0) return RangeRequest{RangeRequest::unsatisfiable, {}};
    r.range = {std::max<int64_t>(0, size - n), size - 1};
    return r;
  }
  int64_t first = parse_int(a);
  if (first < 0) return whole;
  int64_t last = b.empty() ? size - 1 : parse_int(b);
  if (last < 0 || last < first) return b.empty() ? RangeRequest{RangeRequest::unsatisfiable, {}} : whole;
  if (first >= size) return RangeRequest{RangeRequest::unsatisfiable, {}};
  r.range = {first, std::min(last, size - 1)};
  return r;
}

}  // namespace techpulse::gateway::attachments
