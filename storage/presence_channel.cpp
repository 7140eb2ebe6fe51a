#include "storage/presence_channel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "protocol/json_writer.hpp"

namespace techpulse::storage {

namespace {

void escape_into(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '|') {
      out += "%7C";
    } else {
      out += c;
    }
  }
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (s.substr(i, 3) == "%25") {
      out += '%';
    } else if (s.substr(i, 3) == "%7C") {
      out += '|';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

bool has_entry(PresenceMessage::Kind k) {
  return k == PresenceMessage::join || k == PresenceMessage::leave || k == PresenceMessage::entry;
}
bool has_meta(PresenceMessage::Kind k) { return k == PresenceMessage::join || k == PresenceMessage::entry; }

// Takes the next '|'-terminated field off s (or all of s when last).
std::optional<std::string_view> take(std::string_view& s, bool last = false) {
  if (last) {
    auto f = s;
    s = {};
    return f;
  }
  auto pos = s.find('|');
  if (pos == std::string_view::npos) return std::nullopt;
  auto f = s.substr(0, pos);
  s.remove_prefix(pos + 1);
  return f;
}

}  // namespace

std::optional<std::string> encode_presence(const PresenceMessage& m) {
  std::string out;
  out += static_cast<char>(m.kind);
  out += '|';
  escape_into(out, m.node);
  out += '|';
  out += std::to_string(m.n);
  if (has_entry(m.kind)) {
    for (const auto* f : {&m.topic, &m.key, &m.ref}) {
      out += '|';
      escape_into(out, *f);
    }
    if (has_meta(m.kind)) {
      out += '|';
      out += m.meta;
    }
  } else if (m.kind == PresenceMessage::request) {
    out += '|';
    escape_into(out, m.target);
  }
  if (out.size() > kMaxPresencePayload) return std::nullopt;
  return out;
}

std::optional<PresenceMessage> parse_presence(std::string_view p) {
  if (p.size() < 2 || p[1] != '|') return std::nullopt;
  PresenceMessage m;
  switch (p[0]) {
    case 'J': case 'L': case 'H': case 'X': case 'Q': case 'B': case 'S': case 'E':
      m.kind = static_cast<PresenceMessage::Kind>(p[0]);
      break;
    default: return std::nullopt;
  }
  p.remove_prefix(2);
  const bool more = has_entry(m.kind) || m.kind == PresenceMessage::request;
  auto node = take(p, false);
  if (!node) return std::nullopt;
  auto n = take(p, !more);
  if (!n) return std::nullopt;
  auto [ptr, ec] = std::from_chars(n->data(), n->data() + n->size(), m.n);
  if (ec != std::errc() || ptr != n->data() + n->size() || n->empty()) return std::nullopt;
  auto un = unescape(*node);
  if (!un || un->empty()) return std::nullopt;
  m.node = std::move(*un);
  if (m.kind == PresenceMessage::request) {
    auto t = unescape(p);
    if (!t || t->empty()) return std::nullopt;
    m.target = std::move(*t);
  } else if (has_entry(m.kind)) {
    const bool meta = has_meta(m.kind);
    std::string* fields[] = {&m.topic, &m.key, &m.ref};
    for (int i = 0; i < 3; ++i) {
      auto f = take(p, i == 2 && !meta);
      if (!f) return std::nullopt;
      auto u = unescape(*f);
      if (!u || u->empty()) return std::nullopt;
      *fields[i] = std::move(*u);
    }
    if (meta) m.meta.assign(p);
  } else if (!p.empty()) {
    return std::nullopt;
  }
  return m;
}

struct PresencePublisher::State {
  State(asio::any_io_executor ex, std::string conninfo, Millis t) : conn(ex, std::move(conninfo)), wake(ex), timeout(t) {
    wake.expires_at(std::chrono::steady_clock::time_point::max());
  }
  PgConn conn;
  asio::steady_timer wake;
  Millis timeout;
  std::deque<std::string> queue;
  bool running = true;
};

PresencePublisher::PresencePublisher(asio::any_io_executor ex, std::string conninfo, Millis timeout)
    : st_(std::make_shared<State>(std::move(ex), std::move(conninfo), timeout)) {}

PresencePublisher::~PresencePublisher() { stop(); }

void PresencePublisher::start() { asio::co_spawn(st_->conn.executor(), run(), asio::detached); }

void PresencePublisher::stop() {
  st_->running = false;
  st_->wake.cancel();
}

void PresencePublisher::publish(std::string payload) {
  if (!st_->running) return;
  st_->queue.push_back(std::move(payload));
  st_->wake.cancel();
}

asio::awaitable<void> PresencePublisher::run() {
  auto st = st_;
  while (st->running || !st->queue.empty()) {
    if (st->queue.empty()) {
      boost::system::error_code ec;
      st->wake.expires_at(std::chrono::steady_clock::time_point::max());
      co_await st->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (!st->conn.connected()) {
      if (auto err = co_await st->conn.connect(st->timeout)) {
        st->queue.clear();  // receivers notice the gap in n; see the class comment
        asio::steady_timer t(st->conn.executor(), Millis{200});
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
    }
    std::string json;
    protocol::JsonWriter w(json);
    w.begin_array();
    size_t bytes = 0;
    // One statement carries up to ~256 KiB of payloads.
    while (!st->queue.empty() && bytes < 256 * 1024) {
      bytes += st->queue.front().size();
      w.value(st->queue.front());
      st->queue.pop_front();
    }
    w.end_array();
    auto p = params(json);
    auto r = co_await st->conn.query("SELECT tp_presence_publish($1::jsonb)", p, st->timeout);
    if (!r.ok()) st->conn.close();
  }
  st->conn.close();
}

}  // namespace techpulse::storage
