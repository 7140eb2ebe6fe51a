#include "notify/webhook.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace techpulse::notify {

namespace beast = boost::beast;
namespace http = beast::http;

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

std::string signature_value(std::string_view secret, int64_t timestamp, std::string_view body) {
  std::string signed_payload = fmt::format("{}.", timestamp);
  signed_payload.append(body);
  return fmt::format("t={},v1={}", timestamp, hmac_sha256_hex(secret, signed_payload));
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  url.remove_prefix(scheme.size());
  HttpUrl out;
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.target = std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    out.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos || out.port.size() > 5 ||
        std::stoi(out.port) < 1 || std::stoi(out.port) > 65535) {
      return std::nullopt;
    }
  }
  if (authority.empty()) return std::nullopt;
  out.host = std::string(authority);
  return out;
}

asio::awaitable<PostResult> post_signed(asio::any_io_executor ex, const HttpUrl& url, std::string body,
                                        std::string signature, std::chrono::milliseconds timeout) {
  PostResult out;
  boost::system::error_code ec;
  auto tok = asio::redirect_error(asio::use_awaitable, ec);
  asio::ip::tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, tok);
  if (ec) {
    out.error = "resolve: " + ec.message();
    co_return out;
  }
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoints, tok);
  if (ec) {
    out.error = "connect: " + ec.message();
    co_return out;
  }
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "techpulse-gateway");
  req.set(http::field::content_type, "application/json");
  req.set(kSignatureHeader, signature);
  req.set(http::field::connection, "close");
  req.body() = std::move(body);
  req.prepare_payload();
  co_await http::async_write(stream, req, tok);
  if (ec) {
    out.error = "write: " + ec.message();
    co_return out;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  co_await http::async_read(stream, buf, parser, tok);
  if (ec) {
    out.error = "read: " + ec.message();
    co_return out;
  }
  out.status = static_cast<int>(parser.get().result_int());
  if (!out.ok()) out.error = fmt::format("HTTP {}", out.status);
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  co_return out;
}

}  // namespace techpulse::notify
