#include "gateway/dialect/techpulse_v1/encoder.hpp"

#include "protocol/conversation_frames.hpp"
#include "protocol/events.hpp"

namespace techpulse::gateway::dialect::techpulse_v1 {

namespace {
Frame text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }
}  // namespace

Frame Encoder::encode(const realtime::Event& event) const {
  struct Visit {
    Frame operator()(const realtime::MessageEvent& e) const {
      return text(protocol::encode_message(e.topic, e.seq, e.message_json));
    }
    Frame operator()(const realtime::ObjectEvent& e) const {
      return text(protocol::encode_event(e.type, e.topic, e.field, e.object_json));
    }
    Frame operator()(const realtime::TypingEvent& e) const { return text(protocol::encode_typing(e.thread_id, e.user_id)); }
    // Built in this dialect's format by the assistant worker: the same bytes.
    Frame operator()(const realtime::AssistantEvent& e) const { return e.v1_json; }
    Frame operator()(const realtime::ChangeEvent& e) const {
      return text(protocol::encode_message_change(e.deleted, e.topic, e.seq, e.message_json));
    }
    Frame operator()(const realtime::ReadEvent& e) const {
      return text(protocol::encode_read({}, e.topic, e.thread_id, e.user_id, e.cursor));
    }
    Frame operator()(const realtime::PresenceEvent& e) const {
      return text(protocol::encode_presence_change(e.join, e.topic, e.meta_json));
    }
    // Supabase's events have no techpulse.v1 form; the hub hands them to Phoenix channels only.
    Frame operator()(const realtime::RowEvent&) const { return nullptr; }
    Frame operator()(const realtime::ChannelEvent&) const { return nullptr; }
  };
  return std::visit(Visit{}, event);
}

const Encoder& encoder() {
  static const Encoder instance;
  return instance;
}

}  // namespace techpulse::gateway::dialect::techpulse_v1
