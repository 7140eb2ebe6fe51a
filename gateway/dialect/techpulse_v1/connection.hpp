#pragma once
// The techpulse.v1 dialect (docs/protocol.md) of one connection: parses each client frame (protocol/frames.hpp)
// into a call of its realtime Session, and encodes what the session emits (protocol/events.hpp) onto its Wire.
// Owns the session; lives on the session's loop.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string_view>

#include "gateway/dialect/techpulse_v1/encoder.hpp"
#include "gateway/dialect/wire.hpp"
#include "gateway/realtime/session.hpp"
#include "protocol/frames.hpp"

namespace techpulse::gateway::dialect::techpulse_v1 {

// The subprotocol name a client may offer in Sec-WebSocket-Protocol.
inline constexpr std::string_view kSubprotocol = "techpulse.v1";
// Close codes of techpulse.v1.
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseTokenExpired = 4401;

class Connection final : public realtime::Sink, public Endpoint {
 public:
  Connection(Wire& wire, realtime::Services& svc, realtime::Loop& loop, realtime::Identity who);
  ~Connection() override;

  // welcome, then frames.
  void open() override { core_->open(); }
  // One text frame from the client.
  boost::asio::awaitable<void> on_text(std::string_view text) override;
  // techpulse.v1 has no binary frames: 1003.
  boost::asio::awaitable<void> on_binary(std::string_view data) override;
  // The sends of the read go to the storage loop in one hand-off.
  void on_read_done() override { core_->read_done(); }
  // The transport's queue became empty (after Flow::notify_when_idle).
  void on_idle() override { core_->output_idle(); }
  // The connection is over: the session stops.
  void on_closed() override { core_->close(); }
  std::string label() const override { return core_->session_id(); }
  realtime::Session& session() { return *core_; }

  // realtime::Sink
  void welcome(const realtime::Welcome& w) override;
  void pong(std::string_view ref) override;
  void error(std::string_view ref, realtime::ErrorCode code, std::string_view message) override;
  void subscribed(std::string_view ref, std::string_view topic, std::optional<int64_t> cursor) override;
  void unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) override;
  void replayed(std::string_view topic, int64_t seq, std::string_view message_json) override;
  void ack(std::string_view ref, std::string_view thread_id, std::string_view message_id, int64_t cursor,
           std::string_view created_at, bool duplicate) override;
  void history(std::string_view ref, std::string_view thread_id, const std::vector<std::string>& messages_json,
               bool has_more, int64_t next_before) override;
  void thread(std::string_view ref, std::string_view thread_json) override;
  // techpulse.v1 has no frame that asks for one message (MessageGet is the HTTP API's).
  void message(std::string_view, std::string_view) override {}
  void threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
               std::string_view next_before) override;
  void authenticated(std::string_view ref, int64_t exp) override;
  void ticket_subscribed(std::string_view ref, std::string_view topic,
                         const std::vector<realtime::TicketThread>& threads) override;
  void replayed_change(std::string_view topic, int64_t seq, bool deleted, std::string_view message_json) override;
  void change_ack(std::string_view ref, bool deleted, std::string_view message_id, std::string_view thread_id,
                  int64_t cursor, std::string_view at, bool duplicate) override;
  void read(std::string_view ref, std::string_view thread_id, std::string_view user_id, int64_t cursor) override;
  void presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& metas_per_user) override;
  void assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to,
                          int64_t index, std::string_view text) override;
  void search_results(std::string_view ref, std::string_view query, const std::vector<realtime::SearchHit>& hits,
                      bool has_more, std::string_view next_before) override;
  void handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
               bool duplicate, std::string_view ticket_json) override;
  void ticket(std::string_view ref, std::string_view ticket_json, bool duplicate) override;
  void queue_subscribed(std::string_view ref, std::string_view topic, std::string_view tickets_json) override;
  void analytics(std::string_view ref, std::string_view summary_json) override;
  void deliver(const realtime::SharedEvent& event) override { wire_.send_event(*event, encoder_); }
  void deliver_run(const realtime::EventRun& run) override { wire_.send_run(run, encoder_); }
  void close(realtime::CloseReason reason, std::string_view why) override;

 private:
  void reply(std::string text);

  Wire& wire_;
  const Encoder& encoder_;
  protocol::Limits limits_;
  std::shared_ptr<realtime::Session> core_;
};

// The core call of a parsed client frame.
realtime::calls::Call to_call(protocol::ClientFrame f);

}  // namespace techpulse::gateway::dialect::techpulse_v1
