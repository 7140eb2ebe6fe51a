#include "protocol/phoenix/rest.hpp"

#include <simdjson.h>

#include "protocol/phoenix/message.hpp"

namespace techpulse::protocol::phoenix {

std::variant<std::vector<RestBroadcast>, RestError> parse_rest_broadcast(std::string_view body, size_t max_payload) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array list;
  if (parser.parse(body.data(), body.size(), true).get(doc)) return RestError{400, "body is not valid JSON"};
  if (doc["messages"].get_array().get(list)) return RestError{400, "body must be {\"messages\":[...]}"};
  if (list.size() == 0) return RestError{400, "messages is empty"};
  if (list.size() > kMaxRestMessages) return RestError{400, "more than 100 messages"};
  std::vector<RestBroadcast> out;
  for (auto el : list) {
    simdjson::dom::object m;
    if (el.get_object().get(m)) return RestError{400, "each message must be a JSON object"};
    RestBroadcast b;
    std::string_view s;
    if (m["topic"].get_string().get(s) || s.empty() || s.size() > kMaxNameBytes) {
      return RestError{400, "topic must be a non-empty string of at most 255 bytes"};
    }
    b.topic.assign(s);
    if (m["event"].get_string().get(s) || s.empty() || s.size() > kMaxNameBytes) {
      return RestError{400, "event must be a non-empty string of at most 255 bytes"};
    }
    b.event.assign(s);
    simdjson::dom::element payload;
    if (!m["payload"].get(payload)) b.payload = simdjson::minify(payload);
    if (b.payload.size() > max_payload) {
      return RestError{413, "payload too large: " + std::to_string(b.payload.size()) + " bytes (limit " +
                                std::to_string(max_payload) + " bytes)"};
    }
    auto priv = m["private"];
    if (priv.error() != simdjson::NO_SUCH_FIELD && !priv.is_null() && priv.get_bool().get(b.is_private)) {
      return RestError{400, "private must be a boolean"};
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace techpulse::protocol::phoenix
