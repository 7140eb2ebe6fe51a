#pragma once
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <map>

#include "gateway/transport/conn_limits.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "gateway/transport/server.hpp"
#include "protocol/events.hpp"

namespace techpulse::gateway {

namespace beast = boost::beast;

struct Identity {
  std::string user_id;
  std::string role;  // from profiles
  int64_t exp = 0;   // the token's expiry
};

// One WebSocket client. Lives on one loop; every member is used only on that loop's thread. Owns itself through
// shared_from_this while its read loop runs. Outbound frames wait in the CorkedStream under the websocket stream
// (one gather write per loop turn), bounded in frames and bytes: a client that does not read is closed ("slow
// consumer") instead of growing memory.
class WsSession : public std::enable_shared_from_this<WsSession>, public Subscriber {
 public:
  WsSession(Services& svc, Loop& loop, beast::tcp_stream stream, Identity who, ConnectionSlot slot);
  ~WsSession() override;

  void start(beast::http::request<beast::http::string_body> req, bool echo_subprotocol);

  void push(const Frame& frame) override;
  const std::string& session_id() const override { return session_id_; }
  const std::string& user_id() const override { return who_.user_id; }
  void drain() override;
  void recheck_access() override;
  // Sends a close frame (best effort) and drops the connection within a short grace period.
  void close_with(beast::websocket::close_code code, std::string_view reason) {
    close_with(static_cast<uint16_t>(code), reason);
  }
  void close_with(uint16_t code, std::string_view reason);

  // Close code for a token that expired without renewal.
  static constexpr uint16_t kCloseTokenExpired = 4401;

 private:
  asio::awaitable<void> run(beast::http::request<beast::http::string_body> req, bool echo_subprotocol);
  asio::awaitable<void> handle(std::string_view text);
  asio::awaitable<void> on_subscribe(const protocol::ClientFrame& f);
  asio::awaitable<void> on_unsubscribe(const protocol::ClientFrame& f);
  void on_send(const protocol::ClientFrame& f);
  asio::awaitable<void> on_history(const protocol::ClientFrame& f);
  asio::awaitable<void> on_typing(const protocol::ClientFrame& f);
  asio::awaitable<void> on_thread_create(const protocol::ClientFrame& f);
  asio::awaitable<void> on_thread_update(const protocol::ClientFrame& f);
  asio::awaitable<void> on_threads_list(const protocol::ClientFrame& f);
  asio::awaitable<void> on_assistant_cancel(const protocol::ClientFrame& f);
  void on_auth(const protocol::ClientFrame& f);
  std::shared_ptr<Subscription> register_subscription(const std::string& name, const protocol::Topic& topic);
  asio::awaitable<void> subscribe_ticket(const protocol::ClientFrame& f, const protocol::Topic& topic);
  asio::awaitable<void> run_recheck();
  void arm_expiry();
  void revoke(const std::string& topic);
  // Checks that the thread exists and this user may use it; sends the error and returns false otherwise.
  asio::awaitable<bool> authorize_thread(const std::string& ref, const std::string& thread_id);

  // The token bucket of the rate limit: false when this frame is over the limit.
  bool take_token();
  // Waits until the outbound queue is at most half full (replay pages go out at the pace the client reads).
  asio::awaitable<void> wait_for_room();
  bool has_room() const;
  void finish_drain_if_done();

  void reply(std::string text);
  void error(std::string_view ref, protocol::ErrorCode code, std::string_view message);
  void db_error(std::string_view ref, const storage::PgError& e);
  void cleanup();

  Services& svc_;
  Loop& loop_;
  beast::websocket::stream<CorkedStream> ws_;
  beast::flat_buffer buffer_;
  Identity who_;
  std::string session_id_;
  bool closing_ = false;
  bool cleaned_ = false;
  size_t sends_in_flight_ = 0;
  std::map<std::string, std::shared_ptr<Subscription>> subs_;  // by topic
  std::unique_ptr<asio::steady_timer> close_timer_;
  std::unique_ptr<asio::steady_timer> expiry_timer_;
  bool rechecking_ = false;
  bool recheck_again_ = false;
  bool draining_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_at_{};
  protocol::Limits limits_;
  ConnectionSlot slot_;
};

}  // namespace techpulse::gateway
