// Presence of the Phoenix dialect, on the core's cluster presence (realtime::Presence, across nodes over
// tp_presence): a channel's presence topic is Presence::channel_topic(channel_key(name, private)), so a private
// thread:/ticket: channel's presence is only for those the core admitted at the join (and revoked live with it).
// track: one ref (the phx_ref, a new UUID per track) under the join's presence key (config.presence.key, or a UUID
// per join); tracking again tracks the new meta (with phx_ref_prev) before the old one leaves. untrack, phx_leave,
// a closed channel and a closed socket leave. Every ref's join and leave reaches the channel's members on every
// node as a presence_diff (on_presence below) if its join enabled presence; presence_state (the channel's whole state) follows the join reply.
#include "gateway/dialect/phoenix/connection.hpp"

#include "gateway/realtime/presence.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::dialect::phoenix {

std::string Connection::presence_topic(const Joined& j) {
  return realtime::Presence::channel_topic(realtime::channel_key(j.name, j.is_private));
}

boost::asio::awaitable<void> Connection::presence(const px::Intent& in) {
  auto it = joined_.find(in.topic);
  if (it == joined_.end()) {
    send(channels_.reply(in, false, px::reason_response("the channel is not joined")));
    co_return;
  }
  if (!svc_.presence) {
    send(channels_.reply(in, false, px::reason_response("presence is not available on this gateway")));
    co_return;
  }
  const std::string topic = presence_topic(it->second);
  const std::string key = it->second.presence_key;
  const std::string old_ref = it->second.presence_ref;
  if (!in.presence_push.track) {
    if (!old_ref.empty()) svc_.presence->untrack(topic, key, old_ref);
    it->second.presence_ref.clear();
    send(channels_.reply(in, true));
    co_return;
  }
  std::string ref = protocol::new_uuid();
  auto join_ref = channels_.join_ref(in.topic);
  // (A named awaitable: g++ 12 miscompiles temporaries inside a co_await expression, see pg_conn.hpp.)
  auto track = svc_.presence->track_channel(topic, key, ref, in.presence_push.meta, old_ref);
  auto outcome = co_await std::move(track);
  // The channel may have been left or joined again meanwhile: this track belongs to the join that asked.
  it = joined_.find(in.topic);
  if (it == joined_.end() || channels_.join_ref(in.topic) != join_ref) {
    if (outcome.ok) svc_.presence->untrack(topic, key, ref);
    co_return;
  }
  if (!outcome.ok) {
    send(channels_.reply(in, false, px::reason_response(outcome.message)));
    co_return;
  }
  it->second.presence_ref = ref;
  send(channels_.reply(in, true));
}

boost::asio::awaitable<void> Connection::send_presence_state(const std::string& topic) {
  auto it = joined_.find(topic);
  if (it == joined_.end()) co_return;
  if (!svc_.presence) {
    send(channels_.push(topic, "presence_state", "{}"));
    co_return;
  }
  auto join_ref = channels_.join_ref(topic);
  // A member of the channel already (the caller joined the hub's channel first): a diff that overtakes this state
  // reaches the client first, which holds diffs until it has the state, and replays them over it (idempotent).
  auto read = svc_.presence->channel_state(presence_topic(it->second));  // named: see above
  auto state = co_await std::move(read);
  if (!joined_.count(topic) || channels_.join_ref(topic) != join_ref) co_return;
  std::vector<px::PresenceEntry> entries;
  for (auto& k : state) {
    for (auto& m : k.metas) entries.push_back(px::PresenceEntry{k.key, m.ref, "", std::move(m.meta_json)});
  }
  send(channels_.push(topic, "presence_state", px::presence_map(entries)));
}

void Connection::on_presence(const realtime::PresenceEvent& e) {
  // e.topic is "phx:" + channel_key: "o:<name>" or "p:<name>".
  std::string_view key = std::string_view(e.topic).substr(4);
  if (key.size() < 2) return;
  const bool is_private = key[0] == 'p';
  const std::string topic = "realtime:" + std::string(key.substr(2));
  auto it = joined_.find(topic);
  if (it == joined_.end() || it->second.is_private != is_private || !it->second.presence) return;
  std::vector<px::PresenceEntry> one{px::PresenceEntry{e.user_id, e.ref, "", e.meta_json}};
  std::vector<px::PresenceEntry> none;
  send(channels_.fanout(topic, "presence_diff", e.join ? px::presence_diff(one, none) : px::presence_diff(none, one)));
}

void Connection::leave_presence(Joined& j) {
  if (j.presence_ref.empty() || !svc_.presence) return;
  svc_.presence->untrack(presence_topic(j), j.presence_key, j.presence_ref);
  j.presence_ref.clear();
}

}  // namespace techpulse::gateway::dialect::phoenix
