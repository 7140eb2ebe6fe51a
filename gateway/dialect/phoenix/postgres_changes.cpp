// postgres_changes of the Phoenix dialect: a join's bindings compiled against the tables' real columns, the core's
// RowEvents (already only those the user may see, tp_row_visible) routed to the bindings they match and encoded,
// and the `since` replay of a chat_messages binding (beyond Supabase) that meets the live rows without a gap or a
// duplicate: live rows are held during the replay, and a row at or below the replayed cursor is not sent again.
#include <set>

#include <simdjson.h>

#include "gateway/dialect/phoenix/connection.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace {

// The names of a table's columns, or (of_type) only those of that PostgreSQL type.
std::vector<std::string> column_names(simdjson::dom::parser& parser, const std::string& columns_json,
                                      std::string_view of_type = {}) {
  std::vector<std::string> out;
  simdjson::dom::element doc;
  if (parser.parse(columns_json).get(doc)) return out;
  simdjson::dom::array arr;
  if (doc.get_array().get(arr)) return out;
  for (auto c : arr) {
    std::string_view n, type;
    if (c["name"].get_string().get(n)) continue;
    if (!of_type.empty() && (c["type"].get_string().get(type) || type != of_type)) continue;
    out.emplace_back(n);
  }
  return out;
}

px::ChangeType change_type(char op) {
  return op == 'I' ? px::ChangeType::insert : op == 'U' ? px::ChangeType::update : px::ChangeType::del;
}

// The replay reads at most this many rows per binding (in pages); a client further behind reads history instead.
constexpr int kReplayPage = 500;
constexpr int kReplayMaxRows = 10000;

}  // namespace

boost::asio::awaitable<std::variant<std::vector<px::CompiledBinding>, std::string>> Connection::compile(
    const px::JoinConfig& cfg) {
  std::set<std::string> tables;
  for (const auto& b : cfg.postgres_changes) {
    if (b.table.empty()) {
      for (auto t : px::kChangeTables) tables.emplace(t);
    } else if (px::is_change_table(b.table)) {
      tables.insert(b.table);
    }
  }
  std::map<std::string, std::vector<std::string>> names, instants;
  for (const auto& t : tables) {
    auto cols = co_await realtime::table_columns(svc_, t);  // t: a named value (see channels.hpp)
    if (!cols) co_return std::string("the database is unreachable; retry later");
    names[t] = column_names(*parser_, *cols);
    instants[t] = column_names(*parser_, *cols, "timestamptz");
  }
  auto compiled = px::compile_bindings(cfg.postgres_changes, [&](std::string_view table) {
    auto it = names.find(std::string(table));
    return it == names.end() ? std::vector<std::string>{} : it->second;
  });
  if (auto* bindings = std::get_if<std::vector<px::CompiledBinding>>(&compiled)) {
    // Filters on timestamptz columns compare instants, not text.
    for (auto& b : *bindings) {
      if (auto why = px::compare_as_instants(b.filter, instants[b.table])) co_return *why;
    }
  }
  co_return std::move(compiled);
}

void Connection::deliver(const realtime::SharedEvent& event) {
  const auto* e = std::get_if<realtime::RowEvent>(&event->event());
  if (!e) return;
  for (auto& [topic, j] : joined_) {
    if (j.bindings.empty()) continue;
    if (j.replaying) {
      j.held.push_back(event);
      continue;
    }
    route_rows(topic, *e, false);
  }
}

void Connection::route_rows(const std::string& topic, const realtime::RowEvent& e, bool) {
  auto it = joined_.find(topic);
  if (it == joined_.end()) return;
  auto& j = it->second;
  const auto type = change_type(e.op);
  const std::string& row_text = type == px::ChangeType::del ? e.old_record : e.record;
  simdjson::dom::element doc;
  simdjson::dom::object row;
  if (parser_->parse(row_text).get(doc) || doc.get_object().get(row)) return;
  auto ids = px::matching_ids(j.bindings, e.table, type, row);
  if (ids.empty()) return;
  if (!j.replayed_up_to.empty() && e.table == "chat_messages" && type == px::ChangeType::insert) {
    int64_t seq = 0;
    if (row["seq"].get_int64().get(seq)) seq = 0;
    std::erase_if(ids, [&](int64_t id) {
      auto r = j.replayed_up_to.find(id);
      return r != j.replayed_up_to.end() && seq <= r->second;
    });
    if (ids.empty()) return;
  }
  px::RowChange c;
  c.table = e.table;
  c.type = type;
  c.commit_timestamp = e.changed_at;
  c.columns = e.columns;
  c.record = e.record;
  c.old_record = e.old_record;
  send(channels_.fanout(topic, "postgres_changes", px::postgres_changes_payload(ids, c)));
}

boost::asio::awaitable<void> Connection::replay(const std::string& topic) {
  std::optional<std::string> columns;
  auto find = [&]() -> Joined* {
    auto it = joined_.find(topic);
    return it == joined_.end() ? nullptr : &it->second;
  };
  std::vector<px::CompiledBinding> with_since;
  if (auto* j = find()) {
    for (const auto& b : j->bindings) {
      if (b.since) with_since.push_back(b);
    }
  }
  for (const auto& b : with_since) {
    if (!px::event_matches(b.event, px::ChangeType::insert)) continue;
    static const std::string kChat = "chat_messages";
    if (!columns) columns = co_await realtime::table_columns(svc_, kChat);
    int64_t after = *b.since;
    int sent = 0;
    bool failed = !columns;
    while (!failed && sent < kReplayMaxRows) {
      if (!core_) co_return;
      const std::string user = core_->identity().user_id;
      auto rows = co_await realtime::chat_rows_after(svc_, user, b.since_thread, after, kReplayPage);
      auto* j = find();
      if (!j || !core_) co_return;  // left, or the session ended, while reading
      if (!rows) {
        failed = true;
        break;
      }
      for (const auto& [seq, row] : *rows) {
        px::RowChange c;
        c.table = "chat_messages";
        c.type = px::ChangeType::insert;
        c.columns = *columns;
        c.record = row;
        // A replayed row's change time is not kept: its created_at stands for it.
        simdjson::dom::element doc;
        std::string_view created;
        if (!parser_->parse(row).get(doc) && !doc["created_at"].get_string().get(created)) {
          c.commit_timestamp = std::string(created);
        }
        send(channels_.fanout(topic, "postgres_changes", px::postgres_changes_payload({b.id}, c)));
        after = seq;
        ++sent;
      }
      j->replayed_up_to[b.id] = after;
      if (static_cast<int>(rows->size()) < kReplayPage) break;
    }
    if (failed) {
      send(channels_.push(topic, "system", px::system_payload("postgres_changes", false,
                                                              "the rows after since could not be read; retry later",
                                                              px::ChannelSet::channel_name(topic))));
    }
  }
  auto* j = find();
  if (!j) co_return;
  j->replaying = false;
  auto held = std::move(j->held);
  j->held.clear();
  for (const auto& ev : held) {
    if (const auto* e = std::get_if<realtime::RowEvent>(&ev->event())) route_rows(topic, *e, true);
  }
}

}  // namespace techpulse::gateway::dialect::phoenix
