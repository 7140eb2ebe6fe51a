#pragma once
// The REST broadcasts of realtime-js (see message.hpp for the module), pure code:
// - `POST /realtime/v1/api/broadcast`, send()'s fallback for a channel it has not joined: the body
//   {"messages":[{"topic":"room1","event":"cursor","payload":{...},"private":false}, ...]};
// - `POST /realtime/v1/api/broadcast/<room>/events/<event>[?private=true]`, httpSend(): the body is the payload
//   itself, JSON, or raw bytes with Content-Type application/octet-stream (the target is the transport's to split).
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace techpulse::protocol::phoenix {

struct RestBroadcast {
  std::string topic;  // the channel name, without "realtime:"
  std::string event;
  std::string payload = "{}";  // JSON text, or raw bytes when !json
  bool is_private = false;
  bool json = true;
};

struct RestError {
  int status = 400;     // 400 malformed, 413 a payload over the limit
  std::string message;  // for {"error": message}
};

inline constexpr size_t kMaxRestMessages = 100;

// httpSend's request as the transport splits its target (gateway/transport/broadcast_routes.hpp), percent-decoded.
struct HttpSendTarget {
  std::string room;
  std::string event;
  bool is_private = false;  // ?private=true
  bool binary = false;      // Content-Type: application/octet-stream
  bool persist = false;     // ?persist=true or persist[ttl]=…: refused (broadcasts are not stored)
};

// max_payload: the largest payload (its JSON text) accepted, the same limit as over the WebSocket.
std::variant<std::vector<RestBroadcast>, RestError> parse_rest_broadcast(std::string_view body, size_t max_payload);

// httpSend's one message: room and event already percent-decoded from the target; binary: the body is raw bytes
// (application/octet-stream), else it must be JSON. The same name and payload limits as the batch form.
std::variant<RestBroadcast, RestError> parse_http_send(std::string_view room, std::string_view event, bool is_private,
                                                       bool binary, std::string_view body, size_t max_payload);

}  // namespace techpulse::protocol::phoenix
