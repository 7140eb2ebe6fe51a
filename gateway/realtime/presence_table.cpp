#include "gateway/realtime/presence_table.hpp"

#include <algorithm>

namespace techpulse::gateway::realtime {

std::vector<PresenceDiff> PresenceTable::join(const std::string& node, const PresenceEntry& e) {
  std::vector<PresenceDiff> out;
  auto topic = topics_.try_emplace(e.topic).first;
  auto key = topic->second.try_emplace(e.key).first;
  auto& refs = key->second;
  auto it = refs.find(e.ref);
  auto owner = nodes_.try_emplace(node).first;
  if (it != refs.end()) {
    if (*it->second.node == node && it->second.meta_json == e.meta_json) return out;  // nothing new
    if (*it->second.node != node) {
      // The same ref from another node: the newer claim wins.
      IdRef id{&topic->first, &key->first, &it->first};
      auto old = nodes_.find(*it->second.node);
      old->second.erase(id);
      if (old->second.empty()) nodes_.erase(old);
      owner->second.insert(id);
      it->second.node = &owner->first;
    }
    out.push_back(PresenceDiff{PresenceDiff::leave, e.topic, e.key, e.ref, it->second.meta_json, false});
    it->second.meta_json = e.meta_json;
    out.push_back(PresenceDiff{PresenceDiff::join, e.topic, e.key, e.ref, e.meta_json, false});
    return out;
  }
  bool first = refs.empty();
  auto added = refs.emplace(e.ref, Ref{&owner->first, e.meta_json, next_order_++}).first;
  owner->second.insert(IdRef{&topic->first, &key->first, &added->first});
  ++size_;
  out.push_back(PresenceDiff{PresenceDiff::join, e.topic, e.key, e.ref, e.meta_json, first});
  return out;
}

void PresenceTable::erase(const std::string& node, const Id& id, std::vector<PresenceDiff>& out) {
  const auto& [topic, key, ref] = id;
  auto t = topics_.find(topic);
  if (t == topics_.end()) return;
  auto k = t->second.find(key);
  if (k == t->second.end()) return;
  auto r = k->second.find(ref);
  if (r == k->second.end() || *r->second.node != node) return;
  auto owner = nodes_.find(node);
  owner->second.erase(IdRef{&t->first, &k->first, &r->first});
  if (owner->second.empty()) nodes_.erase(owner);
  std::string meta = std::move(r->second.meta_json);
  k->second.erase(r);
  --size_;
  bool last = k->second.empty();
  out.push_back(PresenceDiff{PresenceDiff::leave, topic, key, ref, std::move(meta), last});
  if (last) {
    t->second.erase(k);
    if (t->second.empty()) topics_.erase(t);
  }
}

std::vector<PresenceTable::Id> PresenceTable::ids_of(const std::string& node) const {
  std::vector<Id> ids;
  auto n = nodes_.find(node);
  if (n == nodes_.end()) return ids;
  ids.reserve(n->second.size());
  for (const auto& [topic, key, ref] : n->second) ids.emplace_back(*topic, *key, *ref);
  return ids;
}

std::vector<PresenceDiff> PresenceTable::leave(const std::string& node, const std::string& topic,
                                               const std::string& key, const std::string& ref) {
  std::vector<PresenceDiff> out;
  erase(node, Id{topic, key, ref}, out);
  return out;
}

std::vector<PresenceDiff> PresenceTable::replace_node(const std::string& node,
                                                      const std::vector<PresenceEntry>& entries) {
  std::vector<PresenceDiff> out;
  std::set<Id> wanted;
  for (const auto& e : entries) wanted.insert(Id{e.topic, e.key, e.ref});
  // Leaves first (of what the node no longer holds), then joins, so a key that moves between refs never blinks.
  std::vector<Id> stale;
  for (auto& id : ids_of(node)) {
    if (!wanted.count(id)) stale.push_back(std::move(id));
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
  for (const auto& id : ids_of(node)) erase(node, id, out);
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
    for (const auto& [ref, r] : refs) sorted.push_back({r.order, PresenceMeta{ref, *r.node, r.meta_json}});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [o, m] : sorted) ks.metas.push_back(std::move(m));
    out.push_back(std::move(ks));
  }
  return out;
}

std::vector<std::string> PresenceTable::first_metas(const std::string& topic, const MetaBefore& before) const {
  std::vector<std::string> out;
  auto t = topics_.find(topic);
  if (t == topics_.end()) return out;
  out.reserve(t->second.size());
  for (const auto& [key, refs] : t->second) {
    const Ref* best = nullptr;
    for (const auto& [ref, r] : refs) {
      if (!best || before(r.meta_json, best->meta_json) ||
          (!before(best->meta_json, r.meta_json) && r.order < best->order)) {
        best = &r;
      }
    }
    if (best) out.push_back(best->meta_json);
  }
  return out;
}

bool PresenceTable::present(const std::string& topic, const std::string& key) const {
  auto t = topics_.find(topic);
  return t != topics_.end() && t->second.count(key) != 0;
}

std::vector<PresenceEntry> PresenceTable::node_entries(const std::string& node) const {
  std::vector<PresenceEntry> out;
  for (auto& [topic, key, ref] : ids_of(node)) {
    const auto& r = topics_.at(topic).at(key).at(ref);
    out.push_back(PresenceEntry{topic, key, ref, r.meta_json});
  }
  return out;
}

}  // namespace techpulse::gateway::realtime
