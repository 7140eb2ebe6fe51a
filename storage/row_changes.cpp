#include "storage/row_changes.hpp"

#include <simdjson.h>

#include <charconv>

namespace techpulse::storage {

namespace {

// The record and old_record of '{"record":..,"old_record":..}' as JSON texts ("" for null).
bool split_rows(std::string_view body, std::string& record, std::string& old_record) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(body.data(), body.size(), true).get_object().get(o)) return false;
  for (auto [k, v] : o) {
    std::string* out = k == "record" ? &record : (k == "old_record" ? &old_record : nullptr);
    if (!out) continue;
    if (v.is_null()) out->clear();
    else if (v.is_object()) *out = simdjson::minify(v);
    else return false;
  }
  return true;
}

std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += ids[i];
  }
  out += '}';
  return out;
}

}  // namespace

bool is_change_table(std::string_view t) {
  return t == "chat_messages" || t == "conversation_threads" || t == "support_tickets" || t == "tickets" ||
         t == "work_orders" || t == "profiles";
}

std::optional<RowChange> parse_row_notice(std::string_view p) {
  // 'r|<id>|<table>|<op>|<time>|<body>' or 's|<id>|<table>|<op>|<time>|'
  if (p.size() < 2 || (p[0] != 'r' && p[0] != 's') || p[1] != '|') return std::nullopt;
  RowChange c;
  c.spilled = p[0] == 's';
  p.remove_prefix(2);
  std::string_view f[4];
  for (auto& field : f) {
    auto bar = p.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    field = p.substr(0, bar);
    p.remove_prefix(bar + 1);
  }
  auto [end, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), c.id);
  if (ec != std::errc() || end != f[0].data() + f[0].size() || c.id <= 0) return std::nullopt;
  if (!is_change_table(f[1])) return std::nullopt;
  c.table.assign(f[1]);
  if (f[2] == "I") c.op = RowChange::insert;
  else if (f[2] == "U") c.op = RowChange::update;
  else if (f[2] == "D") c.op = RowChange::del;
  else return std::nullopt;
  c.changed_at.assign(f[3]);
  if (c.spilled) return p.empty() ? std::optional<RowChange>(std::move(c)) : std::nullopt;
  if (!split_rows(p, c.record, c.old_record)) return std::nullopt;
  if ((c.op != RowChange::del && c.record.empty()) || (c.op != RowChange::insert && c.old_record.empty())) {
    return std::nullopt;
  }
  return c;
}

asio::awaitable<PgOutcome<bool>> RowChangeStore::fill_spilled(RowChange& c) {
  auto p = params(std::to_string(c.id));
  auto r = co_await pool_.query("SELECT record, old_record FROM tp_row_spill WHERE id = $1", p);
  if (!r.ok()) co_return fail<bool>(r.error);
  if (r.value->rows() == 0) co_return ok(false);
  c.record = r.value->is_null(0, 0) ? std::string() : std::string(r.value->get(0, 0));
  c.old_record = r.value->is_null(0, 1) ? std::string() : std::string(r.value->get(0, 1));
  c.spilled = false;
  co_return ok(true);
}

asio::awaitable<PgOutcome<std::vector<std::string>>> RowChangeStore::visible_to(const RowChange& c,
                                                                                const std::vector<std::string>& users) {
  using R = std::vector<std::string>;
  if (users.empty() || c.row().empty()) co_return ok(R{});
  auto p = params(uuid_array(users), c.table, c.row(), c.op == RowChange::del ? "true" : "false");
  auto r = co_await pool_.query(
      "SELECT u FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, n) "
      "WHERE tp_row_visible(u, $2, $3::json, $4::boolean) ORDER BY n",
      p);
  if (!r.ok()) co_return fail<R>(r.error);
  R out;
  for (int i = 0; i < r.value->rows(); ++i) out.emplace_back(r.value->get(i, 0));
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<bool>> RowChangeStore::feed_alive(const std::string& node, int seconds) {
  auto p = params(node, std::to_string(seconds));
  auto r = co_await pool_.query(
      "INSERT INTO tp_row_feed (node, alive_until) VALUES ($1, now() + make_interval(secs => $2::int)) "
      "ON CONFLICT (node) DO UPDATE SET alive_until = greatest(tp_row_feed.alive_until, EXCLUDED.alive_until)",
      p);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> RowChangeStore::feed_gone(const std::string& node) {
  auto p = params(node);
  auto r = co_await pool_.query("DELETE FROM tp_row_feed WHERE node = $1", p);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<std::string>> RowChangeStore::columns(const std::string& table) {
  auto p = params(table);
  auto r = co_await pool_.query("SELECT tp_table_columns($1)::text", p);
  if (!r.ok()) co_return fail<std::string>(r.error);
  co_return ok(std::string(r.value->get(0, 0)));
}

asio::awaitable<PgOutcome<std::vector<std::pair<int64_t, std::string>>>> RowChangeStore::chat_rows_after(
    const std::string& user, const std::string& thread, int64_t after, int limit) {
  using R = std::vector<std::pair<int64_t, std::string>>;
  auto p = params(user, thread, std::to_string(after), std::to_string(limit));
  auto r = co_await pool_.query("SELECT seq, row_json::text FROM tp_chat_rows_after($1, $2, $3, $4)", p);
  if (!r.ok()) co_return fail<R>(r.error);
  R out;
  for (int i = 0; i < r.value->rows(); ++i) out.emplace_back(r.value->get_int(i, 0), std::string(r.value->get(i, 1)));
  co_return ok(std::move(out));
}

}  // namespace techpulse::storage
