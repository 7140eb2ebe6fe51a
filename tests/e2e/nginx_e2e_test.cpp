// Several nodes behind a real nginx (Debian's, unprivileged) with deploy/nginx/techpulse.conf: clients spread over
// three gateways on one PostgreSQL receive every message of their threads exactly once; a node stopped with SIGTERM
// loses none of its clients' messages, which reconnect through nginx with `since`.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/nginx_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using Clock = std::chrono::steady_clock;

namespace {

struct Client {
  std::string user, thread, session;
  std::unique_ptr<WsClient> ws;
  std::map<std::string, int> seen;  // message id -> times received
  long long last = 0;               // highest cursor received
  std::set<std::string> unacked;    // client_msg_ids sent, not acked yet
  int sent = 0;
};

// Connects through nginx and subscribes to the client's thread from its last cursor.
void connect(Client& c, unsigned short port, bool with_since) {
  c.ws = WsClient::connect(port, make_token(c.user));
  REQUIRE(c.ws);
  auto welcome = c.ws->recv_type("welcome");
  REQUIRE(welcome);
  c.session = json_str(*welcome, "/session_id");
  c.ws->send(subscribe_frame(c.thread, "sub", with_since ? std::to_string(c.last) : std::string()));
}

// Handles one frame; returns false when the connection is closed.
bool pump(Client& c, std::chrono::milliseconds wait) {
  auto f = c.ws->recv(wait);
  if (!f) return !c.ws->closed();
  auto type = json_str(*f, "/type");
  if (type == "message") {
    ++c.seen[json_str(*f, "/message/id")];
    c.last = std::max(c.last, std::stoll(json_str(*f, "/cursor")));
  } else if (type == "ack") {
    c.unacked.erase(json_str(*f, "/ref"));
  } else if (type == "error") {
    FAIL_CHECK("error frame on " << c.session << ": " << *f);
  }
  return true;
}

void send_some(Client& c, int n) {
  for (int i = 0; i < n; ++i) {
    std::string id = c.session.substr(0, 8) + "-" + std::to_string(c.sent++);
    c.unacked.insert(id);
    c.ws->send(send_frame(c.thread, "through nginx " + id, id, id));
  }
}

// Pumps every open client until `done` holds or the deadline passes.
template <class Done>
bool pump_until(std::vector<Client>& clients, Done done, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    for (auto& c : clients) {
      if (c.ws && !c.ws->closed()) pump(c, std::chrono::milliseconds(5));
    }
  }
  return done();
}

std::set<std::string> thread_messages(Db& db, const std::string& thread) {
  std::set<std::string> out;
  for (auto& row : db.exec("SELECT id::text FROM chat_messages WHERE thread_id = $1", {thread})) out.insert(*row[0]);
  return out;
}

// True when every client has seen every message of its thread (and nothing else).
bool complete(std::vector<Client>& clients, Db& db) {
  std::map<std::string, std::set<std::string>> by_thread;
  for (auto& c : clients) {
    if (!by_thread.count(c.thread)) by_thread[c.thread] = thread_messages(db, c.thread);
    const auto& want = by_thread[c.thread];
    if (c.seen.size() != want.size()) return false;
    for (const auto& id : want) {
      if (!c.seen.count(id)) return false;
    }
  }
  return true;
}

void check_exactly_once(std::vector<Client>& clients, Db& db) {
  for (auto& c : clients) {
    auto want = thread_messages(db, c.thread);
    INFO("client on session " << c.session << ", thread " << c.thread);
    CHECK(c.seen.size() == want.size());
    for (const auto& [id, times] : c.seen) {
      INFO("message " << id);
      CHECK(times == 1);
      CHECK(want.count(id) == 1);
    }
  }
}

// Which node (index into gws) each client's session was opened on, from the nodes' session_open log lines.
std::vector<int> node_of(const std::vector<Client>& clients, const std::vector<std::unique_ptr<GatewayProcess>>& gws) {
  std::vector<int> out(clients.size(), -1);
  for (size_t n = 0; n < gws.size(); ++n) {
    auto log = read_file(gws[n]->log_path());
    for (size_t i = 0; i < clients.size(); ++i) {
      if (!log_events(log, "session_open", {{"session", clients[i].session}}).empty()) out[i] = static_cast<int>(n);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("nginx -t accepts deploy/nginx/techpulse.conf and refuses a broken copy", "[nginx]") {
  if (NginxProcess::binary().empty()) FAIL("nginx is not installed: deploy/deps.sh installs nginx-light");
  NginxProcess nginx(free_port(), {free_port(), free_port(), free_port()});
  auto r = nginx.test_config();
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("syntax is ok") != std::string::npos);
  CHECK(r.output.find("test is successful") != std::string::npos);

  // The control: the same check fails on a config with a typo, so the test above can fail.
  std::string conf = read_file(nginx.dir() + "/nginx.conf");
  auto pos = conf.find("least_conn;");
  REQUIRE(pos != std::string::npos);
  conf.replace(pos, 11, "least_conns;");
  { std::ofstream(nginx.dir() + "/nginx.conf", std::ios::trunc) << conf; }
  auto broken = nginx.test_config();
  INFO(broken.output);
  CHECK(broken.exit_code != 0);
  CHECK(broken.output.find("least_conns") != std::string::npos);
}

TEST_CASE("three nodes behind nginx: every message once to every client; a node stopped with SIGTERM loses nothing",
          "[nginx][database]") {
  auto url = migrated_database("tp_test_nginx");
  Db db(url);
  constexpr int kThreads = 3, kClientsPerThread = 3, kSends = 5;
  std::vector<std::pair<std::string, std::string>> owners;
  for (int t = 0; t < kThreads; ++t) {
    auto u = make_profile(db);
    owners.emplace_back(u, make_thread(db, u));
  }
  std::vector<std::unique_ptr<GatewayProcess>> gws;
  std::vector<unsigned short> ports;
  for (int n = 0; n < 3; ++n) {
    // Behind a proxy every connection comes from nginx's address: the per-client cap is nginx's limit_conn.
    gws.push_back(std::make_unique<GatewayProcess>(url, std::map<std::string, std::string>{
                                                            {"TECHPULSE_MAX_CONNECTIONS_PER_IP", "0"}}));
    ports.push_back(gws.back()->port());
  }
  NginxProcess nginx(free_port(), ports);
  nginx.start();

  std::vector<Client> clients(kThreads * kClientsPerThread);
  for (size_t i = 0; i < clients.size(); ++i) {
    clients[i].user = owners[i % kThreads].first;
    clients[i].thread = owners[i % kThreads].second;
    connect(clients[i], nginx.port(), false);
  }
  // Every subscription confirmed before anything is sent.
  for (auto& c : clients) REQUIRE(c.ws->recv_type("subscribed", 5s, "sub"));

  // least_conn spread the long-lived connections over every node.
  auto nodes = node_of(clients, gws);
  std::map<int, int> per_node;
  for (int n : nodes) ++per_node[n];
  INFO("clients per node: " << per_node[0] << " " << per_node[1] << " " << per_node[2] << " unknown " << per_node[-1]);
  REQUIRE(per_node[-1] == 0);
  REQUIRE(per_node[0] > 0);
  REQUIRE(per_node[1] > 0);
  REQUIRE(per_node[2] > 0);

  // Phase 1: every client sends; everyone receives every message of its thread, sent on any node, once.
  for (auto& c : clients) send_some(c, kSends);
  auto all_acked = [&] {
    for (auto& c : clients) {
      if (!c.unacked.empty()) return false;
    }
    return true;
  };
  REQUIRE(pump_until(clients, all_acked, 20s));
  REQUIRE(pump_until(clients, [&] { return complete(clients, db); }, 20s));
  for (const auto& [thread_owner, thread] : owners) CHECK(thread_messages(db, thread).size() == kSends * kClientsPerThread);

  // Phase 2: the node with the most clients is stopped with SIGTERM. Its clients are closed (1001) after the drain.
  int victim = per_node[0] >= per_node[1] && per_node[0] >= per_node[2] ? 0 : per_node[1] >= per_node[2] ? 1 : 2;
  REQUIRE(gws[victim]->terminate() == 0);
  std::vector<size_t> moved;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (nodes[i] != victim) continue;
    moved.push_back(i);
    auto& c = clients[i];
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && pump(c, 50ms)) {
    }
    INFO("client " << i);
    REQUIRE(c.ws->closed());
    CHECK(c.ws->close_code() == 1001);
    c.ws.reset();
  }
  REQUIRE(!moved.empty());

  // While they are away, the clients on the other nodes send more (all acked: committed during the outage).
  for (auto& c : clients) {
    if (c.ws) send_some(c, kSends);
  }
  REQUIRE(pump_until(clients, all_acked, 20s));

  // They reconnect through the same nginx address, which skips the stopped node, and resume with `since`.
  INFO("nginx error log after the stop: " << nginx.error_log());
  for (size_t i : moved) connect(clients[i], nginx.port(), true);
  for (size_t i : moved) REQUIRE(clients[i].ws->recv_until([&](const std::string& f) {
    if (json_str(f, "/type") == "message") {
      ++clients[i].seen[json_str(f, "/message/id")];
      clients[i].last = std::max(clients[i].last, std::stoll(json_str(f, "/cursor")));
    }
    return json_str(f, "/type") == "subscribed";
  }));
  auto after = node_of(clients, gws);
  for (size_t i : moved) {
    INFO("moved client " << i);
    CHECK(after[i] != victim);
    CHECK(after[i] >= 0);
  }
  // And they send again, now from a surviving node.
  for (size_t i : moved) send_some(clients[i], kSends);
  REQUIRE(pump_until(clients, all_acked, 20s));
  REQUIRE(pump_until(clients, [&] { return complete(clients, db); }, 20s));
  // Every client sent twice: once before the stop, once after (the moved ones from their new node).
  for (const auto& [thread_owner, thread] : owners) {
    CHECK(thread_messages(db, thread).size() == static_cast<size_t>(kSends * kClientsPerThread * 2));
  }
  // Before the exactly-once check, one round trip per connection (threads.list) so that whatever the node had queued
  // for it by then (a duplicate would be) has been read.
  for (auto& c : clients) {
    c.ws->send(R"({"type":"threads.list","ref":"sync","limit":1})");
    REQUIRE(c.ws->recv_until([&](const std::string& f) {
      if (json_str(f, "/type") == "message") ++c.seen[json_str(f, "/message/id")];
      return json_str(f, "/ref") == "sync";
    }));
  }
  check_exactly_once(clients, db);
}
