// Unit tests of cluster presence without a database: the table (gateway/presence_table.*), the tp_presence payload
// format (storage/presence_channel.*) and one node's protocol (gateway/presence_cluster.*), with several nodes
// wired together by handing each one's published payloads to the others.
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "gateway/realtime/presence.hpp"
#include "gateway/realtime/presence_cluster.hpp"
#include "gateway/realtime/presence_table.hpp"
#include "storage/presence_channel.hpp"

using namespace techpulse;
using namespace techpulse::gateway::realtime;
using namespace std::chrono_literals;

namespace {

PresenceEntry entry(std::string topic, std::string key, std::string ref, std::string meta = "{}") {
  return PresenceEntry{std::move(topic), std::move(key), std::move(ref), std::move(meta)};
}

int count_key_changes(const std::vector<PresenceDiff>& d, PresenceDiff::Kind k) {
  int n = 0;
  for (const auto& x : d) n += x.kind == k && x.key_changed;
  return n;
}

// Nodes that hear each other's payloads (and their own) in publish order, like LISTEN on tp_presence.
struct Bus {
  std::map<std::string, std::unique_ptr<PresenceCluster>> nodes;
  std::map<std::string, std::vector<PresenceDiff>> diffs;  // per node, everything delivered
  std::map<std::string, bool> deaf;                        // a node whose LISTEN is down
  PresenceClock::time_point now = PresenceClock::time_point{} + 1h;

  PresenceCluster& add(const std::string& id) {
    nodes[id] = std::make_unique<PresenceCluster>(id, 1000ms);
    return *nodes[id];
  }
  void take(const std::string& from, PresenceCluster::Output out) {
    auto& mine = diffs[from];
    mine.insert(mine.end(), out.diffs.begin(), out.diffs.end());
    for (const auto& p : out.publish) {
      for (auto& [id, n] : nodes) {
        if (deaf[id]) continue;
        take(id, n->on_message(p, now));
      }
    }
  }
  void tick_all() {
    for (auto& [id, n] : nodes) take(id, n->tick(now));
  }
};

}  // namespace

TEST_CASE("a key with two refs is present once: join on the first, leave on the last", "[presence]") {
  PresenceTable t;
  auto d1 = t.join("n1", entry("thread:a", "u1", "s1"));
  REQUIRE(d1.size() == 1);
  CHECK(d1[0].key_changed);
  auto d2 = t.join("n2", entry("thread:a", "u1", "s2"));
  REQUIRE(d2.size() == 1);
  CHECK_FALSE(d2[0].key_changed);
  CHECK(t.state("thread:a").size() == 1);
  CHECK(t.state("thread:a")[0].metas.size() == 2);
  CHECK_FALSE(t.leave("n1", "thread:a", "u1", "s1")[0].key_changed);
  CHECK(t.present("thread:a", "u1"));
  auto last = t.leave("n2", "thread:a", "u1", "s2");
  REQUIRE(last.size() == 1);
  CHECK(last[0].key_changed);
  CHECK_FALSE(t.present("thread:a", "u1"));
  CHECK(t.state("thread:a").empty());
  CHECK(t.leave("n2", "thread:a", "u1", "s2").empty());  // a second leave is nothing
}

TEST_CASE("first_metas lists each key once, with its first meta by the given order, ties by join order", "[presence]") {
  PresenceTable t;
  t.join("n1", entry("thread:a", "u2", "s1", R"({"user_id":"u2","since":"2026-01-01T00:00:05.000000Z"})"));
  t.join("n1", entry("thread:a", "u1", "s9", R"({"user_id":"u1","since":"2026-01-01T00:00:03.000000Z"})"));
  t.join("n2", entry("thread:a", "u1", "s2", R"({"user_id":"u1","since":"2026-01-01T00:00:01.000000Z"})"));
  t.join("n1", entry("thread:a", "u1", "s3", R"({"user_id":"u1","since":"2026-01-01T00:00:02.000000Z"})"));
  t.join("n1", entry("thread:a", "u3", "s5", R"({"user_id":"u3","tie":1})"));
  t.join("n1", entry("thread:a", "u3", "s4", R"({"user_id":"u3","tie":2})"));
  t.join("n1", entry("thread:b", "u1", "s6", "{}"));
  auto earlier = [](const std::string& a, const std::string& b) {
    auto sa = presence_since(a), sb = presence_since(b);
    if (sa.empty() != sb.empty()) return sb.empty();
    return sa < sb;
  };
  auto firsts = t.first_metas("thread:a", earlier);
  REQUIRE(firsts.size() == 3);  // in key order: u1, u2, u3
  CHECK(firsts[0] == R"({"user_id":"u1","since":"2026-01-01T00:00:01.000000Z"})");  // joined second, earliest since
  CHECK(firsts[1] == R"({"user_id":"u2","since":"2026-01-01T00:00:05.000000Z"})");
  CHECK(firsts[2] == R"({"user_id":"u3","tie":1})");  // no since on either: the first joined (s5), not the first ref
  CHECK(t.first_metas("thread:none", earlier).empty());
  t.leave("n2", "thread:a", "u1", "s2");
  CHECK(t.first_metas("thread:a", earlier)[0] == R"({"user_id":"u1","since":"2026-01-01T00:00:02.000000Z"})");
}

TEST_CASE("presence_since reads the since of presence_meta's metas", "[presence]") {
  auto meta = presence_meta("b0000000-0000-4000-8000-000000000001", "technician");
  auto since = presence_since(meta);
  CHECK(since.size() == std::string_view("2026-01-01T00:00:00.000000Z").size());
  CHECK(since.back() == 'Z');
  CHECK(meta.find(since) != std::string::npos);
  CHECK(presence_since("{}").empty());
  CHECK(presence_since(R"({"since":"unterminated)").empty());
}

TEST_CASE("a node only removes its own refs", "[presence]") {
  PresenceTable t;
  t.join("n1", entry("thread:a", "u1", "s1"));
  CHECK(t.leave("n2", "thread:a", "u1", "s1").empty());
  CHECK(t.present("thread:a", "u1"));
}

TEST_CASE("a ref claimed by another node moves to it: only its new node removes it, and size counts refs", "[presence]") {
  PresenceTable t;
  t.join("n1", entry("thread:a", "u1", "s1"));
  t.join("n1", entry("thread:a", "u2", "s2"));
  t.join("n1", entry("online", "u1", "s1"));
  CHECK(t.size() == 3);
  auto moved = t.join("n2", entry("thread:a", "u1", "s1", R"({"m":2})"));
  REQUIRE(moved.size() == 2);  // a leave and a join of the ref, the key unchanged
  CHECK(count_key_changes(moved, PresenceDiff::join) == 0);
  CHECK(t.size() == 3);
  CHECK(t.node_entries("n1").size() == 2);
  REQUIRE(t.node_entries("n2").size() == 1);
  CHECK(t.node_entries("n2")[0].meta_json == R"({"m":2})");
  CHECK(t.state("thread:a")[0].metas[0].node == "n2");
  CHECK(t.leave("n1", "thread:a", "u1", "s1").empty());
  // Dropping the old node leaves the moved ref alone.
  auto dropped = t.drop_node("n1");
  CHECK(dropped.size() == 2);
  CHECK(t.size() == 1);
  CHECK(t.present("thread:a", "u1"));
  CHECK_FALSE(t.present("thread:a", "u2"));
  CHECK_FALSE(t.present("online", "u1"));
  auto left = t.leave("n2", "thread:a", "u1", "s1");
  REQUIRE(left.size() == 1);
  CHECK(left[0].key_changed);
  CHECK(t.size() == 0);
  CHECK(t.node_entries("n2").empty());
}

TEST_CASE("a node's 20,000 refs join and leave one by one", "[presence]") {
  PresenceTable t;
  constexpr int kRefs = 20000;  // a node's sessions: leaving them all was quadratic in the old index
  for (int i = 0; i < kRefs; ++i) t.join("n1", entry("online", "u" + std::to_string(i % 5000), "s" + std::to_string(i)));
  CHECK(t.size() == kRefs);
  CHECK(t.state("online").size() == 5000);
  int keys_gone = 0;
  for (int i = 0; i < kRefs; ++i) {
    auto d = t.leave("n1", "online", "u" + std::to_string(i % 5000), "s" + std::to_string(i));
    REQUIRE(d.size() == 1);
    keys_gone += d[0].key_changed;
  }
  CHECK(keys_gone == 5000);
  CHECK(t.size() == 0);
  CHECK(t.node_entries("n1").empty());
}

TEST_CASE("replace_node turns a node's full state into the diffs that differ", "[presence]") {
  PresenceTable t;
  t.join("n1", entry("thread:a", "u1", "s1"));
  t.join("n1", entry("thread:a", "u2", "s2"));
  auto d = t.replace_node("n1", {entry("thread:a", "u1", "s1"), entry("thread:b", "u3", "s3")});
  CHECK(count_key_changes(d, PresenceDiff::leave) == 1);  // u2 left a
  CHECK(count_key_changes(d, PresenceDiff::join) == 1);   // u3 joined b
  CHECK(t.present("thread:a", "u1"));
  CHECK_FALSE(t.present("thread:a", "u2"));
  CHECK(t.present("thread:b", "u3"));
  // A key that moves from one ref to another within a replace does not blink.
  auto m = t.replace_node("n1", {entry("thread:a", "u1", "s9"), entry("thread:b", "u3", "s3")});
  CHECK(count_key_changes(m, PresenceDiff::leave) == 0);
  CHECK(count_key_changes(m, PresenceDiff::join) == 0);
  CHECK(t.present("thread:a", "u1"));
}

TEST_CASE("expire drops nodes silent for too long, never the local one", "[presence]") {
  PresenceTable t;
  t.set_local("me");
  auto t0 = PresenceClock::time_point{} + 1h;
  t.join("me", entry("thread:a", "u0", "s0"));
  t.heard("me", t0);
  t.join("n1", entry("thread:a", "u1", "s1"));
  t.heard("n1", t0);
  t.join("n2", entry("thread:a", "u2", "s2"));
  t.heard("n2", t0 + 900ms);
  CHECK(t.expire(t0 + 1000ms, 1000ms).empty());
  auto d = t.expire(t0 + 1001ms, 1000ms);
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == "u1");
  CHECK(d[0].key_changed);
  CHECK(t.present("thread:a", "u0"));
  CHECK(t.present("thread:a", "u2"));
  CHECK_FALSE(t.known("n1"));
  CHECK(t.expire(t0 + 100s, 1000ms).size() == 1);  // n2; "me" stays
  CHECK(t.present("thread:a", "u0"));
}

TEST_CASE("tp_presence payloads round-trip, escaping | and % in topic, key and ref", "[presence]") {
  storage::PresenceMessage m{storage::PresenceMessage::join};
  m.node = "node-1";
  m.n = 42;
  m.topic = "realtime:room|1%";
  m.key = "u|1";
  m.ref = "s%1";
  m.meta = R"({"a":"x|y"})";
  auto p = storage::encode_presence(m);
  REQUIRE(p);
  auto back = storage::parse_presence(*p);
  REQUIRE(back);
  CHECK(back->kind == storage::PresenceMessage::join);
  CHECK(back->node == "node-1");
  CHECK(back->n == 42);
  CHECK(back->topic == m.topic);
  CHECK(back->key == m.key);
  CHECK(back->ref == m.ref);
  CHECK(back->meta == m.meta);
  storage::PresenceMessage q{storage::PresenceMessage::request};
  q.node = "n";
  q.n = 1;
  q.target = "*";
  auto qb = storage::parse_presence(*storage::encode_presence(q));
  REQUIRE(qb);
  CHECK(qb->target == "*");
  CHECK_FALSE(storage::parse_presence(""));
  CHECK_FALSE(storage::parse_presence("Z|n|1"));
  CHECK_FALSE(storage::parse_presence("H|n|x"));
  CHECK_FALSE(storage::parse_presence("H|n|1|extra"));
  CHECK_FALSE(storage::parse_presence("J|n|1|topic|key"));
  CHECK_FALSE(storage::parse_presence("L|n|1|t|k|r%zz"));
  m.meta = std::string(8000, 'x');
  CHECK_FALSE(storage::encode_presence(m));
}

TEST_CASE("two nodes see each other's users join and leave; two tabs of one user are one presence", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  auto& b = bus.add("B");
  bus.take("A", a.resync(bus.now));
  bus.take("B", b.resync(bus.now));
  bus.take("A", a.track(entry("thread:t", "alice", "a1", R"({"user_id":"alice"})"), bus.now));
  CHECK(b.table().present("thread:t", "alice"));
  CHECK(count_key_changes(bus.diffs["B"], PresenceDiff::join) == 1);
  bus.take("B", b.track(entry("thread:t", "alice", "a2"), bus.now));  // a second tab, on the other node
  CHECK(count_key_changes(bus.diffs["A"], PresenceDiff::join) == 1);   // still one presence
  CHECK(a.table().state("thread:t").size() == 1);
  bus.take("A", a.untrack("thread:t", "alice", "a1", bus.now));
  CHECK(count_key_changes(bus.diffs["B"], PresenceDiff::leave) == 0);  // the other tab is still open
  CHECK(b.table().present("thread:t", "alice"));
  bus.take("B", b.untrack("thread:t", "alice", "a2", bus.now));
  CHECK(count_key_changes(bus.diffs["A"], PresenceDiff::leave) == 1);
  CHECK_FALSE(a.table().present("thread:t", "alice"));
}

TEST_CASE("a node that starts later learns the others' state", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  bus.take("A", a.track(entry("ticket:k", "tech", "s1"), bus.now));
  auto& c = bus.add("C");
  bus.take("C", c.resync(bus.now));
  CHECK(c.table().present("ticket:k", "tech"));
}

TEST_CASE("a node that missed messages (LISTEN down) notices the gap and resyncs", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  auto& b = bus.add("B");
  bus.take("A", a.track(entry("thread:t", "u1", "s1"), bus.now));
  REQUIRE(b.table().present("thread:t", "u1"));
  bus.deaf["B"] = true;
  bus.take("A", a.untrack("thread:t", "u1", "s1", bus.now));
  bus.take("A", a.track(entry("thread:t", "u2", "s2"), bus.now));
  bus.deaf["B"] = false;
  CHECK(b.table().present("thread:t", "u1"));  // stale until it hears A again
  bus.now += 600ms;
  bus.take("A", a.tick(bus.now));  // A's heartbeat shows B the gap; B asks, A dumps
  CHECK_FALSE(b.table().present("thread:t", "u1"));
  CHECK(b.table().present("thread:t", "u2"));
}

TEST_CASE("a node that dies without a goodbye has its users leave within 2 x heartbeat", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  auto& b = bus.add("B");
  bus.take("A", a.track(entry("thread:t", "u1", "s1"), bus.now));
  bus.tick_all();
  auto died = bus.now;
  bus.nodes.erase("A");  // kill -9: no more messages from A
  bool left = false;
  // tick every heartbeat/4, as the gateway does; bounded at 3 x heartbeat
  for (int i = 0; i < 12 && !left; ++i) {
    bus.now += 250ms;
    bus.tick_all();
    left = !b.table().present("thread:t", "u1");
  }
  CHECK(left);
  CHECK(bus.now - died <= 2000ms);
  CHECK(count_key_changes(bus.diffs["B"], PresenceDiff::leave) == 1);
}

TEST_CASE("live nodes that heartbeat are never expired", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  auto& b = bus.add("B");
  bus.take("A", a.track(entry("thread:t", "u1", "s1"), bus.now));
  for (int i = 0; i < 40; ++i) {
    bus.now += 250ms;
    bus.tick_all();
  }
  CHECK(b.table().present("thread:t", "u1"));
  CHECK(count_key_changes(bus.diffs["B"], PresenceDiff::leave) == 0);
}

TEST_CASE("a graceful stop removes the node's users at once", "[presence]") {
  Bus bus;
  auto& a = bus.add("A");
  auto& b = bus.add("B");
  bus.take("A", a.track(entry("thread:t", "u1", "s1"), bus.now));
  bus.take("A", a.stop());
  CHECK_FALSE(b.table().present("thread:t", "u1"));
}

TEST_CASE("tracking a session twice with the same meta publishes nothing the second time", "[presence]") {
  PresenceCluster a("A", 1000ms);
  auto first = a.track(entry("thread:t", "u1", "s1", "{}"), {});
  CHECK(first.publish.size() == 1);
  CHECK(first.diffs.size() == 1);
  auto again = a.track(entry("thread:t", "u1", "s1", "{}"), {});
  CHECK(again.publish.empty());
  CHECK(again.diffs.empty());
}

TEST_CASE("a meta too large for one payload is refused and changes nothing", "[presence]") {
  PresenceCluster a("A", 1000ms);
  auto out = a.track(entry("thread:t", "u1", "s1", "{\"x\":\"" + std::string(8000, 'y') + "\"}"), {});
  CHECK_FALSE(out.ok);
  CHECK(out.publish.empty());
  CHECK_FALSE(a.table().present("thread:t", "u1"));
}
