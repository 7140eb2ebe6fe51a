#pragma once
// dialect: translates between a wire format and the realtime core, and nothing else: it parses a client's frame
// into a typed core call (gateway/realtime/calls.hpp) and encodes the core's replies and events (the Sink) into
// frames. It decides nothing: every authorization and limit is the core's. A dialect writes to a Wire, which a
// transport implements; it never sees a socket.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/realtime/broadcast.hpp"
#include "gateway/realtime/sink.hpp"
#include "metrics/metrics.hpp"

namespace techpulse::gateway::dialect {

// The connection under a dialect: frames out, close, and the queue's flow (which the core reads directly).
class Wire : public realtime::Flow {
 public:
  // One text frame. Shared bytes: the transport keeps the pointer and copies nothing.
  virtual void send(const Frame& text) = 0;
  // One text frame: a broadcast event in this dialect's encoding. The same as send(event->encoded(enc)), but the
  // transport may keep its own framing of the shared bytes on the event (every recipient's write is then one buffer).
  virtual void send_event(const realtime::Broadcast& event, const realtime::Encoder& enc) { send(event.encoded(enc)); }
  // One text frame per event of a run, in order: the same as send_event for each, but the transport may keep its
  // own joining of the run's frames (one buffer for the whole run, shared by its recipients on the loop).
  virtual void send_run(const realtime::EventRun& run, const realtime::Encoder& enc) {
    for (const auto& e : run.events()) send_event(*e, enc);
  }
  // One binary frame (only on a connection whose dialect has them: Phoenix vsn 2.0.0).
  virtual void send_binary(const Frame& data) = 0;
  // Sends a close frame and ends the connection; `counted_as`: the reason techpulse_connections_closed_total counts.
  virtual void close(uint16_t code, std::string_view reason, metrics::CloseReason counted_as) = 0;
};

// A dialect's side of one connection, as its transport drives it: open after the handshake, each client frame, the
// queue becoming empty, the end. One implementation per dialect (techpulse.v1, Phoenix).
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual void open() = 0;
  virtual boost::asio::awaitable<void> on_text(std::string_view text) = 0;
  virtual boost::asio::awaitable<void> on_binary(std::string_view data) = 0;
  // Every frame of one read has been handed over (on_text/on_binary): what they started may now travel together.
  virtual void on_read_done() {}
  virtual void on_idle() = 0;
  virtual void on_closed() = 0;
  // For log lines: the session id, or "" before there is one.
  virtual std::string label() const = 0;
};

}  // namespace techpulse::gateway::dialect
