// The minimal topic pub/sub server people write with uWebSockets (its README's broadcast example): every client
// subscribes to one topic, and every frame a client sends is published to that topic, the sender included
// (techpulse-load --style ws takes the sender's copy as its ack). Nothing is persisted: this is the ceiling of an
// in-memory fan-out on one event loop, the class issue 18 measures the gateway against.
//
// Built by tests/load/peers/build_uws.sh from fetched uWebSockets and uSockets sources outside the repository.
// Usage: uws_broadcast PORT
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "App.h"

namespace {
struct PerSocket {};
constexpr std::string_view kTopic = "bench";
}  // namespace

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 18353;
  uWS::App* app_ptr = nullptr;
  uWS::App app;
  app_ptr = &app;
  app.ws<PerSocket>("/*", {
                              .compression = uWS::DISABLED,
                              .maxPayloadLength = 64 * 1024,
                              .idleTimeout = 120,
                              .maxBackpressure = 16 * 1024 * 1024,
                              .closeOnBackpressureLimit = false,
                              .resetIdleTimeoutOnSend = true,
                              .sendPingsAutomatically = true,
                              .open = [](auto* ws) { ws->subscribe(kTopic); },
                              .message =
                                  [&app_ptr](auto*, std::string_view message, uWS::OpCode op) {
                                    app_ptr->publish(kTopic, message, op);
                                  },
                          })
      .listen("127.0.0.1", port,
              [port](auto* socket) {
                if (!socket) {
                  std::fprintf(stderr, "uws_broadcast: cannot listen on 127.0.0.1:%d\n", port);
                  std::exit(1);
                }
                std::printf("uws_broadcast listening on 127.0.0.1:%d\n", port);
                std::fflush(stdout);
              })
      .run();
  return 0;
}
