#pragma once
// The listener's side of the core: what storage::Listener receives (NOTIFY payloads, on the storage loop) becomes
// one typed event per topic and loop (make_events: loops share nothing per delivery), handed to every loop (chat messages through the loop's inbox, so a busy loop
// delivers several in one turn) and offered there by the hub to its subscriptions. Access changes and resyncs make
// the affected sessions re-check.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/realtime/channels.hpp"
#include "gateway/realtime/loop.hpp"
#include "storage/listener.hpp"
#include "storage/row_changes.hpp"

namespace techpulse::gateway::realtime {

class Presence;

class Fanout : public storage::RealtimeSink {
 public:
  explicit Fanout(std::vector<std::unique_ptr<Loop>>& loops) : loops_(loops) {}
  // Presence messages (tp_presence) go to it; set before the listener starts.
  void set_presence(Presence* p) { presence_ = p; }
  // Called on the storage loop with each ticket.queued object (--routing least-loaded); set before the listener
  // starts.
  void set_on_queued(std::function<void(const std::string&)> f) { on_queued_ = std::move(f); }
  // Row changes (tp_row) are judged with it (tp_row_visible); set before the listener starts.
  void set_row_store(storage::RowChangeStore* s) { row_store_ = s; }
  // Who on this node watches rows (sessions register, channels.cpp).
  RowWatchers& row_watchers() { return rows_; }

  void on_message(const storage::ChatEvent& ev) override;
  // While held, a loop's inbox that receives its first delivery is noted instead of woken; release wakes them.
  void hold_messages() override { holding_ = true; }
  void release_messages() override;
  void on_message_change(const storage::ChangeEvent& ev) override;
  void on_read(const storage::ReadEvent& ev) override;
  void on_presence(const std::string& payload) override;
  void on_typing(const storage::TypingEvent& ev) override;
  asio::awaitable<std::vector<storage::ThreadCursor>> live_threads() override;
  void on_event(char kind, const std::string& key, const std::string& json) override;
  void on_access_change(char kind, const std::string& id) override;
  void on_resync() override;
  void on_assistant(const std::string& thread_id, const std::string& ticket_id, uint64_t xid,
                    const std::string& json) override;
  // Supabase channels (channels.cpp).
  asio::awaitable<bool> on_row_change(const storage::RowChange& change) override;
  bool wants_row_changes() const override;
  void on_broadcast(const storage::BroadcastMessage& message) override;
  bool wants_broadcasts() const override { return true; }

  // SIGTERM: every session of every loop drains.
  void drain_all();

 private:
  // Hands a thread's event (a message or a change, at its cursor) to every loop's inbox, a copy per loop.
  void to_inboxes(const storage::ChatEvent& ev, Event event, std::optional<Event> ticket_event);
  // Posts the drain of a loop's inbox to that loop.
  static void post_drain(Loop* loop);

  std::vector<std::unique_ptr<Loop>>& loops_;
  Presence* presence_ = nullptr;
  std::function<void(const std::string&)> on_queued_;
  storage::RowChangeStore* row_store_ = nullptr;
  RowWatchers rows_;
  std::unordered_map<std::string, std::string> columns_;  // table -> its columns JSON (storage loop only)
  bool holding_ = false;       // storage loop only, like everything the listener calls
  std::vector<Loop*> held_;    // loops whose inbox's drain waits for release_messages()
};

}  // namespace techpulse::gateway::realtime
