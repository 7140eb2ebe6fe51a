#pragma once
// The cluster's presence, in memory: who is present on which topic, through which refs (one per session), owned by
// which node. Pure: no I/O, no clock of its own (callers pass the time), no locks (one owner thread). Generic, so
// that techpulse.v1 presence (a key is a user id, counted once however many sessions) and Phoenix presence (a key
// with a list of metas) are two readings of one table.
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace techpulse::gateway::realtime {

using PresenceClock = std::chrono::steady_clock;

struct PresenceEntry {
  std::string topic;
  std::string key;
  std::string ref;        // unique per session (the session id)
  std::string meta_json;  // an object, kept as sent
};

struct PresenceMeta {
  std::string ref;
  std::string node;
  std::string meta_json;
};

struct PresenceDiff {
  enum Kind { join, leave } kind = join;
  std::string topic;
  std::string key;
  std::string ref;
  std::string meta_json;
  // join: the key had no other ref on the topic (it just became present); leave: it has none left (it is gone).
  bool key_changed = false;
};

class PresenceTable {
 public:
  // Adds ref under key on topic for node (or replaces its meta: then a leave and a join of that ref, neither
  // changing the key).
  std::vector<PresenceDiff> join(const std::string& node, const PresenceEntry& e);
  std::vector<PresenceDiff> leave(const std::string& node, const std::string& topic, const std::string& key,
                                  const std::string& ref);
  // The node's full state after a sync: what differs from what the table held for it comes out as diffs.
  std::vector<PresenceDiff> replace_node(const std::string& node, const std::vector<PresenceEntry>& entries);
  std::vector<PresenceDiff> drop_node(const std::string& node);

  // Liveness: a node is heard from (any message); expire drops every node (but the local one) silent for longer
  // than `silence`, with their entries.
  void set_local(const std::string& node) { local_ = node; }
  void heard(const std::string& node, PresenceClock::time_point now) { heard_[node] = now; }
  bool known(const std::string& node) const { return heard_.count(node) != 0; }
  std::vector<PresenceDiff> expire(PresenceClock::time_point now, PresenceClock::duration silence);

  struct KeyState {
    std::string key;
    std::vector<PresenceMeta> metas;  // in join order
  };
  // The keys present on a topic (in key order), each with its refs.
  std::vector<KeyState> state(const std::string& topic) const;
  // The keys present on a topic (in key order), each once, with the meta of its first ref by `before` (a strict
  // weak order on metas; among equals, the first joined). techpulse.v1's presence.state lists a user once however
  // many sessions it has: this reads it without copying every session's meta (state() per subscriber to a topic
  // with n sessions of one user was O(n) copies each, O(n^2) for the topic).
  using MetaBefore = std::function<bool(const std::string& a, const std::string& b)>;
  std::vector<std::string> first_metas(const std::string& topic, const MetaBefore& before) const;
  bool present(const std::string& topic, const std::string& key) const;
  std::vector<PresenceEntry> node_entries(const std::string& node) const;
  size_t size() const { return size_; }

 private:
  struct Ref {
    const std::string* node;  // the key of its entry in nodes_
    std::string meta_json;
    uint64_t order = 0;
  };
  using Id = std::tuple<std::string, std::string, std::string>;  // topic, key, ref
  // A ref as pointers to the keys of topics_ (a std::map's keys never move while their entry lives): the node index
  // holds no copy of them, and a leave finds its entry in log time.
  using IdRef = std::tuple<const std::string*, const std::string*, const std::string*>;
  struct IdRefLess {
    bool operator()(const IdRef& a, const IdRef& b) const {
      std::less<const std::string*> less;
      if (std::get<0>(a) != std::get<0>(b)) return less(std::get<0>(a), std::get<0>(b));
      if (std::get<1>(a) != std::get<1>(b)) return less(std::get<1>(a), std::get<1>(b));
      return less(std::get<2>(a), std::get<2>(b));
    }
  };
  // Removes the ref (which belongs to node) from both indexes; its leave goes to `out`.
  void erase(const std::string& node, const Id& id, std::vector<PresenceDiff>& out);
  std::vector<Id> ids_of(const std::string& node) const;

  // topic -> key -> ref -> Ref
  std::map<std::string, std::map<std::string, std::map<std::string, Ref>>> topics_;
  std::map<std::string, std::set<IdRef, IdRefLess>> nodes_;  // node -> its refs
  std::map<std::string, PresenceClock::time_point> heard_;
  std::string local_;
  uint64_t next_order_ = 0;
  size_t size_ = 0;
};

}  // namespace techpulse::gateway::realtime
