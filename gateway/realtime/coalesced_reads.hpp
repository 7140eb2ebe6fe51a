#pragma once
// The reads a reconnect storm is made of, coalesced: a connection's admission (its profile) and a thread
// subscription's set-up (the thread's access and cursor, the `since` replay pages, the running assistant turn).
// Requests for the same thing that wait at the same time share one statement (batcher.hpp): the profiles of many
// users in one statement, one thread's access for many users in one (still tp_can_access per user), one replay page
// read from the lowest cursor waiting and each request served the part after its own cursor, one turn read for
// every subscriber of the thread. All of them pass one Gate of --admission-concurrency statements, so a storm
// queues here (at most --admission-queue connections waiting to be admitted) instead of in the pool.
//
// Each request joins only a statement that starts after it was made, so what a statement returns is as fresh as a
// read of the requester's own would be: the set-up's hand-over from replay to live (subscribe.cpp) is unchanged.
// On the storage loop only: call through on_store.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gateway/realtime/batcher.hpp"
#include "gateway/realtime/gate.hpp"
#include "storage/assistant_store.hpp"
#include "storage/chat_store.hpp"
#include "storage/conversation_store.hpp"

namespace techpulse::gateway::realtime {

// A profile read for an admission; queue_full: not read, --admission-queue connections were waiting already.
struct ProfileRead {
  storage::PgOutcome<std::optional<storage::Profile>> profile;
  bool queue_full = false;
};

class CoalescedReads {
 public:
  // Events of a replay page; more: the page was full, read on from its last cursor.
  static constexpr int kReplayPage = 500;

  CoalescedReads(storage::ChatStore& store, size_t concurrency, size_t admission_queue);

  boost::asio::awaitable<ProfileRead> profile(std::string user_id);
  // The same read, answered by calling `done` on the storage loop (no coroutine waits: an admission storm's
  // waiting connections hold only the callback).
  void profile_then(std::string user_id, std::function<void(ProfileRead)> done);
  boost::asio::awaitable<storage::PgOutcome<storage::ThreadAccess>> thread_access(std::string user_id,
                                                                                  std::string thread_id);
  // The thread's events after `after` (at most kReplayPage; ThreadEvents::more when a page may follow) and its
  // last_seq, from one snapshot.
  boost::asio::awaitable<storage::PgOutcome<storage::ThreadEvents>> events_after(std::string thread_id, int64_t after);
  boost::asio::awaitable<storage::PgOutcome<storage::TurnSnapshot>> running_turn(std::string thread_id);

 private:
  using ProfileBatcher = Batcher<std::string, storage::PgOutcome<std::optional<storage::Profile>>>;
  using AccessBatcher = Batcher<std::string, storage::PgOutcome<storage::ThreadAccess>>;
  using EventsBatcher = Batcher<int64_t, storage::PgOutcome<storage::ThreadEvents>>;
  using TurnBatcher = Batcher<bool, storage::PgOutcome<storage::TurnSnapshot>>;

  // The checks before a profile is queued: an answer when it is not (not a uuid, the admission queue full).
  std::optional<ProfileRead> refuse_profile(const std::string& user_id) const;
  boost::asio::awaitable<void> read_profiles(ProfileBatcher::Batch& batch);
  boost::asio::awaitable<void> read_access(const std::string& thread, AccessBatcher::Batch& batch);
  boost::asio::awaitable<void> read_events(const std::string& thread, EventsBatcher::Batch& batch);
  boost::asio::awaitable<void> read_turn(const std::string& thread, TurnBatcher::Batch& batch);

  storage::ChatStore& store_;
  size_t admission_queue_;
  Gate gate_;
  ProfileBatcher profiles_;
  AccessBatcher access_;
  EventsBatcher events_;
  TurnBatcher turns_;
};

}  // namespace techpulse::gateway::realtime
