#pragma once
// One loop's slice of the subscription hub. Owned by that loop and used only on its thread, so the fan-out path
// takes no lock. A fan-out is one encoded frame, shared by every recipient on every loop.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/listener.hpp"

namespace techpulse::gateway {

using Frame = std::shared_ptr<const std::string>;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void push(const Frame& frame) = 0;
  virtual const std::string& session_id() const = 0;
  // Close with 1001 "going away" (server shutdown).
  virtual void close_going_away() = 0;
};

struct Subscription {
  Subscriber* owner = nullptr;
  std::string thread_id;
  // The cursor of the last message this subscriber was given (or, before it is live, the replay position).
  int64_t last_seq = 0;
  bool live = false;
  // Messages that arrive while the subscription is being set up: delivered after `subscribed`.
  std::vector<std::pair<int64_t, Frame>> pending;
  bool pending_overflow = false;
};

class Hub {
 public:
  static constexpr size_t kMaxPending = 4096;

  void add(const std::shared_ptr<Subscription>& sub);
  void remove(const std::shared_ptr<Subscription>& sub);
  // A message of a thread: each subscriber gets it once, in cursor order (seq <= last_seq is dropped).
  void deliver_message(const std::string& thread_id, int64_t seq, const Frame& frame);
  void deliver_typing(const std::string& thread_id, const std::string& except_session, const Frame& frame);
  // Threads with live subscriptions and the lowest cursor delivered among them.
  std::vector<storage::ThreadCursor> live_threads() const;
  size_t subscription_count() const;

  void add_session(Subscriber* s) { sessions_.insert(s); }
  void remove_session(Subscriber* s) { sessions_.erase(s); }
  const std::unordered_set<Subscriber*>& sessions() const { return sessions_; }

 private:
  std::unordered_map<std::string, std::vector<std::shared_ptr<Subscription>>> by_thread_;
  std::unordered_set<Subscriber*> sessions_;
};

}  // namespace techpulse::gateway
