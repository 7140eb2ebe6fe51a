#include "storage/listener.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "logging/log.hpp"
#include "metrics/metrics.hpp"
#include "storage/conversation_store.hpp"
#include "storage/xid_snapshot.hpp"

namespace techpulse::storage {

namespace {

// Splits "a|b|c|d|rest" into n-1 fields and the rest (which may itself contain '|').
bool split_fields(std::string_view s, size_t n, std::vector<std::string_view>& out) {
  out.clear();
  for (size_t i = 0; i + 1 < n; ++i) {
    auto pos = s.find('|');
    if (pos == std::string_view::npos) return false;
    out.push_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  out.push_back(s);
  return true;
}

using logging::Level;

void log_line(Level level, std::string_view event, std::string_view detail) {
  logging::write(level, "listener", event, detail);
}

}  // namespace

Listener::Listener(ChatStore& store, RealtimeSink& sink, std::string conninfo)
    : store_(store), rows_(store.pool()), broadcasts_(store.pool()), sink_(sink), conn_(store.executor(), std::move(conninfo)),
      backoff_(store.executor()) {}

void Listener::start() { asio::co_spawn(store_.executor(), run(), asio::detached); }

void Listener::stop() {
  stopped_ = true;
  conn_.close();
  backoff_.cancel();
}

asio::awaitable<void> Listener::run() {
  Millis backoff{100};
  const Millis max_backoff{5000};
  const Millis keepalive{10000};
  bool ever_connected = false;
  auto last_activity = std::chrono::steady_clock::now();
  while (!stopped_) {
    if (!conn_.connected()) {
      if (listening(epoch_.load())) {
        epoch_.fetch_add(1, std::memory_order_acq_rel);
        log_line(Level::warn, "disconnected", "reason=\"connection lost\"");
      }
      auto err = co_await conn_.connect(store_.pool().options().connect_timeout);
      if (!err) {
        auto r = co_await conn_.exec("LISTEN tp_chat; LISTEN tp_typing; LISTEN tp_event; LISTEN tp_access; LISTEN tp_assistant; "
                                     "LISTEN tp_read; LISTEN tp_presence; LISTEN tp_row; LISTEN tp_broadcast",
                                     store_.pool().options().query_timeout);
        if (!r.ok()) err = r.error;
      }
      if (err) {
        conn_.close();
        if (stopped_) break;
        backoff_.expires_after(backoff);
        boost::system::error_code ec;
        co_await backoff_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min(backoff * 2, max_backoff);
        continue;
      }
      backoff = Millis{100};
      epoch_.fetch_add(1, std::memory_order_acq_rel);  // now odd: listening
      if (ever_connected) metrics::listener_reconnect();
      log_line(Level::info, ever_connected ? "reconnected" : "connected",
               "channels=tp_chat,tp_typing,tp_event,tp_access,tp_assistant,tp_read,tp_presence,tp_row,tp_broadcast");
      ever_connected = true;
      // Notifications that arrive during the catch-up wait in libpq's buffer and are handled after it; the
      // per-subscription cursor drops what the catch-up already delivered.
      if (!co_await catch_up()) {
        conn_.close();
        continue;
      }
    }
    // The chat messages of one read (one commit's NOTIFYs arrive together) are handed on together; anything else
    // is handled after the messages before it were handed on.
    while (auto n = conn_.next_notification()) {
      last_activity = std::chrono::steady_clock::now();
      if (n->channel == "tp_chat") {
        sink_.hold_messages();
      } else {
        sink_.release_messages();
      }
      if (!co_await handle(*n)) {
        conn_.close();  // could not complete a delivery: reconnect and catch up from the table
        break;
      }
    }
    sink_.release_messages();
    if (!conn_.connected()) continue;
    auto err = co_await conn_.wait_input(keepalive);
    if (err) continue;
    if (std::chrono::steady_clock::now() - last_activity >= keepalive) {
      last_activity = std::chrono::steady_clock::now();
      // Quiet for a while: make sure the connection is still alive (a silent network loss shows no EOF).
      auto r = co_await conn_.exec("SELECT 1", store_.pool().options().query_timeout);
      if (!r.ok()) conn_.close();
    }
  }
  conn_.close();
}

asio::awaitable<bool> Listener::catch_up() {
  auto threads = co_await sink_.live_threads();
  size_t delivered = 0;
  for (const auto& tc : threads) {
    int64_t after = tc.after;
    for (;;) {
      // Messages and the edits and deletes of any message, in the thread's cursor order.
      auto r = co_await thread_events_after(store_.pool(), tc.thread_id, after, 500);
      if (!r.ok()) co_return false;
      for (auto& e : r.value->events) {
        if (e.kind == ThreadEvent::message) {
          sink_.on_message(ChatEvent{tc.thread_id, e.cursor, r.value->ticket_id, std::move(e.json)});
        } else {
          sink_.on_message_change(ChangeEvent{e.kind == ThreadEvent::deleted ? ChangeEvent::deleted : ChangeEvent::updated,
                                              tc.thread_id, e.cursor, r.value->ticket_id, std::move(e.json)});
        }
        after = e.cursor;
        ++delivered;
        metrics::catchup_rows(1);
      }
      if (r.value->events.size() < 500) break;
    }
  }
  log_line(Level::info, "caught_up", fmt::format("threads={} messages={}", threads.size(), delivered));
  sink_.on_resync();
  co_return true;
}

// g++ 12 warns -Wmismatched-new-delete on this coroutine's frame (Asio's awaitable_frame_base defines the matching
// operator new and delete): the known false positive of ai/worker_pool.cpp, silenced for this function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<bool> Listener::handle(const PgConn::Notification& n) {
  std::vector<std::string_view> f;
  if (n.channel == "tp_chat") {
    std::string_view p = n.payload;
    if (p.size() < 2 || p[1] != '|' || !split_fields(p.substr(2), 4, f)) {
      log_line(Level::warn, "bad_payload", "channel=tp_chat");
      co_return true;
    }
    const char kind = p[0];
    if (kind == 'u' || kind == 'd' || kind == 'U' || kind == 'D') {
      ChangeEvent ev;
      ev.kind = (kind == 'd' || kind == 'D') ? ChangeEvent::deleted : ChangeEvent::updated;
      ev.thread_id.assign(f[0]);
      std::from_chars(f[1].data(), f[1].data() + f[1].size(), ev.seq);
      ev.ticket_id.assign(f[2]);
      if (kind == 'u' || kind == 'd') {
        ev.message_json.assign(f[3]);
      } else {
        // Over the NOTIFY size limit: the payload names the message, fetch it as it is now. A row deleted since
        // (its tombstone has a later cursor of its own) has nothing left to show.
        sink_.release_messages();  // what waits does not wait for this fetch
        auto r = co_await store_.message_json(std::string(f[3]));
        if (!r.ok()) co_return r.error.sqlstate == "02000";
        ev.message_json = std::move(*r.value);
      }
      sink_.on_message_change(ev);
      co_return true;
    }
    if (kind != 'm' && kind != 'b') {
      log_line(Level::warn, "bad_payload", "channel=tp_chat");
      co_return true;
    }
    ChatEvent ev;
    ev.thread_id.assign(f[0]);
    std::from_chars(f[1].data(), f[1].data() + f[1].size(), ev.seq);
    ev.ticket_id.assign(f[2]);
    if (kind == 'm') {
      ev.message_json.assign(f[3]);
    } else {
      // Over the NOTIFY size limit: the payload names the row, fetch it.
      sink_.release_messages();  // what waits does not wait for this fetch
      auto r = co_await store_.message_json(std::string(f[3]));
      if (!r.ok()) co_return false;
      ev.message_json = std::move(*r.value);
    }
    sink_.on_message(ev);
  } else if (n.channel == "tp_event") {
    std::string_view p = n.payload;
    if (p.size() < 3 || p[1] != '|' || !split_fields(p.substr(2), 2, f)) co_return true;
    if (!f[1].empty() && f[1][0] == '#') {
      // Over the NOTIFY size limit: '#<table>|<id>' names the row, fetch its JSON.
      auto ref = f[1].substr(1);
      auto bar = ref.find('|');
      if (bar == std::string_view::npos) co_return true;
      std::string table(ref.substr(0, bar)), id(ref.substr(bar + 1));
      auto r = co_await store_.event_json(table, id);
      if (!r.ok()) co_return false;
      if (*r.value) sink_.on_event(p[0], std::string(f[0]), **r.value);
      co_return true;
    }
    sink_.on_event(p[0], std::string(f[0]), std::string(f[1]));
  } else if (n.channel == "tp_access") {
    std::string_view p = n.payload;
    if (p.size() < 3 || p[1] != '|') co_return true;
    sink_.on_access_change(p[0], std::string(p.substr(2)));
  } else if (n.channel == "tp_assistant") {
    // '<thread>|<ticket or empty>|<xid>|<event json>' (tp_assistant_notify), or, from a node not yet restarted
    // after migration 011, '<thread>|<ticket or empty>|<event json>': xid 0, which no snapshot includes.
    std::optional<uint64_t> xid;
    if (split_fields(n.payload, 3, f) && !f[2].empty() && f[2].front() == '{') {
      sink_.on_assistant(std::string(f[0]), std::string(f[1]), 0, std::string(f[2]));
      co_return true;
    }
    if (!split_fields(n.payload, 4, f) || !(xid = parse_xid(f[2]))) {
      log_line(Level::warn, "bad_payload", "channel=tp_assistant");
      co_return true;
    }
    sink_.on_assistant(std::string(f[0]), std::string(f[1]), *xid, std::string(f[3]));
  } else if (n.channel == "tp_row") {
    if (!sink_.wants_row_changes()) co_return true;
    auto c = parse_row_notice(n.payload);
    if (!c) {
      log_line(Level::warn, "bad_payload", "channel=tp_row");
      co_return true;
    }
    if (c->spilled) {
      auto r = co_await rows_.fill_spilled(*c);
      if (!r.ok()) co_return false;
      if (!*r.value) {
        log_line(Level::warn, "row_spill_gone", fmt::format("change={}", c->id));
        co_return true;
      }
    }
    if (!co_await sink_.on_row_change(*c)) co_return false;
  } else if (n.channel == "tp_broadcast") {
    if (!sink_.wants_broadcasts()) co_return true;
    auto notice = parse_broadcast_notice(n.payload);
    if (!notice) {
      log_line(Level::warn, "bad_payload", "channel=tp_broadcast");
      co_return true;
    }
    if (notice->spill_id) {
      auto r = co_await broadcasts_.fetch(notice->spill_id);
      if (!r.ok()) co_return false;
      if (!*r.value) co_return true;  // gone: broadcast is not persisted
      notice->envelope = std::move(**r.value);
    }
    if (auto m = decode_broadcast(notice->envelope)) sink_.on_broadcast(*m);
    else log_line(Level::warn, "bad_payload", "channel=tp_broadcast");
  } else if (n.channel == "tp_read") {
    // '<thread>|<user>|<cursor>|<ticket or empty>|<session or empty>'
    if (!split_fields(n.payload, 5, f)) co_return true;
    ReadEvent ev{std::string(f[0]), std::string(f[1]), 0, std::string(f[3]), std::string(f[4])};
    std::from_chars(f[2].data(), f[2].data() + f[2].size(), ev.cursor);
    sink_.on_read(ev);
  } else if (n.channel == "tp_presence") {
    sink_.on_presence(n.payload);
  } else if (n.channel == "tp_typing") {
    if (!split_fields(n.payload, 3, f)) co_return true;
    sink_.on_typing(TypingEvent{std::string(f[0]), std::string(f[1]), std::string(f[2])});
  }
  co_return true;
}

#pragma GCC diagnostic pop

}  // namespace techpulse::storage
