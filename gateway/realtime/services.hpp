#pragma once
// What the realtime core needs from the process: the configuration, the store (on the storage loop) and its
// coalesced reads, the listener's epoch, and the count of live sessions (a SIGTERM drain waits for it to reach zero).
#include <atomic>
#include <cstddef>

#include "gateway/config.hpp"
#include "storage/chat_store.hpp"
#include "storage/listener.hpp"

namespace techpulse::gateway::realtime {

class CoalescedReads;
class Presence;
class RowWatchers;

struct Services {
  const Config& config;
  storage::ChatStore& store;
  storage::Listener& listener;
  std::atomic<size_t>& live_sessions;
  // Cluster presence (presence.hpp); null where a process runs without it (store-level tests).
  Presence* presence = nullptr;
  // Who on this node has postgres_changes bindings (channels.hpp); null where rows are not served.
  RowWatchers* rows = nullptr;
  // The reads of admissions and subscription set-ups, coalesced (coalesced_reads.hpp); required, on the storage loop.
  CoalescedReads* reads = nullptr;
};

}  // namespace techpulse::gateway::realtime
