#pragma once
// The body of `POST /realtime/v1/api/broadcast` (see message.hpp for the module), as realtime-js's REST fallback
// sends it: {"messages":[{"topic":"room1","event":"cursor","payload":{...},"private":false}, ...]}. Pure code.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace techpulse::protocol::phoenix {

struct RestBroadcast {
  std::string topic;  // the channel name, without "realtime:"
  std::string event;
  std::string payload = "{}";  // JSON text
  bool is_private = false;
};

struct RestError {
  int status = 400;     // 400 malformed, 413 a payload over the limit
  std::string message;  // for {"error": message}
};

inline constexpr size_t kMaxRestMessages = 100;

// max_payload: the largest payload (its JSON text) accepted, the same limit as over the WebSocket.
std::variant<std::vector<RestBroadcast>, RestError> parse_rest_broadcast(std::string_view body, size_t max_payload);

}  // namespace techpulse::protocol::phoenix
