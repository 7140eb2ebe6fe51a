#pragma once
// One node's side of cluster presence over tp_presence (storage/presence_channel.hpp): it applies this node's own
// joins and leaves at once, the other nodes' as their messages arrive, numbers what it sends, asks a node for its
// whole state when it sees a gap in that node's numbers (or hears of it for the first time), answers such requests,
// heartbeats, and expires nodes that fell silent. Pure: the caller feeds it messages and the time, publishes what
// it returns and delivers the diffs. One owner thread.
//
// Bound: a node heartbeats every heartbeat/2 and tick() should run every heartbeat/4; a node silent for
// 1.5 × heartbeat is dropped, so the users of a node that dies leave within 1.75 × heartbeat (+ NOTIFY latency).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/realtime/presence_table.hpp"
#include "storage/presence_channel.hpp"

namespace techpulse::gateway::realtime {

class PresenceCluster {
 public:
  struct Output {
    std::vector<PresenceDiff> diffs;    // to deliver to the topics' local subscribers
    std::vector<std::string> publish;   // tp_presence payloads, in order
    bool ok = true;                     // false: a join's meta is too large for a payload (nothing was done)
  };

  PresenceCluster(std::string node_id, PresenceClock::duration heartbeat);

  const std::string& node_id() const { return node_; }
  const PresenceTable& table() const { return table_; }

  // This node's sessions.
  Output track(const PresenceEntry& e, PresenceClock::time_point now);
  Output untrack(const std::string& topic, const std::string& key, const std::string& ref,
                 PresenceClock::time_point now);
  // A tp_presence payload (this node's own echoes are ignored).
  Output on_message(std::string_view payload, PresenceClock::time_point now);
  // Heartbeat when due, expiry of silent nodes.
  Output tick(PresenceClock::time_point now);
  // First start, or after this node's LISTEN connection was lost (messages may have been missed): ask every node
  // for its state.
  Output resync(PresenceClock::time_point now);
  // Graceful stop: the others drop this node's entries at once.
  Output stop();

  PresenceClock::duration silence() const { return heartbeat_ + heartbeat_ / 2; }

 private:
  void send(Output& out, storage::PresenceMessage m);
  void dump(Output& out);
  void request(Output& out, const std::string& target);
  void append(Output& out, std::vector<PresenceDiff> d);

  std::string node_;
  PresenceClock::duration heartbeat_;
  PresenceTable table_;
  uint64_t sent_ = 0;
  PresenceClock::time_point last_heartbeat_{};
  std::map<std::string, uint64_t> last_n_;  // per remote node: the last number seen
  // A sync in flight per remote node: the entries seen between its B and E.
  std::map<std::string, std::vector<PresenceEntry>> staging_;
};

}  // namespace techpulse::gateway::realtime
