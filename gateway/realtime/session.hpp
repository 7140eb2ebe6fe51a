#pragma once
// realtime: the core of the gateway, which knows no wire format. A Session is one client's realtime state, on one
// loop: its identity and the live re-checks that revoke what it may no longer use; its subscriptions (thread:,
// ticket:, user:) with the snapshot/replay/epoch set-up that makes `subscribed` mean live; the send pipeline (rate
// limit, in-flight bound, ack after commit); history, thread operations, typing, assistant cancel, token renewal
// and expiry; the drain at shutdown. Every authorization and every limit of a client operation is decided here.
// Typed calls in (calls.hpp), typed replies and events out to the Sink the caller provides (sink.hpp). No socket,
// no Beast, no JSON text.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "gateway/realtime/calls.hpp"
#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/realtime/sink.hpp"

namespace techpulse::gateway::realtime {

struct Identity {
  std::string user_id;
  std::string role;  // from profiles
  int64_t exp = 0;   // the token's expiry
};

// The result of admitting a connection's verified token: its identity, or why not.
struct Admission {
  enum Status { ok, unauthorized, unavailable } status = unavailable;
  Identity identity;
  std::string message;
  bool queue_full = false;  // unavailable because --admission-queue connections were waiting (retry after a moment)
};
// Looks up the token's profile (on the storage loop) and resumes on the caller's executor.
asio::awaitable<Admission> admit(Services& svc, std::string user_id, int64_t exp);
// The same admission for a caller that waits without a coroutine (a WebSocket upgrade: a storm has thousands
// waiting at once, and every frame they held was left behind as fragmented heap): `waiter->admitted` is called on
// `home` with the outcome. Until then only the waiter and a callback exist, nothing on the caller's stack.
struct AdmissionWaiter {
  virtual ~AdmissionWaiter() = default;
  virtual void admitted(Admission a) = 0;
};
void admit_then(Services& svc, asio::io_context& home, std::string user_id, int64_t exp,
                std::shared_ptr<AdmissionWaiter> waiter);

// The token bucket of the rate limit (Session::admit_frame). A session owns its own, unless its dialect gives it one
// to share: the HTTP API makes a session per request and gives each the connection's bucket, so the limit is per
// connection as on the WebSocket.
struct RateBucket {
  double tokens = -1;  // < 0: full (filled with the burst on first use)
  std::chrono::steady_clock::time_point refilled_at{};
};
// The rate limit itself (--rate-limit per second, --rate-burst): takes one token from the bucket, false when it is
// empty. Session::admit_frame's rule; a dialect applies it to the frames of a connection that has no session yet
// (the Phoenix dialect's anonymous sockets) with the bucket it later gives its session.
bool take_rate_token(const Config& config, RateBucket& bucket);

class Session : public std::enable_shared_from_this<Session>, public Subscriber {
 public:
  // The sink and the flow must outlive the session's use of them: the owner calls close() before they go away.
  Session(Services& svc, Loop& loop, Identity who, Sink& sink, Flow& flow,
          std::shared_ptr<RateBucket> bucket = nullptr);
  ~Session() override;

  // Joins the loop's hub, says welcome and arms the token's expiry.
  void open();
  // The token has expired (the loop's ExpiryQueue calls this): an unauthorized error, then close 4401.
  void on_token_expired();
  // The connection is over: leaves the hub, stops the timers, and calls the sink no more. Idempotent.
  void close();
  bool closed() const { return closing_; }

  // Every client frame passes here first, parsed or not: false (and a rate_limited error to ref) when it is over
  // the rate limit, and then nothing of it may be acted on. is_send: the frame is a send (a refusal is counted as
  // one, techpulse_sends_total{outcome="rate_limited"}).
  bool admit_frame(std::string_view ref, bool is_send = false);
  // One operation. During the drain everything but ping gets `unavailable`.
  asio::awaitable<void> handle(calls::Call call);

  asio::awaitable<void> subscribe(const calls::Subscribe& c);
  void unsubscribe(const calls::Unsubscribe& c);
  void send(const calls::Send& c);
  // The transport has handed over the frames of one read: their sends go to the storage loop together (SendHandoff).
  void read_done();
  asio::awaitable<void> history(const calls::History& c);
  asio::awaitable<void> typing(const calls::Typing& c);
  asio::awaitable<void> thread_create(const calls::ThreadCreate& c);
  asio::awaitable<void> thread_update(const calls::ThreadUpdate& c);
  void thread_written(const std::string& ref, const std::string& thread_id, const std::string& ticket_id,
                      const storage::ThreadWrite& w);
  asio::awaitable<void> threads_list(const calls::ThreadsList& c);
  asio::awaitable<void> thread_get(const calls::ThreadGet& c);
  asio::awaitable<void> message_get(const calls::MessageGet& c);
  asio::awaitable<void> assistant_cancel(const calls::AssistantCancel& c);
  void renew_auth(const calls::RenewAuth& c);
  // Conversation operations (conversation.cpp).
  asio::awaitable<void> message_edit(const calls::MessageEdit& c);
  asio::awaitable<void> message_delete(const calls::MessageDelete& c);
  asio::awaitable<void> read(const calls::Read& c);
  asio::awaitable<void> search(const calls::Search& c);
  void ping(const calls::Ping& c);
  // The support desk (desk.cpp).
  asio::awaitable<void> handoff(const calls::Handoff& c);
  asio::awaitable<void> ticket_claim(const calls::TicketClaim& c);
  asio::awaitable<void> ticket_assign(const calls::TicketAssign& c);
  asio::awaitable<void> analytics_summary(const calls::AnalyticsSummary& c);
  // Supabase postgres_changes (channels.hpp): from now on the session is offered every row change of its node and
  // passes on those its user may see (decided per change by the native rules). Counted: unwatch_rows() as often.
  // Resolves once the database notifies row changes (the feed, channels.hpp): every change committed after it is
  // offered. false: the database failed (the watch stays; changes come once the feed is renewed).
  asio::awaitable<bool> watch_rows();
  void unwatch_rows();

  // The transport's outbound queue became empty (the drain may be able to finish).
  void output_idle();

  // Subscriber (the hub).
  void push(const SharedEvent& event) override;
  void push_run(const EventRun& run) override;
  const std::string& session_id() const override { return session_id_; }
  const std::string& user_id() const override { return who_.user_id; }
  void drain() override;
  void recheck_access() override;

  const Identity& identity() const { return who_; }
  size_t sends_in_flight() const { return sends_in_flight_; }
  size_t subscription_count() const { return subs_.size(); }

  static constexpr const char* kQueueTopic = "queue:support";
  // The most sends a session may have waiting for their ack.
  static constexpr size_t kMaxSendsInFlight = 1000;

 private:
  struct SetUp;
  enum class Step { ok, failed, closed };
  std::shared_ptr<Subscription> register_subscription(const std::string& name, const protocol::Topic& topic);
  void abandon(const SetUp& s);
  asio::awaitable<Step> snapshot(SetUp& s);
  asio::awaitable<Step> read_from_cursor(SetUp& s);
  asio::awaitable<Step> read_turn(SetUp& s);
  // A live ticket: subscription of this session carries the thread's events.
  bool ticket_covers(const std::string& thread_id) const;
  // Whether an assistant event goes out: not when the thread subscription's turn read already holds it
  // (Subscription::assistant_seen).
  bool assistant_event_wanted(const AssistantEvent& a);
  // queue:support (desk.cpp): staff only; the queued tickets in `subscribed`, then live events.
  asio::awaitable<void> subscribe_queue(const calls::Subscribe& c, const std::string& name, const protocol::Topic& t);
  asio::awaitable<void> pause(std::chrono::milliseconds d);
  asio::awaitable<void> wait_for_room();
  // Checks that the thread exists and this user may use it; emits the error and returns false otherwise.
  asio::awaitable<bool> authorize_thread(const std::string& ref, const std::string& thread_id);
  // Edit (content) or delete (nullopt).
  asio::awaitable<void> message_change(const std::string& ref, const std::string& message_id,
                                       std::optional<std::string> content);
  // Presence of this session on a thread: or ticket: topic (tracked once it is live).
  void untrack(const std::string& topic);
  void on_send_outcome(const std::string& ref, const std::string& thread, const storage::SendOutcome& o,
                       std::chrono::steady_clock::time_point started);
  asio::awaitable<void> run_recheck(std::shared_ptr<Session> self);
  void revoke(const std::string& topic);
  void arm_expiry();
  bool take_token();
  void finish_drain_if_done();
  void error(std::string_view ref, ErrorCode code, std::string_view message);
  void db_error(std::string_view ref, const storage::PgError& e);
  Sink* sink() const { return closing_ ? nullptr : sink_; }

  Services& svc_;
  Loop& loop_;
  Identity who_;
  std::string session_id_;
  Sink* sink_;
  Flow& flow_;
  bool opened_ = false;
  bool closing_ = false;
  bool draining_ = false;
  bool rechecking_ = false;
  bool recheck_again_ = false;
  uint64_t access_notices_ = 0;  // recheck_access calls so far (a subscription set-up compares them)
  size_t sends_in_flight_ = 0;
  std::map<std::string, std::shared_ptr<Subscription>> subs_;  // by topic
  std::set<std::string> tracked_;  // topics this session is present on (but `online`)
  bool online_tracked_ = false;    // on the `online` pseudo-topic (from open to close)
  int row_watches_ = 0;
  std::optional<ExpiryQueue::Handle> expiry_;  // this session's entry in its loop's expiry queue
  std::shared_ptr<RateBucket> bucket_;
};

}  // namespace techpulse::gateway::realtime
