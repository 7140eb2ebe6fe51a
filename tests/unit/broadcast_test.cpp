// The fan-out event (gateway/realtime/broadcast.hpp): each dialect's frame is encoded once per event, by whichever
// recipient asks first, and every recipient gets the same bytes.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "gateway/dialect/techpulse_v1/encoder.hpp"
#include "gateway/realtime/broadcast.hpp"
#include "protocol/events.hpp"

using namespace techpulse;
using namespace techpulse::gateway;

namespace {

class CountingEncoder final : public realtime::Encoder {
 public:
  mutable std::atomic<int> calls{0};
  Frame encode(const realtime::Event& e) const override {
    ++calls;
    const auto& m = std::get<realtime::MessageEvent>(e);
    return std::make_shared<const std::string>(m.topic + "#" + std::to_string(m.seq));
  }
};

}  // namespace

TEST_CASE("a broadcast is encoded once per dialect and shared by every recipient", "[unit][broadcast]") {
  static const CountingEncoder counting;
  const auto& v1 = dialect::techpulse_v1::encoder();
  auto ev = realtime::make_event(realtime::MessageEvent{"thread:t", 7, R"({"id":"m"})"});

  std::vector<std::thread> loops;
  std::vector<const std::string*> seen(8);
  for (size_t i = 0; i < seen.size(); ++i) {
    loops.emplace_back([&, i] {
      for (int k = 0; k < 1000; ++k) seen[i] = ev->encoded(counting).get();
    });
  }
  for (auto& t : loops) t.join();
  CHECK(counting.calls == 1);
  for (auto* p : seen) CHECK(p == seen[0]);
  CHECK(*seen[0] == "thread:t#7");

  // Another dialect has its own slot: its own bytes, also computed once.
  const auto& a = ev->encoded(v1);
  const auto& b = ev->encoded(v1);
  CHECK(a.get() == b.get());
  CHECK(*a == protocol::encode_message("thread:t", 7, R"({"id":"m"})"));
  CHECK(counting.calls == 1);
}

TEST_CASE("techpulse.v1 encodes each fan-out event as protocol/events.hpp does", "[unit][broadcast]") {
  const auto& v1 = dialect::techpulse_v1::encoder();
  auto obj = realtime::make_event(realtime::ObjectEvent{"ticket.updated", "ticket:k", "ticket", R"({"id":"k"})"});
  CHECK(*obj->encoded(v1) == protocol::encode_event("ticket.updated", "ticket:k", "ticket", R"({"id":"k"})"));
  auto typing = realtime::make_event(realtime::TypingEvent{"t", "u"});
  CHECK(*typing->encoded(v1) == protocol::encode_typing("t", "u"));
  // The assistant's events arrive built in techpulse.v1: the very same bytes go out.
  auto json = std::make_shared<const std::string>(R"({"type":"assistant.delta"})");
  auto assistant = realtime::make_event(realtime::AssistantEvent{json, {}, 0});
  CHECK(assistant->encoded(v1).get() == json.get());
}

TEST_CASE("a broadcast's framed form is made once from its encoding and shared", "[unit][broadcast]") {
  static const CountingEncoder counting;
  static std::atomic<int> framings{0};
  const realtime::Broadcast::Framer frame = [](const Frame& payload) -> Frame {
    ++framings;
    return std::make_shared<const std::string>("[" + *payload + "]");
  };
  framings = 0;
  auto ev = realtime::make_event(realtime::MessageEvent{"thread:t", 9, R"({"id":"m"})"});
  std::vector<std::thread> loops;
  std::vector<const std::string*> seen(4);
  for (size_t i = 0; i < seen.size(); ++i) {
    loops.emplace_back([&, i] {
      for (int k = 0; k < 500; ++k) seen[i] = ev->framed(counting, frame).get();
    });
  }
  for (auto& t : loops) t.join();
  CHECK(framings == 1);
  CHECK(counting.calls == 1);  // framing asked for the encoding once; the encoding itself is still served as it was
  for (auto* p : seen) CHECK(p == seen[0]);
  CHECK(*seen[0] == "[thread:t#9]");
  CHECK(*ev->encoded(counting) == "thread:t#9");

  // No framing where the dialect has no form for the event.
  const auto& v1 = dialect::techpulse_v1::encoder();
  auto row = realtime::make_event(realtime::RowEvent{});
  CHECK(ev->framed(v1, frame) != nullptr);
  CHECK(row->framed(v1, frame) == nullptr);
  CHECK(framings == 2);
}
