// The REST broadcast routes and httpSend's target (gateway/transport/broadcast_routes.hpp), as realtime-js 2.119.1
// builds it: httpEndpointURL(socket URL) + "/" + encodeURIComponent(room) + "/events/" + encodeURIComponent(event),
// the socket's query (apikey, vsn) kept, and private=true for a private channel.
#include <catch2/catch.hpp>

#include "gateway/transport/broadcast_routes.hpp"

using namespace techpulse::gateway;
using boost::beast::http::verb;

TEST_CASE("broadcast routes: the batch form and httpSend's, POST only") {
  CHECK(broadcast_route(verb::post, "/realtime/v1/api/broadcast") == BroadcastRoute::batch);
  CHECK(broadcast_route(verb::post, "/realtime/v1/api/broadcast/room/events/e") == BroadcastRoute::http_send);
  CHECK(broadcast_route(verb::get, "/realtime/v1/api/broadcast") == BroadcastRoute::none);
  CHECK(broadcast_route(verb::post, "/realtime/v1/api/broadcastx") == BroadcastRoute::none);
  CHECK(broadcast_route(verb::post, "/realtime/v1/api/broadcast/") == BroadcastRoute::none);
}

TEST_CASE("httpSend's target: room and event percent-decoded, private and persist from the query") {
  auto t = http_send_target("/realtime/v1/api/broadcast/thread%3Aab%20c/events/cursor%2Fpos?apikey=k&vsn=2.0.0&private=true",
                            "application/json");
  REQUIRE(t);
  CHECK(t->room == "thread:ab c");
  CHECK(t->event == "cursor/pos");
  CHECK(t->is_private);
  CHECK(!t->persist);
  CHECK(!t->binary);
  auto pub = http_send_target("/realtime/v1/api/broadcast/room1/events/e?apikey=k&vsn=2.0.0", "application/octet-stream");
  REQUIRE(pub);
  CHECK(!pub->is_private);
  CHECK(pub->binary);
  CHECK(http_send_target("/realtime/v1/api/broadcast/r/events/e?private=true&persist=true", "")->persist);
  CHECK(http_send_target("/realtime/v1/api/broadcast/r/events/e?private=true&persist%5Bttl%5D=60", "")->persist);
  for (const char* bad : {"/realtime/v1/api/broadcast/room", "/realtime/v1/api/broadcast/room/events/",
                          "/realtime/v1/api/broadcast//events/e", "/realtime/v1/api/broadcast/r/event/e",
                          "/realtime/v1/api/broadcast/r/events/e/f", "/realtime/v1/api/broadcast"}) {
    INFO(bad);
    CHECK(!http_send_target(bad, "application/json"));
  }
}
