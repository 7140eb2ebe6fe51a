#pragma once
// The HTTP API for chat (docs/http-api.md): a dialect on the realtime core, like techpulse.v1. Each request is a
// core call (routes.hpp) made on a realtime::Session of the token's user, which decides everything (authorization,
// limits, storage) exactly as it does for a WebSocket frame; this class is the Sink that turns the one reply into
// an HTTP status and a JSON body. One Endpoint per HTTP connection, on the connection's loop: its sessions share
// the connection's rate-limit bucket, so the limit is per connection as on the WebSocket. A session lives for one
// request (it counts as live while the request runs, so a SIGTERM drain waits for it).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "gateway/dialect/http_v1/request.hpp"
#include "gateway/dialect/http_v1/routes.hpp"
#include "gateway/realtime/session.hpp"

namespace techpulse::gateway::dialect::http_v1 {

class Endpoint final : public realtime::Sink, public realtime::Flow {
 public:
  Endpoint(realtime::Services& svc, realtime::Loop& loop);
  ~Endpoint() override;

  // One request of the API (is_api_path); the caller has checked the Origin.
  boost::asio::awaitable<Reply> serve(Request req);

  // realtime::Sink: each records the reply of the call in flight.
  void welcome(const realtime::Welcome&) override {}
  void pong(std::string_view) override {}
  void error(std::string_view ref, realtime::ErrorCode code, std::string_view message) override;
  void subscribed(std::string_view, std::string_view, std::optional<int64_t>) override {}
  void unsubscribed(std::string_view, std::string_view, std::string_view) override {}
  void replayed(std::string_view, int64_t, std::string_view) override {}
  void ack(std::string_view ref, std::string_view thread_id, std::string_view message_id, int64_t cursor,
           std::string_view created_at, bool duplicate) override;
  void history(std::string_view ref, std::string_view thread_id, const std::vector<std::string>& messages_json,
               bool has_more, int64_t next_before) override;
  void thread(std::string_view ref, std::string_view thread_json) override;
  void message(std::string_view ref, std::string_view message_json) override;
  // The desk's replies. Only analytics has a route (GET /v1/analytics/summary, answered with the summary object);
  // handoff and ticket answer a JSON body should a route for them be added.
  void handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
               bool duplicate, std::string_view ticket_json) override;
  void ticket(std::string_view ref, std::string_view ticket_json, bool duplicate) override;
  void analytics(std::string_view ref, std::string_view summary_json) override;
  void queue_subscribed(std::string_view, std::string_view, std::string_view) override {}
  void threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
               std::string_view next_before) override;
  void authenticated(std::string_view, int64_t) override {}
  void ticket_subscribed(std::string_view, std::string_view, const std::vector<realtime::TicketThread>&) override {}
  void replayed_change(std::string_view, int64_t, bool, std::string_view) override {}
  void change_ack(std::string_view, bool, std::string_view, std::string_view, int64_t, std::string_view,
                  bool) override {}
  void read(std::string_view, std::string_view, std::string_view, int64_t) override {}
  void presence_state(std::string_view, const std::vector<std::vector<std::string>>&) override {}
  void assistant_snapshot(std::string_view, std::string_view, std::string_view, int64_t, std::string_view) override {}
  void search_results(std::string_view, std::string_view, const std::vector<realtime::SearchHit>&, bool,
                      std::string_view) override {}
  void deliver(const realtime::SharedEvent&) override {}
  void close(realtime::CloseReason, std::string_view) override {}

  // realtime::Flow: a request's session never queues events.
  bool has_room() const override { return true; }
  bool idle() const override { return true; }
  void notify_when_idle() override {}

 private:
  // Runs one call on the session and waits (bounded) for its reply; the reply is in reply_ after.
  boost::asio::awaitable<void> call(realtime::Session& s, realtime::calls::Call c);
  void answer(Reply r);

  realtime::Services& svc_;
  realtime::Loop& loop_;
  protocol::Limits limits_;
  std::shared_ptr<realtime::RateBucket> bucket_;
  boost::asio::steady_timer wake_;
  Answer expect_ = Answer::thread;
  bool waiting_ = false;
  std::optional<Reply> reply_;
  // A send's ack, before the message is read back.
  struct Acked {
    std::string message_id;
    int64_t cursor = 0;
    bool duplicate = false;
  };
  std::optional<Acked> acked_;
};

}  // namespace techpulse::gateway::dialect::http_v1
