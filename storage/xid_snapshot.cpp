#include "storage/xid_snapshot.hpp"

#include <algorithm>
#include <charconv>

namespace techpulse::storage {

std::optional<uint64_t> parse_xid(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<XidSnapshot> XidSnapshot::parse(std::string_view text) {
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  auto c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  auto xmin = parse_xid(text.substr(0, c1));
  auto xmax = parse_xid(text.substr(c1 + 1, c2 - c1 - 1));
  if (!xmin || !xmax || *xmin > *xmax) return std::nullopt;
  XidSnapshot s{*xmin, *xmax, {}};
  std::string_view rest = text.substr(c2 + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto x = parse_xid(rest.substr(0, comma));
    if (!x || *x < s.xmin || *x >= s.xmax || (!s.xip.empty() && *x <= s.xip.back())) return std::nullopt;
    s.xip.push_back(*x);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) return std::nullopt;  // a trailing comma
  }
  return s;
}

bool XidSnapshot::includes(uint64_t xid) const {
  if (xid == 0) return false;
  if (xid < xmin) return true;
  if (xid >= xmax) return false;
  return !std::binary_search(xip.begin(), xip.end(), xid);
}

}  // namespace techpulse::storage
