#include "gateway/transport/broadcast_routes.hpp"

#include "gateway/transport/upgrade.hpp"

namespace techpulse::gateway {

namespace {
constexpr std::string_view kBatch = "/realtime/v1/api/broadcast";
}

BroadcastRoute broadcast_route(boost::beast::http::verb method, std::string_view path) {
  if (method != boost::beast::http::verb::post) return BroadcastRoute::none;
  if (path == kBatch) return BroadcastRoute::batch;
  if (path.size() > kBatch.size() + 1 && path.substr(0, kBatch.size()) == kBatch && path[kBatch.size()] == '/') {
    return BroadcastRoute::http_send;
  }
  return BroadcastRoute::none;
}

std::optional<protocol::phoenix::HttpSendTarget> http_send_target(std::string_view target, std::string_view content_type) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.size() <= kBatch.size() + 1 || path.substr(0, kBatch.size() + 1) != std::string(kBatch) + "/") {
    return std::nullopt;
  }
  std::string_view rest = path.substr(kBatch.size() + 1);  // <room>/events/<event>
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view room = rest.substr(0, slash);
  rest.remove_prefix(slash);
  constexpr std::string_view kEvents = "/events/";
  if (rest.substr(0, kEvents.size()) != kEvents) return std::nullopt;
  std::string_view event = rest.substr(kEvents.size());
  if (event.empty() || event.find('/') != std::string_view::npos) return std::nullopt;
  protocol::phoenix::HttpSendTarget out;
  out.room = percent_decode(room);
  out.event = percent_decode(event);
  out.is_private = query_param(target, "private") == "true";
  out.persist = query_param(target, "persist") == "true" || target.find("persist%5Bttl%5D=") != std::string_view::npos ||
                target.find("persist[ttl]=") != std::string_view::npos;
  constexpr std::string_view kOctets = "application/octet-stream";
  out.binary = content_type.substr(0, kOctets.size()) == kOctets;
  return out;
}

}  // namespace techpulse::gateway
