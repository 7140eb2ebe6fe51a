#include "support/chat_helpers.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/pg_support.hpp"

namespace techpulse::test {

std::string subscribe_frame(const std::string& thread, const std::string& ref, const std::string& since) {
  std::string f = R"({"type":"subscribe","ref":")" + ref + R"(","topic":"thread:)" + thread + "\"";
  if (!since.empty()) f += R"(,"since":")" + since + "\"";
  return f + "}";
}

std::string send_frame(const std::string& thread, const std::string& content, const std::string& ref,
                       const std::string& client_msg_id) {
  std::string f = R"({"type":"send","ref":")" + ref + R"(","thread_id":")" + thread + R"(","content":")" + content + "\"";
  if (!client_msg_id.empty()) f += R"(,"client_msg_id":")" + client_msg_id + "\"";
  return f + "}";
}

std::unique_ptr<WsClient> connect_as(const GatewayProcess& gw, const std::string& user, const std::string& role) {
  auto c = WsClient::connect(gw.port(), gw.token(user, role));
  REQUIRE(c);
  auto welcome = c->recv_type("welcome");
  REQUIRE(welcome);
  CHECK(json_str(*welcome, "/user_id") == user);
  return c;
}

void subscribe(WsClient& c, const std::string& thread, const std::string& ref) {
  c.send(subscribe_frame(thread, ref));
  auto r = c.recv_until([&](const std::string& f) { return json_str(f, "/ref") == ref; });
  REQUIRE(r);
  REQUIRE(json_str(*r, "/type") == "subscribed");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_gets(const std::string& path, const std::string& needle, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (read_file(path).find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace techpulse::test
