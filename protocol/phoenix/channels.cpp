#include "protocol/phoenix/channels.hpp"

namespace techpulse::protocol::phoenix {

namespace {

constexpr std::string_view kPrefix = "realtime:";

std::optional<std::string> opt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

std::string_view ChannelSet::channel_name(std::string_view topic) {
  return topic.substr(0, kPrefix.size()) == kPrefix ? topic.substr(kPrefix.size()) : topic;
}

Step ChannelSet::on_text(std::string_view frame) {
  auto p = parse_text(frame, vsn_);
  if (auto* e = std::get_if<ParseError>(&p)) {
    Step s;
    // A push that could be read far enough to be answered gets an error reply; anything else is dropped (Phoenix
    // closes nothing for it either).
    if (e->ref && !e->topic.empty()) {
      s.replies.push_back(encode_reply(vsn_, e->join_ref, e->ref, e->topic, "error", reason_response(e->message)));
    }
    return s;
  }
  return handle(std::move(std::get<Message>(p)));
}

Step ChannelSet::on_binary(std::string_view frame) {
  Step s;
  auto p = parse_binary(frame, vsn_);
  if (auto* e = std::get_if<ParseError>(&p)) {
    if (e->ref && !e->topic.empty()) {
      s.replies.push_back(encode_reply(vsn_, e->join_ref, e->ref, e->topic, "error", reason_response(e->message)));
    }
    return s;
  }
  auto& b = std::get<UserBroadcast>(p);
  if (!joined(b.topic)) {
    if (b.ref) s.replies.push_back(encode_reply(vsn_, b.join_ref, b.ref, b.topic, "error", reason_response("unmatched topic")));
    return s;
  }
  s.intent.kind = Intent::broadcast;
  s.intent.topic = std::move(b.topic);
  s.intent.join_ref = std::move(b.join_ref);
  s.intent.ref = std::move(b.ref);
  s.intent.event = std::move(b.event);
  s.intent.payload = std::move(b.payload);
  s.intent.json = b.json;
  s.intent.meta = std::move(b.meta);
  return s;
}

Step ChannelSet::handle(Message m) {
  Step s;
  auto error = [&](std::string_view reason) {
    s.replies.push_back(encode_reply(vsn_, m.join_ref, m.ref, m.topic, "error", reason_response(reason)));
    return s;
  };
  if (m.topic == "phoenix") {
    if (m.event == "heartbeat") s.replies.push_back(encode_reply(vsn_, std::nullopt, m.ref, m.topic, "ok"));
    return s;
  }
  if (m.topic.substr(0, kPrefix.size()) != kPrefix) return error("unmatched topic");
  s.intent.topic = m.topic;
  s.intent.join_ref = m.join_ref;
  s.intent.ref = m.ref;
  if (m.event == "phx_join") {
    auto c = parse_join(m.payload);
    if (auto* why = std::get_if<std::string>(&c)) return error(*why);
    // A second join of a joined topic first closes the old one (Phoenix: phx_close with the old join_ref).
    if (auto old = channels_.find(m.topic); old != channels_.end()) {
      s.replies.push_back(encode(vsn_, opt(old->second), opt(old->second), m.topic, "phx_close", "{}"));
      channels_.erase(old);
    }
    s.intent.kind = Intent::join;
    s.intent.config = std::move(std::get<JoinConfig>(c));
    return s;
  }
  if (!joined(m.topic)) return error("unmatched topic");
  if (m.event == "phx_leave") {
    auto jr = join_ref(m.topic);
    s.replies.push_back(encode_reply(vsn_, m.join_ref, m.ref, m.topic, "ok"));
    s.replies.push_back(encode(vsn_, jr, jr, m.topic, "phx_close", "{}"));
    channels_.erase(m.topic);
    s.intent.kind = Intent::leave;
    return s;
  }
  if (m.event == "broadcast") {
    auto b = parse_broadcast(m.payload);
    if (auto* why = std::get_if<std::string>(&b)) return error(*why);
    s.intent.kind = Intent::broadcast;
    s.intent.event = std::move(std::get<BroadcastPush>(b).event);
    s.intent.payload = std::move(std::get<BroadcastPush>(b).payload);
    return s;
  }
  if (m.event == "presence") {
    auto p = parse_presence(m.payload);
    if (auto* why = std::get_if<std::string>(&p)) return error(*why);
    s.intent.kind = Intent::presence;
    s.intent.presence_push = std::move(std::get<PresencePush>(p));
    return s;
  }
  if (m.event == "access_token") {
    auto t = parse_access_token(m.payload);
    if (auto* why = std::get_if<std::string>(&t)) return error(*why);
    s.intent.kind = Intent::access_token;
    s.intent.token = std::move(std::get<std::optional<std::string>>(t));
    return s;
  }
  return error("unknown event " + m.event.substr(0, 64));
}

std::string ChannelSet::join_ok(const Intent& join, std::string_view response_json) {
  channels_[join.topic] = join.join_ref.value_or("");
  return encode_reply(vsn_, join.join_ref, join.ref, join.topic, "ok", response_json);
}

std::string ChannelSet::join_error(const Intent& join, std::string_view reason) {
  return encode_reply(vsn_, join.join_ref, join.ref, join.topic, "error", reason_response(reason));
}

std::string ChannelSet::reply(const Intent& push, bool ok, std::string_view response_json) const {
  return encode_reply(vsn_, push.join_ref, push.ref, push.topic, ok ? "ok" : "error", response_json);
}

std::optional<std::string> ChannelSet::join_ref(std::string_view topic) const {
  auto it = channels_.find(std::string(topic));
  if (it == channels_.end()) return std::nullopt;
  return opt(it->second);
}

std::vector<std::string> ChannelSet::topics() const {
  std::vector<std::string> out;
  for (const auto& [t, jr] : channels_) out.push_back(t);
  return out;
}

std::string ChannelSet::push(std::string_view topic, std::string_view event, std::string_view payload) const {
  auto it = channels_.find(std::string(topic));
  if (it == channels_.end()) return {};
  return encode(vsn_, opt(it->second), std::nullopt, topic, event, payload);
}

std::string ChannelSet::fanout(std::string_view topic, std::string_view event, std::string_view payload) const {
  return encode(vsn_, std::nullopt, std::nullopt, topic, event, payload);
}

std::string ChannelSet::close(std::string_view topic) {
  auto it = channels_.find(std::string(topic));
  if (it == channels_.end()) return {};
  auto jr = opt(it->second);
  channels_.erase(it);
  return encode(vsn_, jr, jr, topic, "phx_close", "{}");
}

}  // namespace techpulse::protocol::phoenix
