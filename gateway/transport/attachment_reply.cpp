#include "gateway/transport/attachment_reply.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <chrono>

#include "gateway/jwt.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "protocol/json_writer.hpp"

namespace techpulse::gateway::attachment_http {

namespace asio = boost::asio;
namespace http = boost::beast::http;

Refusal refusal(http::status status, std::string_view code, std::string message) {
  return Refusal{status, code, std::move(message)};
}

asio::awaitable<std::variant<realtime::Identity, Refusal>> caller(realtime::Services& svc,
                                                                 const http::request_header<>& h) {
  using R = std::variant<realtime::Identity, Refusal>;
  auto token = find_token(h).token;
  if (token.empty()) co_return R{refusal(http::status::unauthorized, "unauthorized", "an access token is required")};
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto v = verify_jwt(token, svc.config.jwt_secret, now);
  if (auto* why = std::get_if<std::string>(&v)) {
    co_return R{refusal(http::status::unauthorized, "unauthorized", std::move(*why))};
  }
  const auto& claims = std::get<Claims>(v);
  auto a = co_await realtime::admit(svc, claims.sub, claims.exp);
  if (a.status == realtime::Admission::unavailable) {
    co_return R{refusal(http::status::service_unavailable, "unavailable", std::move(a.message))};
  }
  if (a.status != realtime::Admission::ok) {
    co_return R{refusal(http::status::unauthorized, "unauthorized", std::move(a.message))};
  }
  co_return R{std::move(a.identity)};
}

Headers one_header(std::string name, std::string value) {
  Headers h;
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

std::string error_body(std::string_view code, std::string_view message) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("error", code).field("message", message).end_object();
  return out;
}

template <class Stream>
asio::awaitable<bool> write_json(Stream& stream, unsigned version, http::status status,
                                 std::string body, bool keep_alive,
                                 Headers headers) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "techpulse-gateway");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  for (auto& [k, v] : headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  boost::system::error_code ec;
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

template <class Stream>
asio::awaitable<void> linger(Stream& stream) {
  boost::system::error_code ec;
  // Under TLS this skips the close_notify: the refusal was written, and the peer sees the end of the stream.
  boost::beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  std::array<char, 64 * 1024> scratch;
  size_t dropped = 0;
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  while (!ec && dropped < 32 * 1024 * 1024) {
    dropped += co_await stream.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
  }
}

template asio::awaitable<bool> write_json(boost::beast::tcp_stream&, unsigned, http::status, std::string, bool, Headers);
template asio::awaitable<bool> write_json(TlsStream&, unsigned, http::status, std::string, bool, Headers);
template asio::awaitable<void> linger(boost::beast::tcp_stream&);
template asio::awaitable<void> linger(TlsStream&);

}  // namespace techpulse::gateway::attachment_http
