#include "gateway/transport/metrics_http.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/realtime/on_store.hpp"
#include "gateway/transport/upgrade.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metrics.hpp"
#include "storage/assistant_store.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<http::response<http::string_body>> metrics_response(realtime::Services& svc,
                                                                    const http::request<http::string_body>& req) {
  metrics::ScrapeExtras extras;
  auto depth = storage::assistant_queue_depth(svc.store.pool(), storage::Millis{std::min(svc.config.db_timeout_ms, 3000)});
  auto r = co_await realtime::on_store(svc.store, std::move(depth));
  if (r.ok()) extras.assistant_queue_depth = *r.value;
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "techpulse-gateway");
  res.set(http::field::content_type, metrics::kContentType);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = metrics::scrape(extras);
  res.prepare_payload();
  co_return res;
}

asio::awaitable<void> serve_metrics_http(realtime::Services& svc, asio::ip::tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    HttpRequestParser parser;
    apply_request_limits(parser);
    stream.expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    auto req = parser.release();
    http::response<http::string_body> res;
    auto target = std::string_view(req.target());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (target == "/metrics" && req.method() == http::verb::get) {
      res = co_await metrics_response(svc, req);
    } else {
      res = http::response<http::string_body>{http::status::not_found, req.version()};
      res.set(http::field::server, "techpulse-gateway");
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = R"({"error":"not_found","message":"this listener serves GET /metrics only"})";
      res.prepare_payload();
    }
    bool keep = res.keep_alive();
    stream.expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep) break;
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace techpulse::gateway
