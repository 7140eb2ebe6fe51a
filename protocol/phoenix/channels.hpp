#pragma once
// The Phoenix channel rules of one socket (see message.hpp for the module): which topics are joined under which
// join_ref, and what every inbound frame means. It answers what Phoenix itself answers (heartbeats, unmatched
// topics, leaves, a second join of a joined topic closing the first, malformed pushes) and hands everything that
// needs a decision (join, broadcast, presence, access_token) to its caller as one Intent. It also encodes the
// server's pushes with the right refs (a channel's join_ref; null for fan-out). Pure: no I/O, no authorization.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/phoenix/message.hpp"
#include "protocol/phoenix/payloads.hpp"

namespace techpulse::protocol::phoenix {

struct Intent {
  enum Kind { none, join, broadcast, presence, access_token, leave } kind = none;
  std::string topic;                    // "realtime:<name>"
  std::optional<std::string> join_ref;  // the push's
  std::optional<std::string> ref;
  JoinConfig config;                    // join
  std::string event;                    // broadcast: the user event
  std::string payload = "{}";           // broadcast: JSON text or raw bytes
  bool json = true;                     // broadcast: false for a raw-bytes kind-3 frame
  std::string meta;                     // broadcast: kind-3 metadata ("" or an object)
  PresencePush presence_push;           // presence
  std::optional<std::string> token;     // access_token (nullopt: keep using the current one)
};

struct Step {
  std::vector<std::string> replies;  // text frames to send now, in order (before acting on the intent)
  Intent intent;
};

class ChannelSet {
 public:
  explicit ChannelSet(Vsn vsn) : vsn_(vsn) {}
  Vsn vsn() const { return vsn_; }

  Step on_text(std::string_view frame);
  Step on_binary(std::string_view frame);

  // The caller's verdict on a join intent. ok: the channel is joined under the push's join_ref.
  std::string join_ok(const Intent& join, std::string_view response_json);
  std::string join_error(const Intent& join, std::string_view reason);
  // A reply to a push (broadcast ack, presence, ...).
  std::string reply(const Intent& push, bool ok, std::string_view response_json = "{}") const;

  bool joined(std::string_view topic) const { return channels_.count(std::string(topic)) != 0; }
  std::optional<std::string> join_ref(std::string_view topic) const;
  std::vector<std::string> topics() const;

  // A push to a joined channel with its join_ref (system, presence_state); "" when the topic is not joined.
  std::string push(std::string_view topic, std::string_view event, std::string_view payload) const;
  // A fan-out push (join_ref and ref null): broadcast, presence_diff, postgres_changes.
  std::string fanout(std::string_view topic, std::string_view event, std::string_view payload) const;
  // The server closes a channel (token expiry, revocation): phx_close with its join_ref; the topic is left.
  std::string close(std::string_view topic);

  // The channel name of a topic ("realtime:room1" -> "room1").
  static std::string_view channel_name(std::string_view topic);

 private:
  Step handle(Message m);
  Vsn vsn_;
  std::map<std::string, std::string> channels_;  // topic -> join_ref ("" when the join had none)
};

}  // namespace techpulse::protocol::phoenix
