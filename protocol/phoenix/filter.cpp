#include "protocol/phoenix/filter.hpp"

#include <simdjson.h>

#include "protocol/phoenix/instant.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace techpulse::protocol::phoenix {

namespace {

// Splits at top-level commas: not inside double quotes, not inside parentheses.
bool split_conditions(std::string_view s, std::vector<std::string_view>& out) {
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '(') ++depth;
    else if (c == ')') {
      if (--depth < 0) return false;
    } else if (c == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted || depth != 0) return false;
  out.push_back(s.substr(start));
  return true;
}

// One scalar: quoted ("a\"b") or bare (as is).
bool scalar(std::string_view s, std::string& out) {
  out.clear();
  if (s.empty() || s.front() != '"') {
    if (s.find_first_of("\"(),\\") != std::string_view::npos) return false;
    out.assign(s);
    return true;
  }
  if (s.size() < 2 || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;
      out += s[++i];
    } else if (c == '"') {
      return false;
    } else {
      out += c;
    }
  }
  return true;
}

// The items of "(a,b,"c,d")".
bool list(std::string_view s, std::vector<std::string>& out) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  s = s.substr(1, s.size() - 2);
  if (s.empty()) return false;
  bool quoted = false;
  size_t start = 0;
  std::string v;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size()) {
      char c = s[i];
      if (quoted) {
        if (c == '\\') ++i;
        else if (c == '"') quoted = false;
        continue;
      }
      if (c == '"') {
        quoted = true;
        continue;
      }
      if (c != ',') continue;
    }
    if (!scalar(s.substr(start, i - start), v)) return false;
    out.push_back(v);
    start = i + 1;
  }
  return !quoted;
}

std::optional<FilterOp> op_of(std::string_view s) {
  if (s == "eq") return FilterOp::eq;
  if (s == "neq") return FilterOp::neq;
  if (s == "lt") return FilterOp::lt;
  if (s == "lte") return FilterOp::lte;
  if (s == "gt") return FilterOp::gt;
  if (s == "gte") return FilterOp::gte;
  if (s == "in") return FilterOp::in;
  if (s == "is") return FilterOp::is;
  return std::nullopt;
}

bool valid_column(std::string_view c) {
  if (c.empty() || c.size() > 63) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 32)) out += (static_cast<unsigned char>(c) < 0x20 || c == '"') ? '?' : c;
  return out;
}

// -1, 0, 1; nullopt when the value cannot be compared with this JSON value (NULL, wrong kind).
std::optional<int> compare(simdjson::dom::element v, const std::string& want) {
  switch (v.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      int c = s.compare(want);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double have = 0;
      if (v.is_int64()) have = static_cast<double>(v.get_int64().value_unsafe());
      else if (v.is_uint64()) have = static_cast<double>(v.get_uint64().value_unsafe());
      else have = v.get_double().value_unsafe();
      double w = 0;
      auto [p, ec] = std::from_chars(want.data(), want.data() + want.size(), w);
      if (ec != std::errc() || p != want.data() + want.size() || !std::isfinite(w)) return std::nullopt;
      return have < w ? -1 : (have > w ? 1 : 0);
    }
    case simdjson::dom::element_type::BOOL: {
      bool have = v.get_bool().value_unsafe();
      bool w;
      if (want == "true" || want == "t") w = true;
      else if (want == "false" || want == "f") w = false;
      else return std::nullopt;
      return have == w ? 0 : (have ? 1 : -1);
    }
    default: return std::nullopt;  // NULL, objects and arrays
  }
}

// compare() for a timestamptz column: the row's text and the value as instants.
std::optional<int> compare_instant(simdjson::dom::element v, int64_t want) {
  std::string_view s;
  if (v.get_string().get(s)) return std::nullopt;
  auto have = parse_instant(s);
  if (!have) return std::nullopt;
  return *have < want ? -1 : (*have > want ? 1 : 0);
}

std::optional<bool> test(const Condition& c, simdjson::dom::element v) {
  if (c.op == FilterOp::is) {
    const std::string& w = c.values[0];
    if (w == "null" || w == "unknown") return v.is_null();
    bool b;
    if (v.get_bool().get(b)) return false;
    return b == (w == "true");
  }
  if (c.op == FilterOp::in) {
    bool any_unknown = false;
    for (size_t i = 0; i < c.values.size(); ++i) {
      auto r = c.instant ? compare_instant(v, c.instants[i]) : compare(v, c.values[i]);
      if (!r) any_unknown = true;
      else if (*r == 0) return true;
    }
    if (any_unknown || v.is_null()) return std::nullopt;
    return false;
  }
  auto r = c.instant ? compare_instant(v, c.instants[0]) : compare(v, c.values[0]);
  if (!r) return std::nullopt;
  switch (c.op) {
    case FilterOp::eq: return *r == 0;
    case FilterOp::neq: return *r != 0;
    case FilterOp::lt: return *r < 0;
    case FilterOp::lte: return *r <= 0;
    case FilterOp::gt: return *r > 0;
    case FilterOp::gte: return *r >= 0;
    default: return std::nullopt;
  }
}

}  // namespace

std::variant<Filter, std::string> parse_filter(std::string_view text) {
  Filter f;
  if (text.empty()) return f;
  if (text.size() > kMaxFilterBytes) return std::string("filter is longer than 4096 bytes");
  std::vector<std::string_view> parts;
  if (!split_conditions(text, parts)) return std::string("filter has unbalanced quotes or parentheses");
  if (parts.size() > kMaxConditions) return std::string("filter has more than 16 conditions");
  for (auto part : parts) {
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return "filter condition \"" + printable(part) + "\" is not column=op.value";
    Condition c;
    c.column.assign(part.substr(0, eq));
    if (!valid_column(c.column)) return "filter column \"" + printable(c.column) + "\" is not a column name";
    std::string_view rest = part.substr(eq + 1);
    if (rest.substr(0, 4) == "not.") {
      c.negated = true;
      rest.remove_prefix(4);
    }
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) return "filter condition on " + c.column + " has no operator";
    auto op = op_of(rest.substr(0, dot));
    if (!op) {
      return "filter operator " + printable(rest.substr(0, dot)) +
             " is not supported (eq, neq, lt, lte, gt, gte, in, is)";
    }
    c.op = *op;
    std::string_view value = rest.substr(dot + 1);
    if (c.op == FilterOp::in) {
      if (!list(value, c.values)) return "filter in on " + c.column + " must be a list: in.(a,b)";
    } else if (c.op == FilterOp::is) {
      if (value != "null" && value != "true" && value != "false" && value != "unknown") {
        return "filter is on " + c.column + " takes null, true, false or unknown";
      }
      c.values.emplace_back(value);
    } else {
      std::string v;
      if (!scalar(value, v)) return "filter value on " + c.column + " must be quoted when it has , ( ) \" or \\";
      c.values.push_back(std::move(v));
    }
    f.all.push_back(std::move(c));
  }
  return f;
}

std::optional<std::string> unknown_column(const Filter& f, const std::vector<std::string>& columns) {
  for (const auto& c : f.all) {
    bool found = false;
    for (const auto& name : columns) found = found || name == c.column;
    if (!found) return c.column;
  }
  return std::nullopt;
}

std::optional<std::string> compare_as_instants(Filter& f, const std::vector<std::string>& columns) {
  for (auto& c : f.all) {
    if (c.op == FilterOp::is) continue;
    bool listed = false;
    for (const auto& name : columns) listed = listed || name == c.column;
    if (!listed) continue;
    c.instants.clear();
    for (const auto& v : c.values) {
      auto t = parse_instant(v);
      if (!t) return "filter value on " + c.column + " is not a timestamp: \"" + printable(v) + "\"";
      c.instants.push_back(*t);
    }
    c.instant = true;
  }
  return std::nullopt;
}

bool filter_matches(const Filter& f, const simdjson::dom::object& record) {
  for (const auto& c : f.all) {
    simdjson::dom::element v;
    if (record[c.column].get(v)) return false;
    auto r = test(c, v);
    if (!r) return false;  // NULL: neither the comparison nor its negation holds
    if (*r == c.negated) return false;
  }
  return true;
}

std::optional<std::string> sole_eq(const Filter& f, std::string_view column) {
  if (f.all.size() != 1 || f.all[0].negated || f.all[0].op != FilterOp::eq || f.all[0].column != column) {
    return std::nullopt;
  }
  return f.all[0].values[0];
}

}  // namespace techpulse::protocol::phoenix
