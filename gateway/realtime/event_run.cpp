#include "gateway/realtime/event_run.hpp"

#include <variant>

namespace techpulse::gateway::realtime {

EventRun::EventRun(std::vector<SharedEvent> events, std::vector<int64_t> seqs)
    : events_(std::move(events)), seqs_(std::move(seqs)) {
  whole_ = events_.size() >= 2 && events_.size() == seqs_.size();
  for (std::size_t i = 0; whole_ && i < events_.size(); ++i) {
    const Event& e = events_[i]->event();
    whole_ = (std::holds_alternative<MessageEvent>(e) || std::holds_alternative<ChangeEvent>(e)) &&
             (i == 0 || seqs_[i] > seqs_[i - 1]);
  }
}

const Frame& EventRun::joined(const Encoder& enc, Joiner join, std::size_t& payload_bytes) const {
  const unsigned s = enc.slot();
  if (!joined_[s]) joined_[s] = join(events_, enc, payload_bytes_[s]);
  payload_bytes = payload_bytes_[s];
  return joined_[s];
}

}  // namespace techpulse::gateway::realtime
