// GET /metrics of the real binary with a real PostgreSQL, parsed by a real exposition-format parser (Python's
// prometheus_client, tests/e2e/metrics_parse.py): every family of docs/operations.md ("Monitor") is there, and the
// counters move by exactly what the clients did and saw; the assistant and listener families too. Also
// --metrics-listen, and the Grafana dashboard's metric names against a real scrape.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/process.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string metrics_db() { return migrated_database("tp_test_metrics"); }

// Debian's interpreter: python3-prometheus-client is installed for it (another python3 may come first in PATH).
const std::string kPython = "/usr/bin/python3";
const std::string kParser = std::string(TECHPULSE_SOURCE_DIR) + "/tests/e2e/metrics_parse.py";

struct Scrape {
  std::map<std::string, std::string> families;  // parser's family name -> type
  std::map<std::string, double> samples;        // name{k=v,...} -> value
  std::string text;
  std::string parser_output;
  int parser_exit = -1;

  bool has(const std::string& family, const std::string& type) const {
    auto it = families.find(family);
    return it != families.end() && it->second == type;
  }
  // The value of sample `name` with labels "k=v,k=v" (sorted by key; "" for none); NaN when absent.
  double at(const std::string& name, const std::string& labels = "") const {
    auto it = samples.find(name + "{" + labels + "}");
    return it == samples.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  }
};

std::string temp_path(const std::string& what) {
  static int n = 0;
  return "/tmp/techpulse-metrics-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" + what;
}

// Parses exposition text with prometheus_client (REQUIREs that it parses); dashboard: also check its names.
Scrape parse(const std::string& text, const std::string& dashboard = {}) {
  Scrape s;
  s.text = text;
  auto file = temp_path("scrape.txt");
  std::ofstream(file) << text;
  std::vector<std::string> argv = {kPython, kParser, file};
  if (!dashboard.empty()) {
    argv.push_back("--dashboard");
    argv.push_back(dashboard);
  }
  auto r = run_process(argv, {}, std::chrono::seconds(60));
  std::remove(file.c_str());
  s.parser_output = r.output;
  s.parser_exit = r.exit_code;
  INFO(r.output);
  REQUIRE((r.exit_code == 0 || (!dashboard.empty() && r.exit_code == 1)));
  std::istringstream lines(r.output);
  std::string kind, name, labels, value;
  while (lines >> kind) {
    if (kind == "family") {
      lines >> name >> value;
      s.families[name] = value;
    } else if (kind == "sample") {
      lines >> name >> labels >> value;
      s.samples[name + "{" + (labels == "-" ? "" : labels) + "}"] = std::stod(value);
    } else {
      std::getline(lines, value);
    }
  }
  return s;
}

Scrape scrape(unsigned short port, const std::string& dashboard = {}) {
  std::string body;
  REQUIRE(http_get(port, "/metrics", &body) == 200);
  return parse(body, dashboard);
}

// A client whose every frame in and out is tallied, to compare with techpulse_frames_*_total.
struct Client {
  std::unique_ptr<WsClient> ws;
  int frames_sent = 0, frames_received = 0;
  double bytes_sent = 0, bytes_received = 0;
  std::map<std::string, int> messages;  // content of every `message` frame read -> how many times

  void send(const std::string& f) {
    ws->send(f);
    ++frames_sent;
    bytes_sent += static_cast<double>(f.size());
  }
  // Reads until pred; every frame read on the way is counted.
  std::optional<std::string> until(const std::function<bool(const std::string&)>& pred) {
    return ws->recv_until([&](const std::string& f) {
      ++frames_received;
      bytes_received += static_cast<double>(f.size());
      if (json_str(f, "/type") == "message") ++messages[json_str(f, "/message/content")];
      return pred(f);
    }, 10s);
  }
  std::optional<std::string> reply(const std::string& ref) {
    return until([&](const std::string& f) { return json_str(f, "/ref") == ref; });
  }
  // Everything the server queued for this client before the pong has been read when the pong arrives.
  void sync(const std::string& ref) {
    send(R"({"type":"ping","ref":")" + ref + "\"}");
    auto p = until([&](const std::string& f) { return json_str(f, "/type") == "pong" && json_str(f, "/ref") == ref; });
    REQUIRE(p);
  }
};

Client connect_client(const GatewayProcess& gw, const std::string& user) {
  Client c;
  c.ws = WsClient::connect(gw.port(), gw.token(user));
  REQUIRE(c.ws);
  REQUIRE(c.until([](const std::string& f) { return json_str(f, "/type") == "welcome"; }));
  return c;
}

std::string send_json(const std::string& thread, const std::string& content, const std::string& ref,
                      const std::string& client_msg_id) {
  return send_frame(thread, content, ref, client_msg_id);
}

// Polls the scrape until `done` holds (the server counts a close after the client saw it): bounded in count and time.
Scrape scrape_until(unsigned short port, const std::function<bool(const Scrape&)>& done) {
  for (int i = 0; i < 100; ++i) {
    auto s = scrape(port);
    if (done(s)) return s;
    std::this_thread::sleep_for(50ms);
  }
  return scrape(port);
}

}  // namespace

TEST_CASE("a scrape has every family and its counters move by exactly what happened", "[metrics]") {
  Db db(metrics_db());
  auto owner = make_profile(db);
  auto stranger = make_profile(db);
  auto thread = make_thread(db, owner);
  // Two loops (so the fan-out histogram counts each message once per loop); a bucket of 20 frames refilled at 1
  // per second, so a burst of 30 frames is partly refused.
  GatewayProcess gw(metrics_db(), {{"TECHPULSE_THREADS", "2"}, {"TECHPULSE_RATE_BURST", "20"},
                                   {"TECHPULSE_RATE_LIMIT", "1"}});

  const auto before = scrape(gw.port());
  const std::vector<std::pair<std::string, std::string>> families = {
      {"techpulse_connections_open", "gauge"},
      {"techpulse_connections_opened", "counter"},
      {"techpulse_connections_closed", "counter"},
      {"techpulse_http_upgrades_refused", "counter"},
      {"techpulse_subscriptions", "gauge"},
      {"techpulse_subscribes", "counter"},
      {"techpulse_frames_in", "counter"},
      {"techpulse_bytes_in", "counter"},
      {"techpulse_frames_out", "counter"},
      {"techpulse_bytes_out", "counter"},
      {"techpulse_sends", "counter"},
      {"techpulse_send_ack_seconds", "histogram"},
      {"techpulse_fanout_latency_seconds", "histogram"},
      {"techpulse_db_pool_in_use", "gauge"},
      {"techpulse_db_pool_waiting", "gauge"},
      {"techpulse_db_errors", "counter"},
      {"techpulse_db_writer_batch_size", "histogram"},
      {"techpulse_listener_reconnects", "counter"},
      {"techpulse_listener_catchup_rows", "counter"},
      {"techpulse_assistant_queue_depth", "gauge"},
      {"techpulse_assistant_first_delta_seconds", "histogram"},
      {"techpulse_assistant_turn_seconds", "histogram"},
      {"techpulse_assistant_provider_errors", "counter"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_open_fds", "gauge"},
      {"process_cpu_seconds", "counter"},
  };
  for (const auto& [name, type] : families) {
    INFO(name);
    CHECK(before.has(name, type));
  }
  for (const char* r : {"normal", "slow_consumer", "rate_limited", "unauthorized", "idle", "too_large", "shutdown", "error"}) {
    INFO(r);
    CHECK(before.at("techpulse_connections_closed_total", std::string("reason=") + r) == 0);
  }
  for (const char* o : {"ok", "duplicate", "forbidden", "not_found", "invalid", "unavailable", "rate_limited"}) {
    INFO(o);
    CHECK(before.at("techpulse_sends_total", std::string("outcome=") + o) == 0);
  }
  CHECK(before.at("techpulse_db_pool_in_use") == 0);
  CHECK(before.at("techpulse_assistant_queue_depth") >= 0);
  CHECK(before.at("process_resident_memory_bytes") > 0);
  CHECK(before.at("process_open_fds") > 0);
  CHECK(before.at("process_cpu_seconds_total") >= 0);

  // Refused upgrades: two bad tokens (401), one plain GET of /v1/ws (426).
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    CHECK_FALSE(WsClient::connect(gw.port(), "not-a-token", &status));
    CHECK(status == 401);
  }
  CHECK(http_get(gw.port(), "/v1/ws") == 426);

  // The owner: a thread and a user subscription; three sends, then the first again (duplicate).
  auto a = connect_client(gw, owner);
  a.send(subscribe_frame(thread, "s1"));
  REQUIRE(json_str(*a.reply("s1"), "/type") == "subscribed");
  a.send(R"({"type":"subscribe","ref":"s2","topic":"user:)" + owner + "\"}");
  REQUIRE(json_str(*a.reply("s2"), "/type") == "subscribed");
  for (int i = 1; i <= 3; ++i) {
    a.send(send_json(thread, "m" + std::to_string(i), "m" + std::to_string(i), "c" + std::to_string(i)));
    auto ack = a.until([&](const std::string& f) { return json_str(f, "/ref") == "m" + std::to_string(i); });
    REQUIRE(ack);
    REQUIRE(json_str(*ack, "/type") == "ack");
  }
  a.send(send_json(thread, "m1", "d1", "c1"));
  auto dup = a.reply("d1");
  REQUIRE(dup);
  REQUIRE(json_bool(*dup, "/duplicate"));
  // Its three messages come back on thread: (before or after their acks).
  for (int i = 1; i <= 3; ++i) {
    const auto content = "m" + std::to_string(i);
    if (a.messages.count(content) == 0) {
      REQUIRE(a.until([&](const std::string&) { return a.messages.count(content) > 0; }));
    }
  }

  // A stranger: forbidden (a send and a subscribe), invalid (empty content), not_found (no such thread).
  auto b = connect_client(gw, stranger);
  b.send(send_json(thread, "intrusion", "f1", ""));
  CHECK(json_str(*b.reply("f1"), "/code") == "forbidden");
  b.send(subscribe_frame(thread, "fs"));
  CHECK(json_str(*b.reply("fs"), "/code") == "forbidden");
  b.send(send_json(thread, "", "i1", ""));
  CHECK(json_str(*b.reply("i1"), "/code") == "bad_request");
  b.send(send_json(random_uuid(), "nobody's", "n1", ""));
  CHECK(json_str(*b.reply("n1"), "/code") == "not_found");

  // A burst of 30 invalid sends from a third connection: each is answered rate_limited or bad_request.
  auto c = connect_client(gw, stranger);
  for (int i = 0; i < 30; ++i) c.send(send_json(thread, "", "r" + std::to_string(i), ""));
  int rate_limited = 0, invalid = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = c.reply("r" + std::to_string(i));
    REQUIRE(r);
    const auto code = json_str(*r, "/code");
    if (code == "rate_limited") ++rate_limited;
    if (code == "bad_request") ++invalid;
  }
  CHECK(rate_limited + invalid == 30);
  CHECK(rate_limited >= 1);

  // Everything the clients caused has been read by them; then the stranger's first connection is closed normally.
  a.sync("pa");
  b.sync("pb");
  CHECK(a.messages == std::map<std::string, int>{{"m1", 1}, {"m2", 1}, {"m3", 1}});
  b.ws->close();
  const auto after = scrape_until(gw.port(), [](const Scrape& s) {
    return s.at("techpulse_connections_closed_total", "reason=normal") >= 1;
  });
  auto delta = [&](const std::string& name, const std::string& labels = "") {
    return after.at(name, labels) - before.at(name, labels);
  };

  CHECK(delta("techpulse_http_upgrades_refused_total", "status=401") == 2);
  CHECK(delta("techpulse_http_upgrades_refused_total", "status=426") == 1);
  CHECK(delta("techpulse_http_upgrades_refused_total", "status=400") == 0);
  CHECK(delta("techpulse_connections_opened_total") == 3);
  CHECK(delta("techpulse_connections_closed_total", "reason=normal") == 1);
  CHECK(after.at("techpulse_connections_open") == 2);
  CHECK(delta("techpulse_subscribes_total", "kind=thread") == 1);
  CHECK(delta("techpulse_subscribes_total", "kind=user") == 1);
  CHECK(delta("techpulse_subscribes_total", "kind=ticket") == 0);
  CHECK(after.at("techpulse_subscriptions", "kind=thread") == 1);
  CHECK(after.at("techpulse_subscriptions", "kind=user") == 1);

  CHECK(delta("techpulse_sends_total", "outcome=ok") == 3);
  CHECK(delta("techpulse_sends_total", "outcome=duplicate") == 1);
  CHECK(delta("techpulse_sends_total", "outcome=forbidden") == 1);
  CHECK(delta("techpulse_sends_total", "outcome=not_found") == 1);
  CHECK(delta("techpulse_sends_total", "outcome=invalid") == 1 + invalid);
  CHECK(delta("techpulse_sends_total", "outcome=rate_limited") == rate_limited);
  CHECK(delta("techpulse_sends_total", "outcome=unavailable") == 0);
  // The six sends that reached the writers: each timed to its ack, each in one batch.
  CHECK(delta("techpulse_send_ack_seconds_count") == 6);
  CHECK(delta("techpulse_send_ack_seconds_bucket", "le=+Inf") == 6);
  CHECK(delta("techpulse_send_ack_seconds_sum") > 0);
  CHECK(delta("techpulse_db_writer_batch_size_sum") == 6);
  CHECK(delta("techpulse_db_writer_batch_size_count") >= 1);
  // Three messages, each queued on both loops.
  CHECK(delta("techpulse_fanout_latency_seconds_count") == 6);

  // Frames: what the clients sent (the too-large test is elsewhere), and what they read.
  CHECK(delta("techpulse_frames_in_total") == a.frames_sent + b.frames_sent + c.frames_sent);
  CHECK(delta("techpulse_bytes_in_total") == a.bytes_sent + b.bytes_sent + c.bytes_sent);
  CHECK(delta("techpulse_frames_out_total") == a.frames_received + b.frames_received + c.frames_received);
  CHECK(delta("techpulse_bytes_out_total") == a.bytes_received + b.bytes_received + c.bytes_received);

  CHECK(after.at("techpulse_db_pool_waiting") == 0);
  CHECK(after.at("techpulse_assistant_queue_depth") >= 0);
}

TEST_CASE("a frame over --max-frame-bytes is counted as a too_large close, not as an error", "[metrics]") {
  Db db(metrics_db());
  auto user = make_profile(db);
  GatewayProcess gw(metrics_db());
  auto big = connect_as(gw, user);
  big->send(std::string(70000, 'x'));  // over --max-frame-bytes (64 KiB): closed with 1009
  REQUIRE_FALSE(big->recv_until([](const std::string&) { return false; }, 5s));
  CHECK(big->close_code() == 1009);
  auto s = scrape_until(gw.port(), [](const Scrape& x) {
    return x.at("techpulse_connections_closed_total", "reason=too_large") >= 1;
  });
  CHECK(s.at("techpulse_connections_closed_total", "reason=too_large") == 1);
  CHECK(s.at("techpulse_connections_closed_total", "reason=error") == 0);
  CHECK(s.at("techpulse_frames_in_total") == 0);
}

TEST_CASE("--metrics-listen serves /metrics only there; the main listener answers it 404", "[metrics]") {
  const auto metrics_port = free_port();
  GatewayProcess gw(metrics_db(), {{"TECHPULSE_METRICS_LISTEN", "127.0.0.1:" + std::to_string(metrics_port)}});
  std::string body;
  CHECK(http_get(gw.port(), "/metrics", &body) == 404);
  CHECK(body.find("techpulse_") == std::string::npos);
  CHECK(http_get(gw.port(), "/healthz") == 200);
  auto s = scrape(metrics_port);
  CHECK(s.has("techpulse_sends", "counter"));
  CHECK(s.has("process_open_fds", "gauge"));
  CHECK(http_get(metrics_port, "/healthz") == 404);
  CHECK(http_get(metrics_port, "/v1/ws") == 404);
}

TEST_CASE("every metric the Grafana dashboard names is in a real scrape", "[metrics]") {
  GatewayProcess gw(metrics_db());
  auto s = scrape(gw.port(), std::string(TECHPULSE_SOURCE_DIR) + "/deploy/grafana/techpulse-dashboard.json");
  INFO(s.parser_output);
  CHECK(s.parser_exit == 0);
  CHECK(s.parser_output.find("dashboard_names ") != std::string::npos);
}

TEST_CASE("a bad --metrics-listen fails the start naming the setting", "[metrics]") {
  auto r = run_process({gateway_binary(), "serve", "--metrics-listen", "localhost"},
                       {{"TECHPULSE_JWT_SECRET", kTestSecret}}, std::chrono::seconds(20));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--metrics-listen: expected address:port, got \"localhost\"") != std::string::npos);
}

TEST_CASE("an assistant turn is timed from the user's message to its first delta and to its end", "[metrics]") {
  // A database of its own: the other cases leave assistant jobs queued (their gateways run no workers).
  const auto url = migrated_database("tp_test_metrics_ai");
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);  // the assistant is on
  GatewayProcess gw(url, {{"TECHPULSE_AI_WORKERS", "1"}});
  const auto before = scrape(gw.port());
  CHECK(before.at("techpulse_assistant_turn_seconds_count") == 0);
  auto c = connect_as(gw, user);
  subscribe(*c, thread, "s");
  c->send(send_frame(thread, "My car won't start, I just hear rapid clicking when I turn the key", "m1"));
  auto done = c->recv_until([](const std::string& f) {
    auto type = json_str(f, "/type");
    return type == "assistant.done" || type == "assistant.error";
  }, 60s);
  REQUIRE(done);
  REQUIRE(json_str(*done, "/type") == "assistant.done");
  // assistant.done is published in the turn's last transaction; the worker times the turn just after it.
  auto s = scrape_until(gw.port(), [](const Scrape& x) { return x.at("techpulse_assistant_turn_seconds_count") >= 1; });
  CHECK(s.at("techpulse_assistant_turn_seconds_count") == 1);
  CHECK(s.at("techpulse_assistant_first_delta_seconds_count") == 1);
  CHECK(s.at("techpulse_assistant_turn_seconds_sum") >= s.at("techpulse_assistant_first_delta_seconds_sum"));
  CHECK(s.at("techpulse_assistant_first_delta_seconds_sum") > 0);
  CHECK(s.at("techpulse_assistant_provider_errors_total", "code=provider_error") == 0);
  CHECK(s.at("techpulse_assistant_provider_errors_total", "code=timeout") == 0);
  CHECK(s.at("techpulse_assistant_queue_depth") == 0);
  CHECK(s.at("techpulse_sends_total", "outcome=ok") == 1);
}

TEST_CASE("a lost LISTEN connection is counted as one reconnect and its catch-up by the rows it read", "[metrics]") {
  // A database of its own, so that the LISTEN backend found below is this gateway's.
  const std::string name = "tp_test_metrics_listen";
  const auto url = migrated_database(name);
  Db db(url);
  Db admin(server_url());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  GatewayProcess gw(url);
  auto c = connect_as(gw, user);
  subscribe(*c, thread, "s");
  for (const char* text : {"one", "two"}) {
    db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, $2)", {thread, text});
    REQUIRE(c->recv_until([&](const std::string& f) { return json_str(f, "/message/content") == text; }));
  }
  const auto before = scrape(gw.port());
  const auto listener = admin.scalar(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN tp_chat%' ORDER BY backend_start "
      "DESC LIMIT 1", {name});
  REQUIRE_FALSE(listener.empty());
  // While the listener cannot come back, three rows commit (their NOTIFYs reach no listener of this node): the
  // catch-up after the reconnect reads exactly those.
  struct Reopen {
    Db& admin;
    std::string name;
    ~Reopen() { admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true"); }
  } reopen{admin, name};
  admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  admin.exec("SELECT pg_terminate_backend($1::int)", {listener});
  for (int i = 0; i < 200 && admin.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", {listener}) != "0"; ++i) {
    std::this_thread::sleep_for(10ms);  // waiting for the backend to exit
  }
  for (const char* text : {"three", "four", "five"}) {
    db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, $2)", {thread, text});
  }
  admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  for (const char* text : {"three", "four", "five"}) {
    REQUIRE(c->recv_until([&](const std::string& f) { return json_str(f, "/message/content") == text; }, 20s));
  }
  auto s = scrape_until(gw.port(), [&](const Scrape& x) {
    return x.at("techpulse_listener_catchup_rows_total") - before.at("techpulse_listener_catchup_rows_total") >= 3;
  });
  CHECK(s.at("techpulse_listener_reconnects_total") - before.at("techpulse_listener_reconnects_total") == 1);
  CHECK(s.at("techpulse_listener_catchup_rows_total") - before.at("techpulse_listener_catchup_rows_total") == 3);
}

TEST_CASE("sends that arrive in one read are stored by one statement, and a send alone waits for nothing", "[metrics]") {
  // Issue 18: the sends of one read reach the writer together (gateway/realtime/send_handoff.*), so a burst is one
  // INSERT and one commit, not a statement of one followed by one of the rest.
  Db db(metrics_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  GatewayProcess gw(metrics_db());
  auto c = connect_client(gw, user);
  c.send(subscribe_frame(thread, "s"));
  REQUIRE(json_str(*c.reply("s"), "/type") == "subscribed");

  // One send alone: its statement holds it alone, acked without waiting for company.
  auto before = scrape(gw.port());
  c.send(send_json(thread, "alone", "a0", "alone"));
  auto ack = c.reply("a0");
  REQUIRE(ack);
  REQUIRE(json_str(*ack, "/type") == "ack");
  auto after = scrape(gw.port());
  CHECK(after.at("techpulse_db_writer_batch_size_count") - before.at("techpulse_db_writer_batch_size_count") == 1);
  CHECK(after.at("techpulse_db_writer_batch_size_sum") - before.at("techpulse_db_writer_batch_size_sum") == 1);

  // Eight sends in one write: one statement of eight, acked and delivered in the order sent.
  before = after;
  std::vector<std::string> burst;
  for (int i = 1; i <= 8; ++i) {
    burst.push_back(send_json(thread, "b" + std::to_string(i), "b" + std::to_string(i), "burst-" + std::to_string(i)));
  }
  c.ws->send_together(burst);
  std::vector<std::string> acked, delivered;
  for (int n = 0; n < 64 && (acked.size() < 8 || delivered.size() < 8); ++n) {
    auto f = c.ws->recv(10s);
    REQUIRE(f);
    if (json_str(*f, "/type") == "ack") acked.push_back(json_str(*f, "/ref"));
    if (json_str(*f, "/type") == "message" && json_str(*f, "/message/content") != "alone") {
      delivered.push_back(json_str(*f, "/message/content"));
    }
  }
  const std::vector<std::string> expected = {"b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"};
  CHECK(acked == expected);
  CHECK(delivered == expected);
  after = scrape(gw.port());
  CHECK(after.at("techpulse_db_writer_batch_size_count") - before.at("techpulse_db_writer_batch_size_count") == 1);
  CHECK(after.at("techpulse_db_writer_batch_size_sum") - before.at("techpulse_db_writer_batch_size_sum") == 8);
  CHECK(after.at("techpulse_sends_total", "outcome=ok") == 9);
}
