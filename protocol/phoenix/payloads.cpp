#include "protocol/phoenix/payloads.hpp"

#include <simdjson.h>

#include <cctype>

#include "protocol/json_writer.hpp"
#include "protocol/phoenix/message.hpp"

namespace techpulse::protocol::phoenix {

namespace {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p(64 * 1024 * 1024);
  return p;
}

bool parse_object(std::string_view text, simdjson::dom::object& out) {
  simdjson::dom::element e;
  return !parser().parse(text.data(), text.size(), true).get(e) && !e.get_object().get(out);
}

// A flexible boolean: true/false or "true"/"false". Absent or null: the default. Anything else: an error.
bool flag(simdjson::dom::object o, const char* key, bool& out) {
  auto el = o[key];
  if (el.error() == simdjson::NO_SUCH_FIELD || el.is_null()) return true;
  bool b;
  if (!el.get_bool().get(b)) {
    out = b;
    return true;
  }
  std::string_view s;
  if (!el.get_string().get(s) && (s == "true" || s == "false")) {
    out = s == "true";
    return true;
  }
  return false;
}

// A string member: absent or null -> "" (ok); not a string -> false.
bool text(simdjson::dom::object o, const char* key, std::string& out) {
  auto el = o[key];
  if (el.error() == simdjson::NO_SUCH_FIELD || el.is_null()) return true;
  std::string_view s;
  if (el.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::optional<std::string> token_or_none(std::string_view t) {
  if (t.empty() || t.substr(0, 3) == "sb_") return std::nullopt;
  return std::string(t);
}

}  // namespace

std::variant<JoinConfig, std::string> parse_join(std::string_view payload_json) {
  simdjson::dom::object p;
  if (!parse_object(payload_json, p)) return std::string("join payload must be a JSON object");
  JoinConfig c;
  auto tok = p["access_token"];
  if (tok.error() != simdjson::NO_SUCH_FIELD && !tok.is_null()) {
    std::string_view t;
    if (tok.get_string().get(t)) return std::string("access_token must be a string");
    c.access_token = token_or_none(t);
  }
  simdjson::dom::object config;
  auto cfg = p["config"];
  if (cfg.error() == simdjson::NO_SUCH_FIELD || cfg.is_null()) return c;
  if (cfg.get_object().get(config)) return std::string("config must be a JSON object");
  simdjson::dom::object sub;
  if (config["broadcast"].get_object().get(sub) == simdjson::SUCCESS) {
    if (!flag(sub, "ack", c.broadcast_ack) || !flag(sub, "self", c.broadcast_self)) {
      return std::string("config.broadcast.ack and .self must be booleans");
    }
  }
  if (config["presence"].get_object().get(sub) == simdjson::SUCCESS) {
    if (!flag(sub, "enabled", c.presence_enabled)) return std::string("config.presence.enabled must be a boolean");
    if (!text(sub, "key", c.presence_key)) return std::string("config.presence.key must be a string");
    if (c.presence_key.size() > 255) return std::string("config.presence.key is longer than 255 bytes");
  }
  if (!flag(config, "private", c.is_private)) return std::string("config.private must be a boolean");
  auto pg = config["postgres_changes"];
  if (pg.error() == simdjson::NO_SUCH_FIELD || pg.is_null()) return c;
  simdjson::dom::array list;
  if (pg.get_array().get(list)) return std::string("config.postgres_changes must be an array");
  if (list.size() > kMaxBindings) return std::string("config.postgres_changes has more than 100 bindings");
  for (auto el : list) {
    simdjson::dom::object b;
    if (el.get_object().get(b)) return std::string("each postgres_changes binding must be a JSON object");
    PgBinding pb;
    if (!text(b, "event", pb.event) || !text(b, "schema", pb.schema) || !text(b, "table", pb.table) ||
        !text(b, "filter", pb.filter)) {
      return std::string("postgres_changes event, schema, table and filter must be strings");
    }
    if (!(pb.event == "*" || iequals(pb.event, "INSERT") || iequals(pb.event, "UPDATE") ||
          iequals(pb.event, "DELETE"))) {
      return std::string("postgres_changes event must be *, INSERT, UPDATE or DELETE");
    }
    if (pb.table == "*") pb.table.clear();
    auto since = b["since"];
    if (since.error() != simdjson::NO_SUCH_FIELD && !since.is_null()) {
      std::string_view s;
      int64_t n;
      if (!since.get_string().get(s)) {
        pb.since.emplace(s);
      } else if (!since.get_int64().get(n) && n >= 0) {
        pb.since = std::to_string(n);
      } else {
        return std::string("postgres_changes since must be a cursor string");
      }
    }
    std::string echo;
    JsonWriter w(echo);
    w.begin_object();
    for (auto [k, v] : b) {
      if (k == "id") continue;
      w.field_raw(k, simdjson::minify(v));
    }
    w.end_object();
    pb.echo = std::move(echo);
    c.postgres_changes.push_back(std::move(pb));
  }
  return c;
}

std::variant<BroadcastPush, std::string> parse_broadcast(std::string_view payload_json) {
  simdjson::dom::object p;
  if (!parse_object(payload_json, p)) return std::string("broadcast payload must be a JSON object");
  BroadcastPush b;
  if (!text(p, "event", b.event) || b.event.empty() || b.event.size() > kMaxNameBytes) {
    return std::string("broadcast event must be a non-empty string of at most 255 bytes");
  }
  simdjson::dom::element inner;
  if (!p["payload"].get(inner)) b.payload = simdjson::minify(inner);
  return b;
}

std::variant<PresencePush, std::string> parse_presence(std::string_view payload_json) {
  simdjson::dom::object p;
  if (!parse_object(payload_json, p)) return std::string("presence payload must be a JSON object");
  std::string event;
  if (!text(p, "event", event)) return std::string("presence event must be track or untrack");
  PresencePush out;
  if (event == "untrack") {
    out.track = false;
    return out;
  }
  if (event != "track") return std::string("presence event must be track or untrack");
  simdjson::dom::element meta;
  if (p["payload"].get(meta)) return out;  // track with no payload: {}
  if (!meta.is_object()) return std::string("Presence track payload must be a map");
  // The server's own keys are not the client's to set: a meta's phx_ref would collide with the one assigned.
  out.meta.clear();
  JsonWriter w(out.meta);
  w.begin_object();
  simdjson::dom::object members = meta.get_object().value_unsafe();
  for (auto [k, v] : members) {
    if (k == "phx_ref" || k == "phx_ref_prev") continue;
    w.field_raw(k, simdjson::minify(v));
  }
  w.end_object();
  return out;
}

std::variant<std::optional<std::string>, std::string> parse_access_token(std::string_view payload_json) {
  simdjson::dom::object p;
  if (!parse_object(payload_json, p)) return std::string("access_token payload must be a JSON object");
  auto el = p["access_token"];
  if (el.error() == simdjson::NO_SUCH_FIELD || el.is_null()) return std::optional<std::string>{};
  std::string_view t;
  if (el.get_string().get(t)) return std::string("access_token must be a string");
  return token_or_none(t);
}

std::string join_response(const std::vector<PgBinding>& bindings, const std::vector<int64_t>& ids) {
  std::string out = R"({"postgres_changes":[)";
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (i) out += ',';
    const std::string& e = bindings[i].echo;
    out.append(e, 0, e.size() - 1);  // drop the closing brace
    if (e.size() > 2) out += ',';
    out += "\"id\":" + std::to_string(i < ids.size() ? ids[i] : 0) + "}";
  }
  out += "]}";
  return out;
}

std::string reason_response(std::string_view reason) {
  std::string out;
  JsonWriter(out).begin_object().field("reason", reason).end_object();
  return out;
}

std::string system_payload(std::string_view extension, bool ok, std::string_view message, std::string_view channel) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("extension", extension)
      .field("status", ok ? "ok" : "error")
      .field("message", message)
      .field("channel", channel)
      .end_object();
  return out;
}

namespace {

void write_meta(std::string& out, const PresenceEntry& e) {
  out += "{\"phx_ref\":";
  append_json_string(out, e.phx_ref);
  if (!e.phx_ref_prev.empty()) {
    out += ",\"phx_ref_prev\":";
    append_json_string(out, e.phx_ref_prev);
  }
  // The meta's own members follow (a meta's own phx_ref keys would be duplicates: they were dropped on track).
  if (e.meta.size() > 2) {
    out += ',';
    out.append(e.meta, 1, e.meta.size() - 2);
  }
  out += '}';
}

}  // namespace

std::string presence_map(const std::vector<PresenceEntry>& entries) {
  std::string out = "{";
  std::vector<bool> done(entries.size(), false);
  bool first = true;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (done[i]) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, entries[i].key);
    out += ":{\"metas\":[";
    bool first_meta = true;
    for (size_t j = i; j < entries.size(); ++j) {
      if (done[j] || entries[j].key != entries[i].key) continue;
      done[j] = true;
      if (!first_meta) out += ',';
      first_meta = false;
      write_meta(out, entries[j]);
    }
    out += "]}";
  }
  out += '}';
  return out;
}

std::string presence_diff(const std::vector<PresenceEntry>& joins, const std::vector<PresenceEntry>& leaves) {
  return "{\"joins\":" + presence_map(joins) + ",\"leaves\":" + presence_map(leaves) + "}";
}

std::string_view to_string(ChangeType t) {
  switch (t) {
    case ChangeType::insert: return "INSERT";
    case ChangeType::update: return "UPDATE";
    case ChangeType::del: return "DELETE";
  }
  return "INSERT";
}

std::optional<ChangeType> parse_change_type(std::string_view s) {
  if (s == "INSERT") return ChangeType::insert;
  if (s == "UPDATE") return ChangeType::update;
  if (s == "DELETE") return ChangeType::del;
  return std::nullopt;
}

std::string postgres_changes_payload(const std::vector<int64_t>& ids, const RowChange& c) {
  std::string out;
  out.reserve(c.record.size() + c.old_record.size() + c.columns.size() + 200);
  out += "{\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  out += "],\"data\":";
  JsonWriter w(out);
  w.begin_object()
      .field("schema", c.schema)
      .field("table", c.table)
      .field("commit_timestamp", c.commit_timestamp)
      .field("type", to_string(c.type))
      .field_raw("columns", c.columns.empty() ? std::string_view("[]") : std::string_view(c.columns));
  if (c.type != ChangeType::del) w.field_raw("record", c.record.empty() ? std::string_view("{}") : c.record);
  if (c.type != ChangeType::insert) w.field_raw("old_record", c.old_record.empty() ? std::string_view("{}") : c.old_record);
  w.field_null("errors").end_object();
  out += '}';
  return out;
}

bool event_matches(std::string_view binding_event, ChangeType type) {
  return binding_event == "*" || iequals(binding_event, to_string(type));
}

}  // namespace techpulse::protocol::phoenix
