#include "protocol/phoenix/rest.hpp"

#include <simdjson.h>

#include "protocol/phoenix/message.hpp"

namespace techpulse::protocol::phoenix {

namespace {

bool valid_name(std::string_view s) { return !s.empty() && s.size() <= kMaxNameBytes; }

RestError too_large(size_t size, size_t max_payload) {
  return RestError{413, "payload too large: " + std::to_string(size) + " bytes (limit " + std::to_string(max_payload) +
                            " bytes)"};
}

}  // namespace

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
    if (m["topic"].get_string().get(s) || !valid_name(s)) {
      return RestError{400, "topic must be a non-empty string of at most 255 bytes"};
    }
    b.topic.assign(s);
    if (m["event"].get_string().get(s) || !valid_name(s)) {
      return RestError{400, "event must be a non-empty string of at most 255 bytes"};
    }
    b.event.assign(s);
    simdjson::dom::element payload;
    if (!m["payload"].get(payload)) b.payload = simdjson::minify(payload);
    if (b.payload.size() > max_payload) return too_large(b.payload.size(), max_payload);
    auto priv = m["private"];
    if (priv.error() != simdjson::NO_SUCH_FIELD && !priv.is_null() && priv.get_bool().get(b.is_private)) {
      return RestError{400, "private must be a boolean"};
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::variant<RestBroadcast, RestError> parse_http_send(std::string_view room, std::string_view event, bool is_private,
                                                       bool binary, std::string_view body, size_t max_payload) {
  if (!valid_name(room)) return RestError{400, "the channel name must be non-empty and at most 255 bytes"};
  if (!valid_name(event)) return RestError{400, "the event must be non-empty and at most 255 bytes"};
  RestBroadcast b;
  b.topic.assign(room);
  b.event.assign(event);
  b.is_private = is_private;
  if (binary) {
    b.json = false;
    b.payload.assign(body);
  } else {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size(), true).get(doc)) return RestError{400, "body is not valid JSON"};
    b.payload = simdjson::minify(doc);
  }
  if (b.payload.size() > max_payload) return too_large(b.payload.size(), max_payload);
  return b;
}

}  // namespace techpulse::protocol::phoenix
