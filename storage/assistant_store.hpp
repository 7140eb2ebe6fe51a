#pragma once
// The assistant's SQL: job claim, lease renewal and completion, the turn's context, knowledge base retrieval,
// the retrieval log, the tp_assistant event channel and the LISTEN connection that wakes workers. Every call
// runs on the caller's connection (a worker owns its connections); nothing here knows about providers.
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/pg_pool.hpp"
#include "storage/xid_snapshot.hpp"

namespace techpulse::storage {

struct ClaimedJob {
  std::string id;  // also the turn_id of the assistant.* events
  std::string thread_id;
  std::string message_id;
  int attempt = 0;  // attempts after this claim; fences every later write of this worker
  double age_s = 0;  // seconds from the job's insert (its user message's transaction) to this claim, by the database's clock
};

struct ChatLine {
  std::string role;  // user | assistant | system | technician
  std::string content;
};

struct TurnInput {
  std::string thread_id;
  std::string ticket_id;  // empty when the thread has no ticket
  std::string question;   // the user message being answered
  std::string thread_title;
  std::string vehicle;         // "2015 Toyota Camry LE", empty when unknown
  std::string ticket_summary;  // the ticket's title/summary, empty when none
  std::vector<ChatLine> recent;  // earlier messages of the thread, oldest first
};

struct Passage {
  std::string id;
  std::string title;
  std::string vehicle_context;
  bool vehicle_match = false;
  double score = 0;
  std::vector<std::string> sentences;  // the sentences that match the query best, in document order
};

struct Retrieval {
  std::string query_text;
  std::vector<Passage> passages;  // best first
};

struct Lease {
  std::string worker;
  Millis duration{30000};
};

class AssistantStore {
 public:
  // Marks jobs that can no longer run: running past their lease with no attempts left (failed), jobs whose cancel
  // was requested while nobody runs them, and queued jobs of threads whose assistant was turned off (cancelled).
  // Each gets an assistant.error on tp_assistant.
  static asio::awaitable<PgOutcome<int>> sweep(PgConn& c, int max_attempts, Millis timeout);
  // Claims the next runnable job (oldest first; only the oldest open job of a thread), or none.
  static asio::awaitable<PgOutcome<std::optional<ClaimedJob>>> claim(PgConn& c, const Lease& lease, int max_attempts,
                                                                     Millis timeout);
  // Renews the lease. value: nullopt when the job is no longer this worker's; otherwise whether a cancel was
  // requested.
  static asio::awaitable<PgOutcome<std::optional<bool>>> heartbeat(PgConn& c, const ClaimedJob& job, const Lease& lease,
                                                                   Millis timeout);
  static asio::awaitable<PgOutcome<TurnInput>> load_turn(PgConn& c, const ClaimedJob& job, int recent_limit,
                                                         Millis timeout);
  // Full-text search over knowledge_base (no log row).
  static asio::awaitable<PgOutcome<Retrieval>> search(PgConn& c, std::string query, std::string vehicle, int limit,
                                                      Millis timeout);
  static asio::awaitable<PgOutcome<bool>> log_retrieval(PgConn& c, const std::string& thread_id,
                                                        const Retrieval& r, Millis timeout);
  // tp_assistant_notify: '<thread>|<ticket>|<xid>|<event json>' on tp_assistant; the payload must stay under 8000
  // bytes.
  static asio::awaitable<PgOutcome<bool>> publish(PgConn& c, const TurnInput& turn, const std::string& event_json,
                                                  Millis timeout);
  // One assistant.delta: its text stored (assistant_deltas, for late joiners' snapshots) and the event published,
  // in one statement (tp_assistant_delta). value false: the job is no longer this claim's; nothing was written.
  static asio::awaitable<PgOutcome<bool>> publish_delta(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                                        int64_t index, const std::string& text,
                                                        const std::string& event_json, Millis timeout);

  struct Reply {
    std::string message_id;
    std::string content;
    std::string metadata_json;
    double confidence = 0;
    std::string provider;
    std::string done_event_json;  // published in the same transaction, after the message row
    // Not empty: hand the thread off to a technician in the same transaction (tp_handoff), with this analysis.
    std::string handoff_reason;
    std::string handoff_analysis_json;
  };
  // In one transaction: the job becomes done (only if it is still this worker's and not cancelled), the
  // role=assistant message is inserted, the thread's ai_response / confidence_score are set, assistant.done is
  // published. value false: the job was no longer ours or was cancelled; nothing was written.
  static asio::awaitable<PgOutcome<bool>> finish(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                                 const Reply& reply, Millis timeout);
  // Ends the job as failed or cancelled with its reason and publishes the error event, in one statement.
  static asio::awaitable<PgOutcome<bool>> end(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                              const std::string& status, const std::string& reason,
                                              const std::string& error_event,
                                              Millis timeout);
};

// Assistant jobs queued and not yet claimed, on every node (techpulse_assistant_queue_depth).
asio::awaitable<PgOutcome<int64_t>> assistant_queue_depth(PgPool& pool, Millis timeout);

struct CancelOutcome {
  bool allowed = false;
  int jobs = 0;  // open turns of the thread that were asked to stop
};
// assistant.cancel: asks every open turn of the thread to stop, if the user may write the thread.
asio::awaitable<PgOutcome<CancelOutcome>> cancel_assistant(PgPool& pool, std::string user_id, std::string thread_id);

// A thread's running assistant turn as one statement saw it, for a subscriber's assistant.snapshot.
struct TurnSnapshot {
  XidSnapshot seen;  // the statement's snapshot: the assistant events it includes are already in `text`
  bool running = false;
  std::string turn_id;
  std::string in_reply_to;
  int64_t index = -1;  // the last delta in `text`; -1: none yet
  std::string text;    // the deltas 0..index of the turn's current attempt, concatenated
};
asio::awaitable<PgOutcome<TurnSnapshot>> running_turn(PgPool& pool, std::string thread_id);

// The LISTEN connection of the worker pool: tp_job (a job was queued) and tp_job_cancel (a cancel was requested).
// It reconnects on its own; after every (re)connect it calls on_job("") so workers look for work they missed.
class JobListener {
 public:
  JobListener(asio::any_io_executor ex, std::string conninfo, std::function<void(const std::string& job)> on_job,
              std::function<void(const std::string& job)> on_cancel);
  void start();
  void stop();

 private:
  asio::awaitable<void> run();
  PgConn conn_;
  asio::steady_timer backoff_;  // between reconnect attempts; stop() cancels it
  std::function<void(const std::string&)> on_job_;
  std::function<void(const std::string&)> on_cancel_;
  bool stopped_ = false;
};

}  // namespace techpulse::storage
