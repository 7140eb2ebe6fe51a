#pragma once
// A fake OpenAI-compatible server on 127.0.0.1 (HTTP or HTTPS) that speaks the real chat/completions SSE format:
// request n is answered by script[n] (the last entry repeats). For the assistant suites; the LLM is the one part
// that cannot run here.
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace techpulse::test {

inline std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// A fake OpenAI-compatible server: request n is answered by script[n] (the last entry repeats).
class FakeLlm {
 public:
  struct Request {
    std::string head;
    std::string body;
  };
  class Conn {
   public:
    Conn(int fd, SSL* ssl, FakeLlm& owner) : fd_(fd), ssl_(ssl), owner_(owner) {}
    bool write(const std::string& s) {
      size_t off = 0;
      while (off < s.size()) {
        ssize_t n = ssl_ ? SSL_write(ssl_, s.data() + off, static_cast<int>(s.size() - off))
                         : ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
          owner_.peer_closed_ = true;
          return false;
        }
        off += static_cast<size_t>(n);
      }
      return true;
    }
    void status(int code, const std::string& body) {
      write(fmt::format("HTTP/1.1 {} Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                        "Connection: close\r\n\r\n{}",
                        code, body.size(), body));
    }
    void begin_stream() {
      write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    }
    bool event(const std::string& data) {
      std::string ev = "data: " + data + "\n\n";
      return write(fmt::format("{:x}\r\n{}\r\n", ev.size(), ev));
    }
    bool content(const std::string& text) {
      return event(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"fake",)"
                   R"("choices":[{"index":0,"delta":{"content":")" +
                   json_escape(text) + R"("},"finish_reason":null}]})");
    }
    void end_stream() {
      event(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"fake",)"
            R"("choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
      event("[DONE]");
      write("0\r\n\r\n");
    }
    // Streams the pieces with a pause between them.
    void stream(const std::vector<std::string>& pieces, int gap_ms) {
      begin_stream();
      event(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"fake",)"
            R"("choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]})");
      for (const auto& p : pieces) {
        if (!content(p)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
      }
      end_stream();
    }
    // Holds the connection open, silent, until the client closes it or the server stops (at most 60 s).
    void hold() {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!owner_.stop_ && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          char b[256];
          if ((ssl_ ? SSL_read(ssl_, b, sizeof b) : ::recv(fd_, b, sizeof b, 0)) <= 0) {
            owner_.peer_closed_ = true;
            return;
          }
        }
      }
    }

   private:
    int fd_;
    SSL* ssl_;
    FakeLlm& owner_;
  };
  using Handler = std::function<void(Conn&)>;

  // With cert and key (PEM files), the server speaks HTTPS.
  explicit FakeLlm(std::vector<Handler> script, const std::string& cert = {}, const std::string& key = {})
      : script_(std::move(script)) {
    if (!cert.empty()) {
      tls_ = SSL_CTX_new(TLS_server_method());
      if (SSL_CTX_use_certificate_chain_file(tls_, cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(tls_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error("FakeLlm: cannot load the certificate");
      }
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~FakeLlm() {
    stop_ = true;
    accept_thread_.join();
    for (auto& t : conn_threads_) t.join();
    ::close(fd_);
    if (tls_) SSL_CTX_free(tls_);
  }
  std::string base_url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/v1";
  }
  int handshake_failures() const { return handshake_failures_; }
  // Waits (bounded) until at least n TLS handshakes failed: the client gives up (and reports it) before this
  // server's SSL_accept has returned, so the count must be waited for, not read once.
  bool wait_handshake_failures(int n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (handshake_failures_ < n) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  size_t request_count() {
    std::lock_guard<std::mutex> g(mu_);
    return requests_.size();
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }
  bool peer_closed() const { return peer_closed_; }
  // Waits (bounded) until at least n requests arrived.
  bool wait_requests(size_t n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (request_count() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      conn_threads_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        ++handshake_failures_;
        SSL_free(ssl);
        ::close(fd);
        return;
      }
    }
    Request req;
    std::string buf;
    char b[4096];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    size_t head_end = std::string::npos;
    size_t want = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!(ssl && SSL_pending(ssl) > 0)) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
      }
      ssize_t n = ssl ? SSL_read(ssl, b, sizeof b) : ::recv(fd, b, sizeof b, 0);
      if (n <= 0) break;
      buf.append(b, static_cast<size_t>(n));
      if (head_end == std::string::npos && (head_end = buf.find("\r\n\r\n")) != std::string::npos) {
        std::string head = buf.substr(0, head_end);
        std::string lower = head;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto cl = lower.find("content-length:");
        want = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
        req.head = head;
      }
      if (head_end != std::string::npos && buf.size() >= head_end + 4 + want) {
        req.body = buf.substr(head_end + 4, want);
        break;
      }
    }
    size_t index;
    {
      std::lock_guard<std::mutex> g(mu_);
      requests_.push_back(req);
      index = requests_.size() - 1;
    }
    Conn conn(fd, ssl, *this);
    script_[std::min(index, script_.size() - 1)](conn);
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    ::close(fd);
  }

  std::vector<Handler> script_;
  SSL_CTX* tls_ = nullptr;
  std::atomic<int> handshake_failures_{0};
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> peer_closed_{false};
  std::thread accept_thread_;
  std::vector<std::thread> conn_threads_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

}  // namespace techpulse::test
