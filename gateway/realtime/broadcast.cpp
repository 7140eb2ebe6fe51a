#include "gateway/realtime/broadcast.hpp"

#include <stdexcept>

namespace techpulse::gateway::realtime {

namespace {
std::atomic<unsigned> next_slot{0};
}

Encoder::Encoder() : slot_(next_slot.fetch_add(1)) {
  if (slot_ >= kMaxEncoders) throw std::logic_error("more dialect encoders than Encoder::kMaxEncoders");
}

const Frame& Broadcast::encode_slow(const Encoder& enc) const {
  const unsigned s = enc.slot();
  std::lock_guard<std::mutex> g(mutex_);
  if (!ready_[s].load(std::memory_order_relaxed)) {
    frames_[s] = enc.encode(event_);
    ready_[s].store(true, std::memory_order_release);
  }
  return frames_[s];
}

const Frame& Broadcast::frame_slow(const Encoder& enc, Framer frame) const {
  const Frame& payload = encoded(enc);  // before the lock: encode_slow takes it too
  const unsigned s = enc.slot();
  std::lock_guard<std::mutex> g(mutex_);
  if (!framed_ready_[s].load(std::memory_order_relaxed)) {
    framed_[s] = payload ? frame(payload) : nullptr;
    framed_ready_[s].store(true, std::memory_order_release);
  }
  return framed_[s];
}

std::vector<SharedEvent> make_events(Event e, size_t loops) {
  std::vector<SharedEvent> out;
  out.reserve(loops);
  for (size_t i = 0; i + 1 < loops; ++i) {
    Event copy = e;
    // The one shared_ptr an event holds that a dialect writes out as it is: each loop gets its own bytes.
    if (auto* a = std::get_if<AssistantEvent>(&copy); a && a->v1_json) {
      a->v1_json = std::make_shared<const std::string>(*a->v1_json);
    }
    out.push_back(make_event(std::move(copy)));
  }
  if (loops > 0) out.push_back(make_event(std::move(e)));
  return out;
}

size_t Broadcast::size_hint() const {
  struct Size {
    size_t operator()(const MessageEvent& e) const { return e.message_json.size() + e.topic.size() + 64; }
    size_t operator()(const ObjectEvent& e) const { return e.object_json.size() + e.topic.size() + 64; }
    size_t operator()(const TypingEvent& e) const { return 128; }
    size_t operator()(const AssistantEvent& e) const { return e.v1_json ? e.v1_json->size() : 0; }
    size_t operator()(const ChangeEvent& e) const { return e.message_json.size() + e.topic.size() + 80; }
    size_t operator()(const ReadEvent& e) const { return 200; }
    size_t operator()(const PresenceEvent& e) const { return e.meta_json.size() + e.topic.size() + 64; }
    size_t operator()(const RowEvent& e) const { return e.record.size() + e.old_record.size() + e.columns.size() + 200; }
    size_t operator()(const ChannelEvent& e) const { return e.payload.size() + e.meta.size() + e.channel.size() + 64; }
  };
  return std::visit(Size{}, event_);
}

}  // namespace techpulse::gateway::realtime
