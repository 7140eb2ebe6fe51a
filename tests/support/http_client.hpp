#pragma once
// An HTTP/1.1 test client over a real socket to 127.0.0.1 (the HTTP API and attachments). Every read and write is
// bounded by a socket timeout, so a test never hangs on a silent server.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace techpulse::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;  // 0: no response (connection failed, closed or timed out)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// One keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(unsigned short port);
  ~HttpClient();
  HttpResult request(const std::string& method, const std::string& target, const Headers& headers = {},
                     const std::string& body = {});
  // Sends the header (with Content-Length, or chunked when chunked is true) and then the body `piece` bytes at a
  // time, calling between(sent) after each piece; then reads the response.
  HttpResult upload(const std::string& target, const Headers& headers, const std::string& body, size_t piece,
                    const std::function<void(size_t)>& between = {}, bool chunked = false);
  // The server closed the connection (a read returns end of stream within the timeout).
  bool closed_by_server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a connection of its own.
HttpResult http_call(unsigned short port, const std::string& method, const std::string& target,
                     const Headers& headers = {}, const std::string& body = {});

inline Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// The lower-case hex SHA-256 of data.
std::string sha256_hex(const std::string& data);

}  // namespace techpulse::test
