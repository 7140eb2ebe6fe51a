// Native TLS through the real binary (--tls-cert, --tls-key), with self-signed certificates the test makes with the
// openssl command: auth, subscribe, send and receive over wss:// (a large frame, a burst sharing TLS records);
// /healthz, /readyz and the web app over https://;
// plain ws:// and http:// to the TLS listener fail cleanly and the gateway keeps serving; a SIGHUP with a new
// certificate gives new connections the new one while an open wss session keeps working, and a bad one on reload
// keeps the old; bad certificate files fail the start and `check`, naming the setting.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/pg_support.hpp"
#include "support/process.hpp"
#include "support/ws_client.hpp"
#include "support/wss_client.hpp"

using namespace techpulse::test;

namespace {

// A directory of certificates for one test case, removed after it.
struct CertDir {
  std::string dir;
  CertDir() : dir("/tmp/techpulse-tls-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(free_port())) {
    std::filesystem::create_directories(dir);
  }
  ~CertDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return dir + "/" + name; }
  // Makes a certificate and key named `name` (name.crt, name.key); REQUIREs that openssl succeeded.
  void make(const std::string& name) const {
    std::string out;
    INFO(out);
    REQUIRE(make_self_signed(path(name + ".crt"), path(name + ".key"), "techpulse-test-" + name, &out));
  }
};

void copy_file(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

std::map<std::string, std::string> tls_env(const std::string& cert, const std::string& key) {
  return {{"TECHPULSE_TLS_CERT", cert}, {"TECHPULSE_TLS_KEY", key}};
}

std::unique_ptr<WssClient> wss_as(const GatewayProcess& gw, const std::string& user, const std::string& ca) {
  std::string error;
  auto c = WssClient::connect(gw.port(), gw.token(user), ca, &error);
  INFO(error);
  REQUIRE(c);
  auto welcome = c->recv_type("welcome");
  REQUIRE(welcome);
  CHECK(json_str(*welcome, "/user_id") == user);
  return c;
}

void wss_subscribe(WssClient& c, const std::string& thread, const std::string& ref) {
  c.send(subscribe_frame(thread, ref));
  auto r = c.recv_type("subscribed", 5s, ref);
  REQUIRE(r);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The sender's side of a send: its ack and its own copy of the message arrive in either order. Returns the message.
std::string sent(WssClient& c, const std::string& ref) {
  bool acked = false;
  std::optional<std::string> message;
  for (int i = 0; i < 20 && !(acked && message); ++i) {
    auto f = c.recv();
    REQUIRE(f);
    auto type = json_str(*f, "/type");
    if (type == "ack" && json_str(*f, "/ref") == ref) acked = true;
    if (type == "message") message = f;
  }
  REQUIRE(acked);
  REQUIRE(message);
  return *message;
}

}  // namespace

TEST_CASE("wss: auth, subscribe, send and receive; https: /healthz, /readyz and the web app", "[tls]") {
  auto url = migrated_database("tp_tls_e2e");
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  CertDir certs;
  certs.make("a");
  GatewayProcess gw(url, tls_env(certs.path("a.crt"), certs.path("a.key")));
  const auto ca = certs.path("a.crt");

  auto health = https_get(gw.port(), "/healthz", ca);
  INFO(health.error);
  CHECK(health.status == 200);
  CHECK(json_str(health.body, "/status") == "ok");
  CHECK(health.fingerprint == pem_fingerprint(ca));
  auto ready = https_get(gw.port(), "/readyz", ca);
  CHECK(ready.status == 200);
  CHECK(json_str(ready.body, "/status") == "ready");
  auto page = https_get(gw.port(), "/", ca);
  CHECK(page.status == 200);
  CHECK(contains(page.body, "<html"));

  // An upgrade whose admission fails is refused over TLS as over plain: 401 for a token whose sub has no profile.
  std::string refused;
  CHECK_FALSE(WssClient::connect(gw.port(), gw.token(random_uuid()), ca, &refused));
  CHECK(contains(refused, "HTTP 401"));

  auto a = wss_as(gw, user, ca);
  auto b = wss_as(gw, user, ca);
  CHECK((a->tls_version() == "TLSv1.3" || a->tls_version() == "TLSv1.2"));
  wss_subscribe(*a, thread, "sa");
  wss_subscribe(*b, thread, "sb");
  a->send(send_frame(thread, "over wss", "m1", random_uuid()));
  CHECK(json_str(sent(*a, "m1"), "/message/content") == "over wss");
  auto m1 = b->recv_type("message");
  REQUIRE(m1);
  CHECK(json_str(*m1, "/message/content") == "over wss");
  // A large frame (several TLS records) arrives whole.
  std::string big(50000, 'x');
  a->send(send_frame(thread, big, "m2", random_uuid()));
  CHECK(json_str(sent(*a, "m2"), "/message/content") == big);
  auto m2 = b->recv_type("message");
  REQUIRE(m2);
  CHECK(json_str(*m2, "/message/content") == big);
  // A burst: the gateway writes what queues for a wss connection as one TLS record of up to 16 KiB per write, so
  // frames that share a record, a frame split over records and the record after it must come out as they went in.
  std::vector<std::string> contents;
  for (int i = 0; i < 60; ++i) {
    contents.push_back(i == 30 ? std::string(40000, 'b') : "burst " + std::to_string(i) + std::string(300, '.'));
    a->send(send_frame(thread, contents.back(), "b" + std::to_string(i), random_uuid()));
  }
  for (int i = 0; i < 60; ++i) {
    auto m = b->recv_type("message", 10s);
    REQUIRE(m);
    CHECK(json_str(*m, "/message/content") == contents[i]);
  }
}

TEST_CASE("plain ws:// and http:// to the TLS listener fail cleanly and the gateway keeps serving", "[tls]") {
  auto url = migrated_database("tp_tls_e2e");
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  CertDir certs;
  certs.make("a");
  GatewayProcess gw(url, tls_env(certs.path("a.crt"), certs.path("a.key")));
  const auto ca = certs.path("a.crt");
  auto open = wss_as(gw, user, ca);
  wss_subscribe(*open, thread, "s");

  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(WsClient::connect(gw.port(), gw.token(user)));
    CHECK(http_get(gw.port(), "/healthz") == 0);  // no HTTP response: the connection was closed
  }
  CHECK(wait_log_event(gw.log_path(), "tls_handshake_failed"));
  // A TLS client that trusts another certificate fails its own handshake; the server is unharmed.
  certs.make("other");
  CHECK(https_get(gw.port(), "/healthz", certs.path("other.crt")).status == 0);

  CHECK(::kill(gw.pid(), 0) == 0);
  CHECK(https_get(gw.port(), "/healthz", ca).status == 200);
  auto fresh = wss_as(gw, user, ca);
  fresh->send(send_frame(thread, "still serving", "m", random_uuid()));
  REQUIRE(fresh->recv_type("ack", 5s, "m"));  // not subscribed: only the ack
  auto m = open->recv_type("message");
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == "still serving");
}

TEST_CASE("SIGHUP reloads the certificate for new connections and keeps the open ones", "[tls]") {
  auto url = migrated_database("tp_tls_e2e");
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  CertDir certs;
  certs.make("a");
  certs.make("b");
  // The gateway reads live.crt/live.key: a renewal replaces the files at the same paths.
  copy_file(certs.path("a.crt"), certs.path("live.crt"));
  copy_file(certs.path("a.key"), certs.path("live.key"));
  GatewayProcess gw(url, tls_env(certs.path("live.crt"), certs.path("live.key")));
  const auto fp_a = pem_fingerprint(certs.path("a.crt"));
  const auto fp_b = pem_fingerprint(certs.path("b.crt"));
  REQUIRE(fp_a != fp_b);

  auto old_session = wss_as(gw, user, certs.path("a.crt"));
  CHECK(old_session->peer_fingerprint() == fp_a);
  wss_subscribe(*old_session, thread, "s-old");

  copy_file(certs.path("b.crt"), certs.path("live.crt"));
  copy_file(certs.path("b.key"), certs.path("live.key"));
  REQUIRE(::kill(gw.pid(), SIGHUP) == 0);
  REQUIRE(wait_log_event(gw.log_path(), "tls_reloaded"));

  auto new_session = wss_as(gw, user, certs.path("b.crt"));
  CHECK(new_session->peer_fingerprint() == fp_b);
  CHECK(https_get(gw.port(), "/healthz", certs.path("b.crt")).fingerprint == fp_b);
  // A client that trusts only the old certificate cannot connect any more.
  CHECK(https_get(gw.port(), "/healthz", certs.path("a.crt")).status == 0);

  // The session from before the reload still sends and receives.
  wss_subscribe(*new_session, thread, "s-new");
  old_session->send(send_frame(thread, "sent on the old session", "m1", random_uuid()));
  CHECK(json_str(sent(*old_session, "m1"), "/message/content") == "sent on the old session");
  auto m1 = new_session->recv_type("message");
  REQUIRE(m1);
  CHECK(json_str(*m1, "/message/content") == "sent on the old session");
  new_session->send(send_frame(thread, "sent on the new session", "m2", random_uuid()));
  CHECK(json_str(sent(*new_session, "m2"), "/message/content") == "sent on the new session");
  auto m = old_session->recv_type("message");
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == "sent on the new session");

  // A bad certificate on reload: an error is logged and new connections keep getting b.
  { std::ofstream(certs.path("live.crt")) << "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"; }
  REQUIRE(::kill(gw.pid(), SIGHUP) == 0);
  CHECK(wait_log_event(gw.log_path(), "tls_reload_failed"));
  auto after_bad = https_get(gw.port(), "/healthz", certs.path("b.crt"));
  CHECK(after_bad.status == 200);
  CHECK(after_bad.fingerprint == fp_b);
  CHECK(::kill(gw.pid(), 0) == 0);
}

TEST_CASE("bad certificate files fail the start and check, naming the setting", "[tls]") {
  CertDir certs;
  certs.make("a");
  certs.make("b");
  { std::ofstream(certs.path("garbage.pem")) << "this is not PEM\n"; }
  const std::map<std::string, std::string> base = {
      {"TECHPULSE_JWT_SECRET", kTestSecret},
      {"TECHPULSE_LISTEN", "127.0.0.1:" + std::to_string(free_port())},
      {"TECHPULSE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1"}};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), gateway_binary());
    return run_process(args, base, std::chrono::seconds(20));
  };
  SECTION("a missing certificate") {
    auto r = run({"serve", "--tls-cert", certs.path("missing.crt"), "--tls-key", certs.path("a.key")});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--tls-cert " + certs.path("missing.crt") + ": cannot be read"));
  }
  SECTION("a certificate that is not PEM") {
    auto r = run({"serve", "--tls-cert", certs.path("garbage.pem"), "--tls-key", certs.path("a.key")});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--tls-cert " + certs.path("garbage.pem") + ": not a PEM certificate"));
  }
  SECTION("a key of another certificate") {
    auto r = run({"serve", "--tls-cert", certs.path("a.crt"), "--tls-key", certs.path("b.key")});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--tls-key " + certs.path("b.key") + ": does not match the certificate"));
  }
  SECTION("a certificate without a key") {
    auto r = run({"serve", "--tls-cert", certs.path("a.crt")});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--tls-cert is set without --tls-key"));
  }
  SECTION("check validates the files before the database") {
    auto bad = run({"check", "--tls-cert", certs.path("a.crt"), "--tls-key", certs.path("garbage.pem")});
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.output, "--tls-key " + certs.path("garbage.pem") + ": not an unencrypted PEM private key"));
    // Good files: check goes on to the (unreachable) database.
    auto good = run({"check", "--tls-cert", certs.path("a.crt"), "--tls-key", certs.path("a.key")});
    CHECK(good.exit_code == 1);
    CHECK(contains(good.output, "check: configuration ok"));
  }
}
