#pragma once
// A webhook receiver on 127.0.0.1 speaking real HTTP/1.1: it reads each POST (headers, Content-Length body), keeps
// it, and answers with the next status of its script (the last one repeats). The remote receiver (an SMS or email
// relay) is the part that cannot run here; this is it, on the wire the gateway really speaks.
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace techpulse::test {

class WebhookReceiver {
 public:
  struct Request {
    std::string method, target;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& name) const {
      for (const auto& [k, v] : headers) {
        if (k == name) return v;
      }
      return {};
    }
  };

  explicit WebhookReceiver(std::vector<int> statuses = {200}) : statuses_(std::move(statuses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
      throw std::runtime_error("webhook receiver: bind/listen failed");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string url(const std::string& path = "/hooks/techpulse") const {
    return fmt::format("http://127.0.0.1:{}{}", port_, path);
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> g(m_);
    return requests_;
  }
  // Waits (bounded) until a request satisfies pred; returns it.
  std::optional<Request> wait_for(const std::function<bool(const Request&)>& pred,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::unique_lock<std::mutex> g(m_);
    std::optional<Request> found;
    cv_.wait_for(g, timeout, [&] {
      for (const auto& r : requests_) {
        if (pred(r)) {
          found = r;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Waits (bounded) until at least n requests came; returns how many there are.
  size_t wait_count(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::unique_lock<std::mutex> g(m_);
    cv_.wait_for(g, timeout, [&] { return requests_.size() >= n; });
    return requests_.size();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string in;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    size_t head_end = std::string::npos, need = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        auto lower = in.substr(0, head_end);
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        auto cl = lower.find("content-length:");
        need = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
      }
      if (in.size() >= head_end + 4 + need) break;
    }
    if (head_end == std::string::npos || in.size() < head_end + 4 + need) return;
    Request r;
    std::string head = in.substr(0, head_end);
    size_t eol = head.find("\r\n");
    std::string line = head.substr(0, eol);
    r.method = line.substr(0, line.find(' '));
    r.target = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
    size_t pos = eol == std::string::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string h = head.substr(pos, e - pos);
      auto colon = h.find(':');
      if (colon != std::string::npos) {
        std::string k = h.substr(0, colon), v = h.substr(colon + 1);
        std::transform(k.begin(), k.end(), k.begin(), ::tolower);
        v.erase(0, v.find_first_not_of(' '));
        r.headers.emplace_back(k, v);
      }
      pos = e + 2;
    }
    r.body = in.substr(head_end + 4, need);
    int status;
    {
      std::lock_guard<std::mutex> g(m_);
      status = statuses_[std::min(requests_.size(), statuses_.size() - 1)];
      requests_.push_back(std::move(r));
    }
    std::string body = status < 300 ? "{\"ok\":true}" : "{\"error\":\"try later\"}";
    std::string resp = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                                   "Connection: close\r\n\r\n{}",
                                   status, status < 300 ? "OK" : "Internal Server Error", body.size(), body);
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    cv_.notify_all();
  }

  std::vector<int> statuses_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
};

}  // namespace techpulse::test
