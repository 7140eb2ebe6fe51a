#pragma once
// A run of fan-out events of one topic, in cursor order, handed to each subscriber at once (Hub::deliver_messages):
// a subscriber that takes the whole run is given it in one call, and its transport queues the run's frames as one
// buffer, joined once per run and shared by every subscriber on the loop. Lives for one drain on one loop (the
// joined frames outlive it in the queues that hold them); not thread-safe.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "gateway/realtime/broadcast.hpp"

namespace techpulse::gateway::realtime {

class EventRun {
 public:
  // `events[i]` at cursor `seqs[i]`.
  EventRun(std::vector<SharedEvent> events, std::vector<int64_t> seqs);

  std::span<const SharedEvent> events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  int64_t seq(std::size_t i) const { return seqs_[i]; }
  int64_t first_seq() const { return seqs_.front(); }
  int64_t last_seq() const { return seqs_.back(); }
  // Whether a subscriber can take the run in one piece: at least two events, cursors strictly increasing, and
  // only messages and message changes (which no session filters out: Session::push). Otherwise each event is
  // offered on its own.
  bool whole() const { return whole_; }

  // The run's frames in one buffer, made by `join` on first use for this encoder and then shared. Every call
  // for one encoder passes the same joiner (the WebSocket session's). `payload_bytes` is set to the sum of the
  // encoded events' sizes (what the frames carry, without the transport's headers).
  using Joiner = Frame (*)(std::span<const SharedEvent> events, const Encoder& enc, std::size_t& payload_bytes);
  const Frame& joined(const Encoder& enc, Joiner join, std::size_t& payload_bytes) const;

 private:
  std::vector<SharedEvent> events_;
  std::vector<int64_t> seqs_;
  bool whole_ = false;
  mutable std::array<Frame, Encoder::kMaxEncoders> joined_;
  mutable std::array<std::size_t, Encoder::kMaxEncoders> payload_bytes_{};
};

}  // namespace techpulse::gateway::realtime
