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
  // With record_runs, a whole run is recorded as one entry ("run 1 2 3"); otherwise pushed event by event.
  void push_run(const EventRun& run) override {
    if (!record_runs) return Subscriber::push_run(run);
    std::string r = "run";
    for (const auto& e : run.events()) r += " " + std::to_string(std::get<MessageEvent>(e->event()).seq);
    got.push_back(r);
  }
  const std::string& session_id() const override { return id_; }
  const std::string& user_id() const override { return id_; }
  void drain() override {}
  void recheck_access() override {}
  std::vector<std::string> got;
  bool record_runs = false;

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

TEST_CASE("a live subscriber that had none of a run takes it in one piece; others event by event", "[unit][hub]") {
  Hub hub;
  Recorder fresh("f"), partway("p"), ticket("t"), setting_up("s");
  for (Recorder* r : {&fresh, &partway, &ticket, &setting_up}) r->record_runs = true;
  auto f = std::make_shared<Subscription>();
  f->owner = &fresh, f->key = "T", f->live = true;
  auto p = std::make_shared<Subscription>();
  p->owner = &partway, p->key = "T", p->live = true, p->last_seq = 2;
  auto t = std::make_shared<Subscription>();
  t->owner = &ticket, t->kind = protocol::TopicKind::ticket, t->key = "K", t->live = true;
  auto s = std::make_shared<Subscription>();
  s->owner = &setting_up, s->key = "T";
  for (auto& sub : {f, p, t, s}) hub.add(sub);

  std::vector<Hub::Message> run{message("T", "K", 1), message("T", "K", 2), message("T", "K", 3)};
  hub.deliver_messages(run);
  CHECK(fresh.got == std::vector<std::string>{"run 1 2 3"});
  CHECK(partway.got == std::vector<std::string>{"thread:T#3"});
  CHECK(ticket.got == std::vector<std::string>{"run 1 2 3"});
  CHECK(setting_up.got.empty());
  CHECK(s->pending.size() == 3);
  CHECK(f->last_seq == 3);
  CHECK(t->thread_seq["T"] == 3);

  // Heard again: nothing twice, whole or not.
  hub.deliver_messages(run);
  CHECK(fresh.got.size() == 1);
  CHECK(partway.got.size() == 1);
  CHECK(ticket.got.size() == 1);

  // A run whose cursors do not increase is offered event by event (each once, the older one dropped).
  std::vector<Hub::Message> odd{message("T", "", 5), message("T", "", 4)};
  hub.deliver_messages(odd);
  CHECK(fresh.got == std::vector<std::string>{"run 1 2 3", "thread:T#5"});

  // A single message is a push, not a run.
  std::vector<Hub::Message> one{message("T", "", 6)};
  hub.deliver_messages(one);
  CHECK(fresh.got.back() == "thread:T#6");
}

TEST_CASE("a run holds messages and message changes only, with increasing cursors", "[unit][hub]") {
  auto msg = [](int64_t seq) { return make_event(MessageEvent{"thread:T", seq, "{}"}); };
  CHECK(EventRun({msg(1), msg(2)}, {1, 2}).whole());
  CHECK(EventRun({msg(1), make_event(ChangeEvent{"thread:T", 2, false, "{}"})}, {1, 2}).whole());
  CHECK_FALSE(EventRun({msg(1)}, {1}).whole());
  CHECK_FALSE(EventRun({msg(2), msg(2)}, {2, 2}).whole());
  CHECK_FALSE(EventRun({msg(1), make_event(TypingEvent{"T", "u"})}, {1, 2}).whole());
}
