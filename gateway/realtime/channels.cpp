// Supabase channels in the core (channels.hpp) and the fan-out of their events (Fanout::on_row_change,
// Fanout::on_broadcast): one tp_row change -> one visibility query for the node's watching users -> one shared
// RowEvent to every loop; one tp_broadcast message -> one shared ChannelEvent to every loop's channel members.
#include "gateway/realtime/channels.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "gateway/log.hpp"
#include "gateway/realtime/fanout.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/services.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::realtime {

void RowWatchers::add(const std::string& user) {
  std::lock_guard<std::mutex> g(mutex_);
  ++counts_[user];
}

void RowWatchers::remove(const std::string& user) {
  std::lock_guard<std::mutex> g(mutex_);
  auto it = counts_.find(user);
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

std::vector<std::string> RowWatchers::users() const {
  std::lock_guard<std::mutex> g(mutex_);
  std::vector<std::string> out;
  out.reserve(counts_.size());
  for (const auto& [u, n] : counts_) out.push_back(u);
  return out;
}

bool RowWatchers::empty() const {
  std::lock_guard<std::mutex> g(mutex_);
  return counts_.empty();
}

const std::string& node_id() {
  static const std::string id = protocol::new_uuid();
  return id;
}

namespace {
asio::awaitable<storage::PgOutcome<bool>> publish_on_store(storage::ChatStore& store, const storage::BroadcastMessage& m) {
  storage::BroadcastStore b(store.pool());
  auto r = co_await b.publish(m);
  co_return r;
}
asio::awaitable<std::optional<std::string>> columns_on_store(storage::ChatStore& store, const std::string& table) {
  storage::RowChangeStore rows(store.pool());
  auto r = co_await rows.columns(table);
  if (!r.ok()) co_return std::nullopt;
  co_return std::move(*r.value);
}

using Rows = std::vector<std::pair<int64_t, std::string>>;

asio::awaitable<std::optional<Rows>> rows_on_store(storage::ChatStore& store, const std::string& user,
                                                   const std::string& thread, int64_t after, int limit) {
  storage::RowChangeStore rows(store.pool());
  auto r = co_await rows.chat_rows_after(user, thread, after, limit);
  if (!r.ok()) co_return std::nullopt;
  co_return std::move(*r.value);
}
}  // namespace

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<bool> renew_feed(storage::ChatStore& store, RowWatchers& w) {
  const int64_t asked = steady_ms();
  storage::RowChangeStore rows(store.pool());
  const std::string& node = node_id();
  const int seconds = static_cast<int>(kFeedAlive.count());
  auto r = co_await rows.feed_alive(node, seconds);
  if (!r.ok()) co_return false;
  const int64_t until = asked + std::chrono::duration_cast<std::chrono::milliseconds>(kFeedAlive).count();
  int64_t cur = w.feed_fresh_until_ms.load();
  while (cur < until && !w.feed_fresh_until_ms.compare_exchange_weak(cur, until)) {
  }
  co_return true;
}
}  // namespace

asio::awaitable<bool> ensure_row_feed(Services& svc) {
  if (!svc.rows) co_return false;
  const auto margin = std::chrono::duration_cast<std::chrono::milliseconds>(kFeedRenew * 2).count();
  if (svc.rows->feed_fresh_until_ms.load() - steady_ms() > margin) co_return true;
  auto op = renew_feed(svc.store, *svc.rows);
  bool ok = co_await on_store(svc.store, std::move(op));
  co_return ok;
}

RowFeed::RowFeed(asio::any_io_executor store_ex, storage::ChatStore& store, RowWatchers& watchers)
    : store_(store), watchers_(watchers), timer_(store_ex) {}

void RowFeed::start() { arm(); }

void RowFeed::stop() {
  stopped_ = true;
  timer_.cancel();
}

void RowFeed::arm() {
  timer_.expires_after(kFeedRenew);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    if (watchers_.empty()) {
      arm();
      return;
    }
    asio::co_spawn(timer_.get_executor(), renew_feed(store_, watchers_), [this](std::exception_ptr, bool) {
      if (!stopped_) arm();
    });
  });
}

asio::awaitable<std::optional<std::string>> table_columns(Services& svc, const std::string& table) {
  auto op = columns_on_store(svc.store, table);
  auto r = co_await on_store(svc.store, std::move(op));
  co_return r;
}

asio::awaitable<std::optional<Rows>> chat_rows_after(Services& svc, const std::string& user, const std::string& thread,
                                                     int64_t after, int limit) {
  auto op = rows_on_store(svc.store, user, thread, after, limit);
  auto r = co_await on_store(svc.store, std::move(op));
  co_return r;
}

asio::awaitable<PublishOutcome> publish_broadcast(Services& svc, const storage::BroadcastMessage& in) {
  if (in.payload.size() > kMaxBroadcastPayload) {
    co_return PublishOutcome{PublishOutcome::too_large,
                             fmt::format("PayloadTooLarge: a broadcast payload is at most {} bytes (this one is {})",
                                         kMaxBroadcastPayload, in.payload.size())};
  }
  storage::BroadcastMessage m = in;
  if (m.node.empty()) m.node = node_id();
  auto op = publish_on_store(svc.store, m);
  auto r = co_await on_store(svc.store, std::move(op));
  if (!r.ok()) {
    log(Level::warn, "broadcast_failed", "message={}", quoted(r.error.message));
    co_return PublishOutcome{PublishOutcome::unavailable, "the database is unreachable; retry later"};
  }
  co_return PublishOutcome{};
}

// ---- the fan-out (on the storage loop) -------------------------------------------------------------------------

bool Fanout::wants_row_changes() const { return row_store_ && !rows_.empty(); }

asio::awaitable<bool> Fanout::on_row_change(const storage::RowChange& c) {
  auto users = rows_.users();
  if (users.empty()) co_return true;
  auto vis = co_await row_store_->visible_to(c, users);
  if (!vis.ok()) co_return false;  // the listener reconnects; this change is not delivered (see supabase-compat.md)
  if (vis.value->empty()) co_return true;
  auto col = columns_.find(c.table);
  if (col == columns_.end()) {
    auto r = co_await row_store_->columns(c.table);
    if (!r.ok()) co_return false;
    col = columns_.emplace(c.table, std::move(*r.value)).first;
  }
  auto visible = std::make_shared<const std::unordered_set<std::string>>(vis.value->begin(), vis.value->end());
  const char op = c.op == storage::RowChange::insert ? 'I' : c.op == storage::RowChange::update ? 'U' : 'D';
  auto events = make_events(RowEvent{c.table, op, c.changed_at, col->second, c.record, c.old_record, std::move(visible)},
                            loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), event = std::move(events[i])] { l->hub.deliver_rows(event); });
  }
  co_return true;
}

void Fanout::on_broadcast(const storage::BroadcastMessage& m) {
  auto events = make_events(ChannelEvent{m.topic, m.event, m.is_private, m.json, m.payload, m.meta, m.node, m.session},
                            loops_.size());
  auto key = channel_key(m.topic, m.is_private);
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), key, event = std::move(events[i])] { l->hub.deliver_channel(key, event); });
  }
}

}  // namespace techpulse::gateway::realtime
