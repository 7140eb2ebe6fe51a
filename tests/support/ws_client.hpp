#pragma once
// A WebSocket test client over real sockets. Every wait is bounded by a timeout.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace techpulse::test {

using namespace std::chrono_literals;

struct ConnectResult;

class WsClient {
 public:
  ~WsClient();
  // Connects to ws://127.0.0.1:port/v1/ws?access_token=token. On refusal returns nullptr and sets status/body.
  // rcvbuf > 0 sets SO_RCVBUF before connecting (a client that does not read then backs up quickly).
  static std::unique_ptr<WsClient> connect(unsigned short port, const std::string& token, int* http_status = nullptr,
                                           std::string* body = nullptr, const std::string& subprotocol = {},
                                           int rcvbuf = 0);

  void send(const std::string& text);
  void send_binary(const std::string& data);
  // Several text frames in one write to the socket (masked, as a client's are), so the server reads them together.
  void send_together(const std::vector<std::string>& texts);
  // The next frame, or nullopt on timeout or close.
  std::optional<std::string> recv(std::chrono::milliseconds timeout = 5s);
  // Reads frames until one satisfies pred (returned); others are dropped. nullopt on timeout or close.
  std::optional<std::string> recv_until(const std::function<bool(const std::string&)>& pred,
                                        std::chrono::milliseconds timeout = 5s);
  // Frames of type `type` (and, when given, with "ref":ref).
  std::optional<std::string> recv_type(const std::string& type, std::chrono::milliseconds timeout = 5s,
                                       const std::string& ref = {});
  bool closed() const;
  // The close code the server sent (0 if none).
  int close_code() const;
  // The reason of the server's close frame; without one, the read error that ended the connection.
  std::string close_reason() const;
  const std::string& negotiated_subprotocol() const;
  void close();

 private:
  WsClient();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A raw HTTP request (for /healthz, /readyz and refused upgrades): returns the status and sets body.
int http_get(unsigned short port, const std::string& target, std::string* body = nullptr,
             const std::string& extra_headers = {});

// Small JSON helpers for assertions (simdjson under the hood).
std::string json_str(const std::string& json, const std::string& pointer);  // e.g. "/message/content"; "" if absent
bool json_bool(const std::string& json, const std::string& pointer);
bool json_has(const std::string& json, const std::string& pointer);

}  // namespace techpulse::test
