#pragma once
// The assistant suites' client side: a WebSocket client that keeps the frames it skipped, subscribing and sending,
// reading one assistant turn (with a late joiner's assistant.snapshot), the gateway's environment for a fake
// OpenAI-compatible server.
#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_llm.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

namespace techpulse::test::assistant {

using namespace std::chrono_literals;

inline std::map<std::string, std::string> openai_env(const FakeLlm& llm, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {{"TECHPULSE_AI_PROVIDER", "openai"},
                                            {"TECHPULSE_AI_BASE_URL", llm.base_url()},
                                            {"TECHPULSE_AI_MODEL", "fake-model"},
                                            {"TECHPULSE_AI_API_KEY", "sk-test-do-not-log-0123"},
                                            {"TECHPULSE_AI_TIMEOUT_MS", "5000"},
                                            {"TECHPULSE_AI_WORKERS", "2"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// A WebSocket client that keeps the frames it skipped while waiting for a reply (a fast turn's events can arrive
// before the send's ack), so a later read still sees them.
class Client {
 public:
  explicit Client(std::unique_ptr<WsClient> ws) : ws_(std::move(ws)) {}
  void send(const std::string& text) { ws_->send(text); }
  std::optional<std::string> recv(std::chrono::milliseconds timeout) {
    if (!stash_.empty()) {
      auto f = std::move(stash_.front());
      stash_.pop_front();
      return f;
    }
    return ws_->recv(timeout);
  }
  // The first frame satisfying pred; frames before it are kept for later reads.
  std::optional<std::string> wait_for(const std::function<bool(const std::string&)>& pred,
                                      std::chrono::milliseconds timeout) {
    for (auto it = stash_.begin(); it != stash_.end(); ++it) {
      if (pred(*it)) {
        auto f = std::move(*it);
        stash_.erase(it);
        return f;
      }
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto f = ws_->recv(left);
      if (!f) return std::nullopt;
      if (pred(*f)) return f;
      stash_.push_back(std::move(*f));
    }
    return std::nullopt;
  }
  // The first frame satisfying pred; frames before it are dropped.
  std::optional<std::string> recv_until(const std::function<bool(const std::string&)>& pred,
                                        std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto f = recv(left);
      if (!f) return std::nullopt;
      if (pred(*f)) return f;
    }
    return std::nullopt;
  }
  std::optional<std::string> recv_type(const std::string& type, std::chrono::milliseconds timeout,
                                       const std::string& ref = {}) {
    return recv_until(
        [&](const std::string& f) { return json_str(f, "/type") == type && (ref.empty() || json_str(f, "/ref") == ref); },
        timeout);
  }

 private:
  std::unique_ptr<WsClient> ws_;
  std::deque<std::string> stash_;
};

inline std::unique_ptr<Client> connect_as(const GatewayProcess& gw, const std::string& user) {
  auto ws = WsClient::connect(gw.port(), gw.token(user));
  REQUIRE(ws);
  REQUIRE(ws->recv_type("welcome"));
  return std::make_unique<Client>(std::move(ws));
}

inline void subscribe(Client& c, const std::string& thread, const std::string& ref = "s") {
  c.send(R"({"type":"subscribe","ref":")" + ref + R"(","topic":"thread:)" + thread + "\"}");
  auto r = c.wait_for([&](const std::string& f) { return json_str(f, "/ref") == ref; }, 5s);
  REQUIRE(r);
  REQUIRE(json_str(*r, "/type") == "subscribed");
}

// Sends a user message and returns its id (from the ack).
inline std::string send(Client& c, const std::string& thread, const std::string& content, const std::string& ref) {
  c.send(R"({"type":"send","ref":")" + ref + R"(","thread_id":")" + thread + R"(","content":")" + content + "\"}");
  auto ack = c.wait_for([&](const std::string& f) { return json_str(f, "/type") == "ack" && json_str(f, "/ref") == ref; },
                        10s);
  REQUIRE(ack);
  return json_str(*ack, "/message_id");
}

struct Turn {
  std::string snapshot;  // assistant.snapshot, when the reader joined mid-turn (its text comes before the deltas)
  std::string start;
  std::vector<std::string> deltas;  // texts, in arrival order
  std::vector<int> indexes;
  std::string end;  // assistant.done or assistant.error
  std::string assistant_message;  // the `message` frame of the stored reply, if it came before `end`
  std::string text() const {
    std::string s = snapshot.empty() ? std::string() : json_str(snapshot, "/text");
    for (auto& d : deltas) s += d;
    return s;
  }
};

// Reads one turn of a thread: [assistant.snapshot] assistant.start ... assistant.done / assistant.error (bounded).
inline Turn read_turn(Client& c, const std::string& thread, std::chrono::milliseconds timeout = 20s) {
  Turn t;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = c.recv(left);
    if (!f) break;
    auto type = json_str(*f, "/type");
    if (type == "message" && json_str(*f, "/message/role") == "assistant") t.assistant_message = *f;
    if (type.rfind("assistant.", 0) != 0 || json_str(*f, "/thread_id") != thread) continue;
    if (type == "assistant.start") {
      const std::string& seen = t.start.empty() ? t.snapshot : t.start;
      if (!seen.empty() && json_str(*f, "/turn_id") == json_str(seen, "/turn_id")) {
        t.snapshot.clear();  // the turn was restarted by another worker
        t.deltas.clear();
        t.indexes.clear();
      }
      t.start = *f;
    } else if (type == "assistant.snapshot") {
      t.snapshot = *f;
    } else if (type == "assistant.delta") {
      t.deltas.push_back(json_str(*f, "/text"));
      t.indexes.push_back(std::stoi(json_str(*f, "/index")));
    } else {
      t.end = *f;
      break;
    }
  }
  return t;
}

inline int count_assistant_messages(Db& db, const std::string& thread) {
  return std::stoi(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1 AND role = 'assistant'", {thread}));
}


}  // namespace techpulse::test::assistant
