#include "protocol/phoenix/bindings.hpp"

#include <simdjson.h>

#include <charconv>

#include "protocol/uuid.hpp"

namespace techpulse::protocol::phoenix {

namespace {

// FNV-1a over the binding as sent: the same binding gets the same id on every join (and node).
int64_t stable_id(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int64_t>(h & 0x7fffffff);
}

std::optional<int64_t> parse_seq(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool is_change_table(std::string_view table) {
  for (auto t : kChangeTables) {
    if (t == table) return true;
  }
  return false;
}

std::variant<std::vector<CompiledBinding>, std::string> compile_bindings(const std::vector<PgBinding>& bindings,
                                                                         const ColumnsOf& columns_of) {
  std::vector<CompiledBinding> out;
  for (const auto& b : bindings) {
    if (b.schema != "public") return std::string("schema must be public");
    if (!b.table.empty() && !is_change_table(b.table)) {
      return "table " + b.table.substr(0, 64) + " is not available for postgres_changes";
    }
    auto f = parse_filter(b.filter);
    if (auto* why = std::get_if<std::string>(&f)) return *why;
    CompiledBinding c;
    c.event = b.event;
    c.table = b.table;
    c.filter = std::move(std::get<Filter>(f));
    if (!c.filter.all.empty()) {
      if (c.table.empty()) return std::string("a filter needs a table");
      auto cols = columns_of(c.table);
      if (auto bad = unknown_column(c.filter, cols)) return "filter column " + *bad + " does not exist on " + c.table;
    }
    if (b.since) {
      auto thread = sole_eq(c.filter, "thread_id");
      auto seq = parse_seq(*b.since);
      if (c.table != "chat_messages" || !thread || !is_uuid(*thread)) {
        return std::string("since needs a chat_messages binding filtered on one thread_id=eq.<uuid>");
      }
      if (!seq) return std::string("since must be a cursor (the seq of the last row seen)");
      c.since = seq;
      c.since_thread = *thread;
    }
    c.id = stable_id(b.echo);
    for (bool again = true; again;) {
      again = false;
      for (const auto& o : out) {
        if (o.id == c.id) {
          c.id = (c.id + 1) & 0x7fffffff;
          again = true;
        }
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<int64_t> matching_ids(const std::vector<CompiledBinding>& bindings, std::string_view table,
                                  ChangeType type, const simdjson::dom::object& row) {
  std::vector<int64_t> ids;
  for (const auto& b : bindings) {
    if (!b.table.empty() && b.table != table) continue;
    if (!event_matches(b.event, type)) continue;
    if (!filter_matches(b.filter, row)) continue;
    ids.push_back(b.id);
  }
  return ids;
}

}  // namespace techpulse::protocol::phoenix
