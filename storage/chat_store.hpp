#pragma once
#include <functional>
#include <memory>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

struct Profile {
  std::string id;
  std::string role;  // customer | technician | admin
};

// A history page's messages stop at about this many bytes of JSON (docs/protocol.md, "Limits").
inline constexpr size_t kHistoryPageBytes = 1024 * 1024;

struct ThreadAccess {
  bool exists = false;
  bool allowed = false;
  int64_t last_seq = 0;  // the thread's cursor at the time of the check
};

// The outcome of thread.create / thread.update.
struct ThreadWrite {
  // assistant_forbidden: turning the assistant back on after a handoff is for staff (tp_may_set_assistant).
  enum Status { ok, thread_not_found, thread_forbidden, ticket_not_found, ticket_forbidden, assistant_forbidden };
  Status status = ok;
  std::string json;  // the thread object (ok only)
};

struct StoredMessage {
  int64_t seq = 0;
  std::string json;  // the protocol message object, built by tp_message_json
  std::string ticket_id;  // the thread's ticket (messages_after only)
};

struct TicketAccess {
  bool exists = false;
  bool allowed = false;
  std::vector<std::pair<std::string, int64_t>> threads;  // the ticket's threads and their cursors, one snapshot
};

struct AccessRecheck {
  std::optional<std::string> role;  // nullopt: the profile is gone
  std::vector<std::string> denied_threads;
  std::vector<std::string> denied_tickets;
};

struct NewMessage {
  std::string id;  // chosen by the gateway, so a batch's rows can be matched to their sends
  std::string thread_id;
  std::string sender_id;
  std::string role;
  std::string content;
  std::string message_type;
  std::string metadata;  // a JSON object
  std::string client_msg_id;  // empty: none
};

struct SendOutcome {
  enum Status { ok, duplicate, not_found, forbidden, unavailable, invalid, internal } status = internal;
  std::string message_id;
  int64_t seq = 0;
  std::string created_at;
  std::string detail;
};

struct ThreadPage {
  std::vector<std::string> threads_json;
  bool has_more = false;
  std::string next_before;
};

struct WriterOptions {
  size_t connections = 2;   // sends are partitioned by thread over these, so one thread's sends stay in order
  size_t max_batch = 256;   // rows per INSERT statement
};

// Every SQL statement the gateway runs, on the storage loop. Methods must be called on that loop (co_spawn onto
// executor()).
class ChatStore {
 public:
  ChatStore(asio::any_io_executor ex, PoolOptions pool, WriterOptions writer);
  ~ChatStore();

  asio::any_io_executor executor() const { return pool_.executor(); }
  PgPool& pool() { return pool_; }

  // Starts the writer loops.
  void start();
  void stop();

  asio::awaitable<PgOutcome<std::optional<Profile>>> profile(std::string user_id);
  asio::awaitable<PgOutcome<ThreadAccess>> thread_access(std::string user_id, std::string thread_id);
  // Messages with seq > after, oldest first, at most limit; and the thread's last_seq in the same snapshot.
  asio::awaitable<PgOutcome<std::pair<std::vector<StoredMessage>, int64_t>>> messages_after(std::string thread_id,
                                                                                            int64_t after,
                                                                                            int limit);
  // A page of history, newest `limit` messages before `before` (nullopt: the newest), returned oldest first, cut
  // short (oldest dropped) once its messages' JSON passes max_bytes. .second is true when older messages exist.
  asio::awaitable<PgOutcome<std::pair<std::vector<StoredMessage>, bool>>> history(
      std::string thread_id, std::optional<int64_t> before, int limit, size_t max_bytes = kHistoryPageBytes);
  asio::awaitable<PgOutcome<std::string>> message_json(std::string message_id);
  // The message's JSON when user may read its thread; nullopt otherwise (or when it does not exist).
  asio::awaitable<PgOutcome<std::optional<std::string>>> readable_message_json(std::string user_id,
                                                                               std::string message_id);
  // The thread's JSON as user sees it (unread count included); nullopt when it does not exist.
  asio::awaitable<PgOutcome<std::optional<std::string>>> thread_json(std::string user_id, std::string thread_id);
  // The event JSON of a row of support_tickets, tickets, work_orders or conversation_threads, for a tp_event too big
  // for NOTIFY; nullopt when the row is gone or the table is not one of these.
  asio::awaitable<PgOutcome<std::optional<std::string>>> event_json(std::string table, std::string id);
  asio::awaitable<PgOutcome<TicketAccess>> ticket_access(std::string user_id, std::string ticket_id);
  // Which of these threads and tickets this user may no longer use, and their current role.
  asio::awaitable<PgOutcome<AccessRecheck>> recheck_access(std::string user_id, std::vector<std::string> threads,
                                                           std::vector<std::string> tickets);

  // Batched insert: the callback runs on the storage loop once the row is committed (or refused).
  void submit(NewMessage msg, std::function<void(SendOutcome)> done);

  // Both check, in the statement that writes, that the actor may use the thread and may link it to the ticket
  // (tp_may_link: the ticket is one the actor may see, and the link holds for the thread's owner).
  asio::awaitable<PgOutcome<ThreadWrite>> create_thread(std::string user_id, std::optional<std::string> title,
                                                        std::string ticket_id, bool assistant);
  // ticket: nullopt leaves the link as it is; an empty string unlinks; a UUID links.
  asio::awaitable<PgOutcome<ThreadWrite>> update_thread(std::string actor_id, std::string thread_id,
                                                        std::optional<std::string> title, std::optional<bool> assistant,
                                                        std::optional<std::string> ticket);
  asio::awaitable<PgOutcome<ThreadPage>> list_threads(std::string user_id, std::string before, int limit);
  asio::awaitable<PgOutcome<bool>> notify_typing(std::string thread_id, std::string user_id, std::string session_id);
  // True when the database answers and every embedded migration is applied.
  asio::awaitable<PgOutcome<bool>> ready();

 private:
  struct Writer;
  asio::awaitable<void> run_writer(std::shared_ptr<Writer> w);
  asio::awaitable<void> insert_batch(PgConn& conn, std::vector<std::pair<NewMessage, std::function<void(SendOutcome)>>>& batch);

  PgPool pool_;
  WriterOptions wopts_;
  std::vector<std::shared_ptr<Writer>> writers_;
  bool stopped_ = false;
};

}  // namespace techpulse::storage
