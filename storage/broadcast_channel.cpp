#include "storage/broadcast_channel.hpp"

#include <simdjson.h>

#include <charconv>

#include "protocol/json_writer.hpp"

namespace techpulse::storage {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool from_hex(std::string_view in, std::string& out) {
  if (in.size() % 2) return false;
  out.clear();
  out.reserve(in.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); i += 2) {
    int hi = nibble(in[i]), lo = nibble(in[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::string encode_broadcast(const BroadcastMessage& m) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object()
      .field("topic", m.topic)
      .field("event", m.event)
      .field("private", m.is_private)
      .field("node", m.node)
      .field("session", m.session);
  if (!m.meta.empty()) w.field_raw("meta", m.meta);
  if (m.json) w.field_raw("payload", m.payload);
  else w.field("payload_hex", to_hex(m.payload));
  w.end_object();
  return out;
}

std::optional<BroadcastMessage> decode_broadcast(std::string_view envelope) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(envelope.data(), envelope.size(), true).get_object().get(o)) return std::nullopt;
  BroadcastMessage m;
  std::string_view s;
  if (o["topic"].get_string().get(s)) return std::nullopt;
  m.topic.assign(s);
  if (o["event"].get_string().get(s)) return std::nullopt;
  m.event.assign(s);
  if (o["private"].get_bool().get(m.is_private)) return std::nullopt;
  if (o["node"].get_string().get(s)) return std::nullopt;
  m.node.assign(s);
  if (o["session"].get_string().get(s)) return std::nullopt;
  m.session.assign(s);
  simdjson::dom::element meta, payload;
  if (!o["meta"].get(meta)) {
    if (!meta.is_object()) return std::nullopt;
    m.meta = simdjson::minify(meta);
  }
  if (!o["payload"].get(payload)) {
    m.json = true;
    m.payload = simdjson::minify(payload);
  } else if (!o["payload_hex"].get_string().get(s)) {
    m.json = false;
    if (!from_hex(s, m.payload)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return m;
}

std::optional<BroadcastNotice> parse_broadcast_notice(std::string_view p) {
  if (p.size() < 3 || p[1] != '|') return std::nullopt;
  BroadcastNotice n;
  if (p[0] == 'i') {
    n.envelope.assign(p.substr(2));
    return n;
  }
  if (p[0] != 's') return std::nullopt;
  auto id = p.substr(2);
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n.spill_id);
  if (ec != std::errc() || end != id.data() + id.size() || n.spill_id <= 0) return std::nullopt;
  return n;
}

asio::awaitable<PgOutcome<bool>> BroadcastStore::publish(const BroadcastMessage& m) {
  auto p = params(encode_broadcast(m));
  auto r = co_await pool_.query("SELECT tp_broadcast($1)", p);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<std::optional<std::string>>> BroadcastStore::fetch(int64_t spill_id) {
  using R = std::optional<std::string>;
  auto p = params(std::to_string(spill_id));
  auto r = co_await pool_.query("SELECT envelope FROM tp_broadcast_spill WHERE id = $1", p);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  co_return ok(R{std::string(r.value->get(0, 0))});
}

}  // namespace techpulse::storage
