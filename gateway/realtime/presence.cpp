#include "gateway/realtime/presence.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <fmt/format.h>

#include "protocol/frames.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::realtime {

std::string presence_meta(const std::string& user_id, const std::string& role) {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  // user_id is a UUID and role one of customer/technician/admin: nothing to escape.
  return fmt::format(R"({{"user_id":"{}","role":"{}","since":"{}.{:06d}Z"}})", user_id, role, when, us % 1000000);
}

std::string_view presence_since(std::string_view meta) {
  static constexpr std::string_view kField = R"("since":")";
  auto at = meta.find(kField);
  if (at == std::string_view::npos) return {};
  auto from = at + kField.size();
  auto to = meta.find('"', from);
  return to == std::string_view::npos ? std::string_view() : meta.substr(from, to - from);
}

Presence::Presence(asio::any_io_executor store_ex, std::vector<std::unique_ptr<Loop>>& loops, std::string conninfo,
                   std::chrono::milliseconds heartbeat, std::chrono::milliseconds db_timeout)
    : ex_(store_ex),
      loops_(loops),
      cluster_(protocol::new_uuid(), heartbeat),  // a new node id per process start
      publisher_(store_ex, std::move(conninfo), db_timeout),
      tick_(store_ex),
      heartbeat_(heartbeat) {}

Presence::~Presence() = default;

void Presence::start() {
  publisher_.start();
  apply(cluster_.resync(PresenceClock::now()));
  apply(cluster_.tick(PresenceClock::now()));
  arm_tick();
}

void Presence::stop() {
  if (stopped_) return;
  apply(cluster_.stop());
  stopped_ = true;
  tick_.cancel();
  publisher_.stop();
}

void Presence::arm_tick() {
  tick_.expires_after(heartbeat_ / 4);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    apply(cluster_.tick(PresenceClock::now()));
    arm_tick();
  });
}

void Presence::apply(PresenceCluster::Output out) {
  if (stopped_) return;
  for (auto& p : out.publish) publisher_.publish(std::move(p));
  for (auto& d : out.diffs) {
    if (is_channel_topic(d.topic)) {
      // A Phoenix channel: every ref's join and leave, to the channel's members.
      auto events = make_events(PresenceEvent{d.topic, d.kind == PresenceDiff::join, d.key, d.meta_json, d.ref},
                                loops_.size());
      for (size_t i = 0; i < loops_.size(); ++i) {
        asio::post(loops_[i]->ioc, [l = loops_[i].get(), key = d.topic.substr(4), event = std::move(events[i])] {
          l->hub.deliver_channel(key, event);
        });
      }
      continue;
    }
    if (!d.key_changed) continue;  // a user's other session: no change in who is present
    auto topic = protocol::parse_topic(d.topic);
    if (!topic) continue;
    auto events = make_events(PresenceEvent{d.topic, d.kind == PresenceDiff::join, d.key, d.meta_json, ""}, loops_.size());
    for (size_t i = 0; i < loops_.size(); ++i) {
      asio::post(loops_[i]->ioc, [l = loops_[i].get(), kind = topic->kind, id = topic->id, event = std::move(events[i])] {
        l->hub.deliver_event(kind, id, event);
      });
    }
  }
}

asio::awaitable<std::vector<std::vector<std::string>>> Presence::track(std::string topic, std::string user,
                                                                       std::string ref, std::string meta_json) {
  // The arguments move into track_here's own frame, which lives on the storage loop until it completes.
  // (A named awaitable: g++ 12 miscompiles temporaries inside a co_await expression, see pg_conn.hpp.)
  auto op = track_here(std::move(topic), std::move(user), std::move(ref), std::move(meta_json));
  co_return co_await asio::co_spawn(ex_, std::move(op), asio::use_awaitable);
}

asio::awaitable<std::vector<std::vector<std::string>>> Presence::track_here(std::string topic, std::string user,
                                                                            std::string ref, std::string meta_json) {
  apply(cluster_.track(PresenceEntry{topic, user, ref, meta_json}, PresenceClock::now()));
  // Each user once, with the meta of their earliest session (a readable since before none).
  auto earlier = [](const std::string& a, const std::string& b) {
    auto sa = presence_since(a), sb = presence_since(b);
    if (sa.empty() != sb.empty()) return sb.empty();
    return sa < sb;
  };
  std::vector<std::vector<std::string>> out;
  for (auto& meta : cluster_.table().first_metas(topic, earlier)) out.push_back({std::move(meta)});
  co_return out;
}

asio::awaitable<Presence::TrackOutcome> Presence::track_channel(std::string topic, std::string key, std::string ref,
                                                                std::string meta_json, std::string replaces) {
  // Named awaitables, as in track() (g++ 12).
  auto op = track_channel_here(std::move(topic), std::move(key), std::move(ref), std::move(meta_json),
                               std::move(replaces));
  co_return co_await asio::co_spawn(ex_, std::move(op), asio::use_awaitable);
}

asio::awaitable<Presence::TrackOutcome> Presence::track_channel_here(std::string topic, std::string key,
                                                                     std::string ref, std::string meta_json,
                                                                     std::string replaces) {
  if (meta_json.size() > kMaxPresenceMeta) {
    co_return TrackOutcome{false, fmt::format("PayloadTooLarge: a presence meta is at most {} bytes (this one is {})",
                                              kMaxPresenceMeta, meta_json.size())};
  }
  size_t metas = 0;
  for (const auto& k : cluster_.table().state(topic)) {
    for (const auto& m : k.metas) metas += (k.key == key && m.ref == replaces) ? 0 : 1;
  }
  if (metas >= kMaxChannelPresences) {
    co_return TrackOutcome{false, fmt::format("PresenceLimitReached: a channel holds at most {} presences",
                                              kMaxChannelPresences)};
  }
  if (!replaces.empty()) {
    // An update: the new meta names the ref it replaces (Phoenix.Presence's phx_ref_prev), after the limit (which
    // counts the client's meta only).
    std::string prev = "{\"phx_ref_prev\":\"" + replaces + "\"";  // a UUID: nothing to escape
    meta_json = meta_json.size() > 2 ? prev + "," + meta_json.substr(1) : prev + "}";
  }
  auto out = cluster_.track(PresenceEntry{topic, key, ref, meta_json}, PresenceClock::now());
  if (!out.ok) co_return TrackOutcome{false, "PayloadTooLarge: the presence key and meta do not fit in one message"};
  apply(std::move(out));
  if (!replaces.empty()) apply(cluster_.untrack(topic, key, replaces, PresenceClock::now()));
  co_return TrackOutcome{};
}

asio::awaitable<std::vector<PresenceTable::KeyState>> Presence::channel_state(std::string topic) {
  auto op = channel_state_here(std::move(topic));
  co_return co_await asio::co_spawn(ex_, std::move(op), asio::use_awaitable);
}

asio::awaitable<std::vector<PresenceTable::KeyState>> Presence::channel_state_here(std::string topic) {
  co_return cluster_.table().state(topic);
}

void Presence::untrack(std::string topic, std::string user, std::string ref) {
  asio::post(ex_, [this, topic = std::move(topic), user = std::move(user), ref = std::move(ref)] {
    apply(cluster_.untrack(topic, user, ref, PresenceClock::now()));
  });
}

void Presence::track_online(std::string user, std::string ref, std::string meta_json) {
  asio::post(ex_, [this, user = std::move(user), ref = std::move(ref), meta = std::move(meta_json)] {
    apply(cluster_.track(PresenceEntry{kOnlineTopic, user, ref, meta}, PresenceClock::now()));
  });
}

bool Presence::online(const std::string& user) const { return cluster_.table().present(kOnlineTopic, user); }

std::vector<std::string> Presence::online_users() const {
  std::vector<std::string> out;
  for (const auto& k : cluster_.table().state(kOnlineTopic)) out.push_back(k.key);
  return out;
}

void Presence::on_message(const std::string& payload) { apply(cluster_.on_message(payload, PresenceClock::now())); }

void Presence::resync() { apply(cluster_.resync(PresenceClock::now())); }

}  // namespace techpulse::gateway::realtime
