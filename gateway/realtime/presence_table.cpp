#include "gateway/realtime/presence_table.hpp"

#include <algorithm>

namespace techpulse::gateway::realtime {

std::vector<PresenceDiff> PresenceTable::join(const std::string& node, const PresenceEntry& e) {
  std::vector<PresenceDiff> out;
  auto& keys = topics_[e.topic];
  auto& refs = keys[e.key];
  auto it = refs.find(e.ref);
  if (it != refs.end()) {
    if (it->second.node == node && it->second.meta_json == e.meta_json) return out;  // nothing new
    if (it->second.node != node) {
      // The same ref from another node: the newer claim wins.
      auto range = by_node_.equal_range(it->second.node);
      for (auto b = range.first; b != range.second; ++b) {
        if (b->second == Id{e.topic, e.key, e.ref}) {
          by_node_.erase(b);
          break;
        }
      }
      by_node_.emplace(node, Id{e.topic, e.key, e.ref});
    }
    out.push_back(PresenceDiff{PresenceDiff::leave, e.topic, e.key, e.ref, it->second.meta_json, false});
    it->second.node = node;
    it->second.meta_json = e.meta_json;
    out.push_back(PresenceDiff{PresenceDiff::join, e.topic, e.key, e.ref, e.meta_json, false});
    return out;
  }
  bool first = refs.empty();
  refs.emplace(e.ref, Ref{node, e.meta_json, next_order_++});
  by_node_.emplace(node, Id{e.topic, e.key, e.ref});
  out.push_back(PresenceDiff{PresenceDiff::join, e.topic, e.key, e.ref, e.meta_json, first});
  return out;
}

void PresenceTable::erase(const Id& id, std::vector<PresenceDiff>& out) {
  const auto& [topic, key, ref] = id;
  auto t = topics_.find(topic);
  if (t == topics_.end()) return;
  auto k = t->second.find(key);
  if (k == t->second.end()) return;
  auto r = k->second.find(ref);
  if (r == k->second.end()) return;
  std::string meta = std::move(r->second.meta_json);
  k->second.erase(r);
  bool last = k->second.empty();
  out.push_back(PresenceDiff{PresenceDiff::leave, topic, key, ref, std::move(meta), last});
  if (last) {
    t->second.erase(k);
    if (t->second.empty()) topics_.erase(t);
  }
}

std::vector<PresenceDiff> PresenceTable::leave(const std::string& node, const std::string& topic,
                                               const std::string& key, const std::string& ref) {
  std::vector<PresenceDiff> out;
  Id id{topic, key, ref};
  auto range = by_node_.equal_range(node);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == id) {
      by_node_.erase(it);
      erase(id, out);
      break;
    }
  }
  return out;
}

std::vector<PresenceDiff> PresenceTable::replace_node(const std::string& node,
                                                      const std::vector<PresenceEntry>& entries) {
  std::vector<PresenceDiff> out;
  std::set<Id> wanted;
  for (const auto& e : entries) wanted.insert(Id{e.topic, e.key, e.ref});
  // Leaves first (of what the node no longer holds), then joins, so a key that moves between refs never blinks.
  std::vector<Id> stale;
  auto range = by_node_.equal_range(node);
  for (auto it = range.first; it != range.second; ++it) {
    if (!wanted.count(it->second)) stale.push_back(it->second);
  }
  std::vector<PresenceDiff> leaves;
  for (const auto& id : stale) {
    auto l = leave(node, std::get<0>(id), std::get<1>(id), std::get<2>(id));
    leaves.insert(leaves.end(), l.begin(), l.end());
  }
  for (const auto& e : entries) {
    auto j = join(node, e);
    out.insert(out.end(), j.begin(), j.end());
  }
  // A key that left through one ref and joined through another in this call did not really change: the joins ran
  // after the leaves, so fix up the flags.
  for (auto& l : leaves) {
    if (l.key_changed && present(l.topic, l.key)) l.key_changed = false;
  }
  for (auto& j : out) {
    if (j.kind == PresenceDiff::join && j.key_changed) {
      bool was_there = std::any_of(leaves.begin(), leaves.end(), [&](const PresenceDiff& l) {
        return l.topic == j.topic && l.key == j.key;
      });
      if (was_there) j.key_changed = false;
    }
  }
  leaves.insert(leaves.end(), out.begin(), out.end());
  return leaves;
}

std::vector<PresenceDiff> PresenceTable::drop_node(const std::string& node) {
  std::vector<PresenceDiff> out;
  auto range = by_node_.equal_range(node);
  std::vector<Id> ids;
  for (auto it = range.first; it != range.second; ++it) ids.push_back(it->second);
  by_node_.erase(node);
  for (const auto& id : ids) erase(id, out);
  heard_.erase(node);
  return out;
}

std::vector<PresenceDiff> PresenceTable::expire(PresenceClock::time_point now, PresenceClock::duration silence) {
  std::vector<std::string> dead;
  for (const auto& [node, at] : heard_) {
    if (node != local_ && now - at > silence) dead.push_back(node);
  }
  std::vector<PresenceDiff> out;
  for (const auto& node : dead) {
    auto d = drop_node(node);
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

std::vector<PresenceTable::KeyState> PresenceTable::state(const std::string& topic) const {
  std::vector<KeyState> out;
  auto t = topics_.find(topic);
  if (t == topics_.end()) return out;
  for (const auto& [key, refs] : t->second) {
    KeyState ks{key, {}};
    std::vector<std::pair<uint64_t, PresenceMeta>> sorted;
    for (const auto& [ref, r] : refs) sorted.push_back({r.order, PresenceMeta{ref, r.node, r.meta_json}});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [o, m] : sorted) ks.metas.push_back(std::move(m));
    out.push_back(std::move(ks));
  }
  return out;
}

bool PresenceTable::present(const std::string& topic, const std::string& key) const {
  auto t = topics_.find(topic);
  return t != topics_.end() && t->second.count(key) != 0;
}

std::vector<PresenceEntry> PresenceTable::node_entries(const std::string& node) const {
  std::vector<PresenceEntry> out;
  auto range = by_node_.equal_range(node);
  for (auto it = range.first; it != range.second; ++it) {
    const auto& [topic, key, ref] = it->second;
    const auto& r = topics_.at(topic).at(key).at(ref);
    out.push_back(PresenceEntry{topic, key, ref, r.meta_json});
  }
  return out;
}

}  // namespace techpulse::gateway::realtime
