#pragma once
// techpulse.v1's encoding of the fan-out events (protocol/events.hpp). One instance, shared by every session of
// the dialect: its frames are cached on each Broadcast, so a message is encoded once however many sockets get it.
#include "gateway/realtime/broadcast.hpp"

namespace techpulse::gateway::dialect::techpulse_v1 {

class Encoder final : public realtime::Encoder {
 public:
  Frame encode(const realtime::Event& event) const override;
};

const Encoder& encoder();

}  // namespace techpulse::gateway::dialect::techpulse_v1
