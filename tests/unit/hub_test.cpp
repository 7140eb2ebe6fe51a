// One loop's hub (gateway/realtime/hub.hpp): a run of messages of one thread reaches each subscriber whole and in
// cursor order, once per message, on the thread: and ticket: topics alike.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gateway/realtime/hub.hpp"

using namespace techpulse;
using namespace techpulse::gateway::realtime;

namespace {

class Recorder final : public Subscriber {
 public:
  explicit Recorder(std::string id) : id_(std::move(id)) {}
  void push(const SharedEvent& event) override {
    const auto& m = std::get<MessageEvent>(event->event());
    got.push_back(m.topic + "#" + std::to_string(m.seq));
  }
  const std::string& session_id() const override { return id_; }
  const std::string& user_id() const override { return id_; }
  void drain() override {}
  void recheck_access() override {}
  std::vector<std::string> got;

 private:
  std::string id_;
};

std::shared_ptr<Subscription> live(Recorder& r, protocol::TopicKind kind, std::string key, int64_t last_seq = 0) {
  auto s = std::make_shared<Subscription>();
  s->owner = &r;
  s->kind = kind;
  s->key = std::move(key);
  s->last_seq = last_seq;
  s->live = true;
  return s;
}

Hub::Message message(const std::string& thread, const std::string& ticket, int64_t seq) {
  Hub::Message m{thread, ticket, seq, make_event(MessageEvent{"thread:" + thread, seq, "{}"}), {}, {}};
  if (!ticket.empty()) m.ticket_event = make_event(MessageEvent{"ticket:" + ticket, seq, "{}"});
  return m;
}

}  // namespace

TEST_CASE("a run of messages reaches every subscriber whole, in order, once each", "[unit][hub]") {
  Hub hub;
  Recorder a("a"), b("b"), t("t");
  hub.add(live(a, protocol::TopicKind::thread, "T"));
  hub.add(live(b, protocol::TopicKind::thread, "T", 2));  // already had cursors 1 and 2 (its replay)
  hub.add(live(t, protocol::TopicKind::ticket, "K"));
  std::vector<Hub::Message> run{message("T", "K", 1), message("T", "K", 2), message("T", "K", 3)};
  hub.deliver_messages(run);
  CHECK(a.got == std::vector<std::string>{"thread:T#1", "thread:T#2", "thread:T#3"});
  CHECK(b.got == std::vector<std::string>{"thread:T#3"});
  CHECK(t.got == std::vector<std::string>{"ticket:K#1", "ticket:K#2", "ticket:K#3"});

  // The same messages again (a NOTIFY heard twice): nobody gets one twice.
  hub.deliver_messages(run);
  CHECK(a.got.size() == 3);
  CHECK(b.got.size() == 1);
  CHECK(t.got.size() == 3);

  // Another thread's run reaches only its own subscribers.
  std::vector<Hub::Message> other{message("U", "", 1)};
  hub.deliver_messages(other);
  CHECK(a.got.size() == 3);
  CHECK(t.got.size() == 3);
}

TEST_CASE("a subscription being set up keeps a run for after its snapshot", "[unit][hub]") {
  Hub hub;
  Recorder a("a");
  auto sub = live(a, protocol::TopicKind::thread, "T");
  sub->live = false;
  hub.add(sub);
  std::vector<Hub::Message> run{message("T", "", 4), message("T", "", 5)};
  hub.deliver_messages(run);
  CHECK(a.got.empty());
  REQUIRE(sub->pending.size() == 2);
  CHECK(sub->pending[0].seq == 4);
  CHECK(sub->pending[1].seq == 5);
}
