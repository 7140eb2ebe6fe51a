#include "support/http_client.hpp"

#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace techpulse::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResult::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool ok = false;

  explicit Impl(unsigned short port) {
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return;
    timeval tv{15, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ok = true;
  }

  bool write(std::string_view data) {
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(data.data(), data.size()), ec);
    return !ec;
  }

  HttpResult read() {
    HttpResult out;
    http::response_parser<http::string_body> p;
    p.body_limit(64 * 1024 * 1024);
    p.skip(false);
    boost::system::error_code ec;
    http::read(socket, buffer, p, ec);
    if (ec) return out;
    const auto& res = p.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
  }

  std::string head(const std::string& method, const std::string& target, const Headers& headers) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    return req;
  }
};

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target, const Headers& headers,
                               const std::string& body) {
  if (!impl_->ok) return {};
  std::string req = impl_->head(method, target, headers);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!impl_->write(req)) return {};
  // HEAD answers carry a Content-Length but no body.
  if (method == "HEAD") {
    http::response_parser<http::empty_body> p;
    p.skip(true);
    boost::system::error_code ec;
    http::read_header(impl_->socket, impl_->buffer, p, ec);
    HttpResult out;
    if (ec) return out;
    out.status = static_cast<int>(p.get().result_int());
    for (const auto& f : p.get()) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    return out;
  }
  return impl_->read();
}

HttpResult HttpClient::upload(const std::string& target, const Headers& headers, const std::string& body, size_t piece,
                              const std::function<void(size_t)>& between, bool chunked) {
  if (!impl_->ok) return {};
  std::string req = impl_->head("POST", target, headers);
  req += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!impl_->write(req)) return impl_->read();
  for (size_t sent = 0; sent < body.size();) {
    size_t n = std::min(piece, body.size() - sent);
    std::string_view part(body.data() + sent, n);
    bool wrote = true;
    if (chunked) {
      char size_line[32];
      snprintf(size_line, sizeof size_line, "%zx\r\n", n);
      wrote = impl_->write(size_line) && impl_->write(part) && impl_->write("\r\n");
    } else {
      wrote = impl_->write(part);
    }
    // A server that refused midway answers and closes: read what it said.
    if (!wrote) return impl_->read();
    sent += n;
    if (between) between(sent);
  }
  if (chunked) impl_->write("0\r\n\r\n");
  return impl_->read();
}

bool HttpClient::closed_by_server() {
  char c;
  boost::system::error_code ec;
  impl_->socket.read_some(asio::buffer(&c, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

HttpResult http_call(unsigned short port, const std::string& method, const std::string& target,
                     const Headers& headers, const std::string& body) {
  HttpClient c(port);
  return c.request(method, target, headers, body);
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace techpulse::test
