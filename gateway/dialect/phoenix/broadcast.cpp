// Broadcast of the Phoenix dialect: a push (JSON `broadcast`, or a vsn-2 kind-3 binary frame) is published through
// the core (realtime::publish_broadcast: the one payload limit, every node over tp_broadcast); every member of the
// channel on every node gets it back from the hub (on_channel_event): vsn-2 sockets as kind 4 (raw bytes too),
// vsn-1 sockets as a JSON `broadcast` (raw bytes have no JSON form and are not sent to them). The sender is
// skipped unless its join asked for `self`; `ack` is a reply once published.
#include "gateway/dialect/phoenix/connection.hpp"

#include "protocol/phoenix/message.hpp"

namespace techpulse::gateway::dialect::phoenix {

boost::asio::awaitable<void> Connection::broadcast(const px::Intent& in) {
  auto it = joined_.find(in.topic);
  if (it == joined_.end()) {
    send(channels_.reply(in, false, px::reason_response("the channel is not joined")));
    co_return;
  }
  storage::BroadcastMessage m;
  m.topic = it->second.name;
  m.event = in.event;
  m.is_private = it->second.is_private;
  m.json = in.json;
  m.payload = in.payload;
  m.meta = in.meta;
  m.session = tag_;
  const bool ack = it->second.ack;
  auto out = co_await realtime::publish_broadcast(svc_, m);
  if (out.status == realtime::PublishOutcome::ok) {
    if (ack) send(channels_.reply(in, true));
    co_return;
  }
  // Refused (too large) or not published: a reply the client's ack reports, and a system message for the
  // fire-and-forget sender, who reads no reply.
  send(channels_.reply(in, false, px::reason_response(out.message)));
  if (!ack && channels_.joined(in.topic)) {
    send(channels_.push(in.topic, "system",
                        px::system_payload("system", false, out.message, px::ChannelSet::channel_name(in.topic))));
  }
}

void Connection::on_channel_event(const realtime::SharedEvent& event) {
  if (const auto* p = std::get_if<realtime::PresenceEvent>(&event->event())) {
    on_presence(*p);  // presence.cpp
    return;
  }
  const auto* e = std::get_if<realtime::ChannelEvent>(&event->event());
  if (!e) return;
  const std::string topic = "realtime:" + e->channel;
  auto it = joined_.find(topic);
  if (it == joined_.end() || it->second.is_private != e->is_private) return;
  if (!it->second.self && e->session == tag_ && e->node == realtime::node_id()) return;
  if (channels_.vsn() == px::Vsn::v2) {
    auto frame = px::encode_user_broadcast(topic, e->event, e->meta, e->json, e->payload);
    if (!frame.empty()) {
      wire_.send_binary(std::make_shared<const std::string>(std::move(frame)));
      return;
    }
    // A name over 255 bytes has no binary form: the JSON one (below) when the payload is JSON.
  }
  if (!e->json) return;
  send(channels_.fanout(topic, "broadcast", px::broadcast_payload(e->event, e->payload, e->meta)));
}

}  // namespace techpulse::gateway::dialect::phoenix
