#pragma once
// The HTTP API's dialect (docs/http-api.md) sees a request and answers a reply as plain values: the transport
// (gateway/transport/http_session.cpp) turns Beast's request into a Request and the Reply into Beast's response, so
// no Beast type crosses into the dialect.
#include <string>
#include <utility>
#include <vector>

namespace techpulse::gateway::dialect::http_v1 {

struct Request {
  std::string method;  // "GET", "POST", "PATCH", ...
  std::string target;  // path and query, as received
  std::string authorization;
  std::string idempotency_key;
  std::string body;
};

struct Reply {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type and Content-Length
};

}  // namespace techpulse::gateway::dialect::http_v1
