#include "gateway/realtime/presence_cluster.hpp"

namespace techpulse::gateway::realtime {

using storage::PresenceMessage;

PresenceCluster::PresenceCluster(std::string node_id, PresenceClock::duration heartbeat)
    : node_(std::move(node_id)), heartbeat_(heartbeat) {
  table_.set_local(node_);
}

void PresenceCluster::append(Output& out, std::vector<PresenceDiff> d) {
  out.diffs.insert(out.diffs.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
}

void PresenceCluster::send(Output& out, PresenceMessage m) {
  m.node = node_;
  m.n = ++sent_;
  if (auto p = storage::encode_presence(m)) out.publish.push_back(std::move(*p));
}

void PresenceCluster::dump(Output& out) {
  send(out, PresenceMessage{PresenceMessage::begin});
  for (auto& e : table_.node_entries(node_)) {
    PresenceMessage m{PresenceMessage::entry};
    m.topic = std::move(e.topic);
    m.key = std::move(e.key);
    m.ref = std::move(e.ref);
    m.meta = std::move(e.meta_json);
    send(out, std::move(m));
  }
  send(out, PresenceMessage{PresenceMessage::end});
}

void PresenceCluster::request(Output& out, const std::string& target) {
  PresenceMessage m{PresenceMessage::request};
  m.target = target;
  send(out, std::move(m));
}

PresenceCluster::Output PresenceCluster::track(const PresenceEntry& e, PresenceClock::time_point now) {
  Output out;
  PresenceMessage m{PresenceMessage::join};
  m.node = node_;
  m.n = sent_ + 1;
  m.topic = e.topic;
  m.key = e.key;
  m.ref = e.ref;
  m.meta = e.meta_json;
  if (!storage::encode_presence(m)) {
    out.ok = false;
    return out;
  }
  auto d = table_.join(node_, e);
  if (d.empty()) return out;  // tracked already, with this meta: nothing to tell
  append(out, std::move(d));
  send(out, std::move(m));
  return out;
}

PresenceCluster::Output PresenceCluster::untrack(const std::string& topic, const std::string& key,
                                                 const std::string& ref, PresenceClock::time_point now) {
  Output out;
  auto d = table_.leave(node_, topic, key, ref);
  if (d.empty()) return out;
  append(out, std::move(d));
  PresenceMessage m{PresenceMessage::leave};
  m.topic = topic;
  m.key = key;
  m.ref = ref;
  send(out, std::move(m));
  return out;
}

PresenceCluster::Output PresenceCluster::on_message(std::string_view payload, PresenceClock::time_point now) {
  Output out;
  auto parsed = storage::parse_presence(payload);
  if (!parsed || parsed->node == node_) return out;
  auto& m = *parsed;
  if (m.kind == PresenceMessage::stop) {
    append(out, table_.drop_node(m.node));
    last_n_.erase(m.node);
    staging_.erase(m.node);
    return out;
  }
  auto last = last_n_.find(m.node);
  const bool known = last != last_n_.end();
  // A node heard of for the first time, or a gap in its numbers: what we know of it may be incomplete, so ask for
  // its whole state (unless this message starts one).
  if (m.kind != PresenceMessage::begin && m.kind != PresenceMessage::entry && m.kind != PresenceMessage::end &&
      (!known || m.n != last->second + 1)) {
    request(out, m.node);
  }
  last_n_[m.node] = m.n;
  table_.heard(m.node, now);
  switch (m.kind) {
    case PresenceMessage::join:
      append(out, table_.join(m.node, PresenceEntry{m.topic, m.key, m.ref, m.meta}));
      break;
    case PresenceMessage::leave:
      append(out, table_.leave(m.node, m.topic, m.key, m.ref));
      break;
    case PresenceMessage::request:
      if (m.target == node_ || m.target == "*") dump(out);
      break;
    case PresenceMessage::begin:
      staging_[m.node].clear();
      break;
    case PresenceMessage::entry:
      if (auto s = staging_.find(m.node); s != staging_.end()) {
        s->second.push_back(PresenceEntry{m.topic, m.key, m.ref, m.meta});
      }
      break;
    case PresenceMessage::end:
      if (auto s = staging_.find(m.node); s != staging_.end()) {
        append(out, table_.replace_node(m.node, s->second));
        staging_.erase(s);
      }
      break;
    default: break;
  }
  return out;
}

PresenceCluster::Output PresenceCluster::tick(PresenceClock::time_point now) {
  Output out;
  if (now - last_heartbeat_ >= heartbeat_ / 2) {
    last_heartbeat_ = now;
    send(out, PresenceMessage{PresenceMessage::heartbeat});
  }
  append(out, table_.expire(now, silence()));
  for (auto it = last_n_.begin(); it != last_n_.end();) {
    if (!table_.known(it->first)) {
      staging_.erase(it->first);
      it = last_n_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

PresenceCluster::Output PresenceCluster::resync(PresenceClock::time_point now) {
  Output out;
  request(out, "*");
  return out;
}

PresenceCluster::Output PresenceCluster::stop() {
  Output out;
  send(out, PresenceMessage{PresenceMessage::stop});
  return out;
}

}  // namespace techpulse::gateway::realtime
