#include "support/ws_client.hpp"

#include <simdjson.h>

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace techpulse::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  boost::system::error_code read_ec;
  bool is_closed = false;
  std::string subprotocol;

  // Runs the io_context until done() or the timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      ioc.restart();
      ioc.run_one_for(deadline - now);
    }
    return true;
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() {
  if (impl_ && !impl_->is_closed) {
    boost::system::error_code ec;
    impl_->ws.next_layer().close(ec);
  }
}

std::unique_ptr<WsClient> WsClient::connect(unsigned short port, const std::string& token, int* http_status,
                                            std::string* body, const std::string& subprotocol, int rcvbuf) {
  std::unique_ptr<WsClient> c(new WsClient());
  auto& im = *c->impl_;
  boost::system::error_code ec;
  if (rcvbuf > 0) {
    im.ws.next_layer().open(tcp::v4(), ec);
    im.ws.next_layer().set_option(asio::socket_base::receive_buffer_size(rcvbuf), ec);
  }
  im.ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    if (http_status) *http_status = 0;
    return nullptr;
  }
  im.ws.set_option(websocket::stream_base::decorator([subprotocol](websocket::request_type& req) {
    if (!subprotocol.empty()) req.set(http::field::sec_websocket_protocol, subprotocol);
  }));
  im.ws.read_message_max(64 * 1024 * 1024);
  websocket::response_type res;
  std::string target = "/v1/ws";
  if (!token.empty()) target += "?access_token=" + token;
  bool done = false;
  im.ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), target, [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  if (!im.run_until([&] { return done; }, 10s) || ec) {
    if (http_status) *http_status = static_cast<int>(res.result_int());
    if (body) *body = res.body();
    return nullptr;
  }
  if (http_status) *http_status = static_cast<int>(res.result_int());
  im.subprotocol = std::string(res[http::field::sec_websocket_protocol]);
  return c;
}

void WsClient::send(const std::string& text) {
  impl_->ws.text(true);
  boost::system::error_code ec;
  bool done = false;
  impl_->ws.async_write(asio::buffer(text), [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  });
  impl_->run_until([&] { return done; }, 10s);
}

void WsClient::send_binary(const std::string& data) {
  impl_->ws.binary(true);
  bool done = false;
  impl_->ws.async_write(asio::buffer(data), [&](boost::system::error_code, size_t) { done = true; });
  impl_->run_until([&] { return done; }, 10s);
  impl_->ws.text(true);
}

void WsClient::send_together(const std::vector<std::string>& texts) {
  std::string wire;
  for (const auto& t : texts) {
    if (t.size() > 0xffff) throw std::invalid_argument("send_together: frames of up to 64 KiB");
    wire.push_back(static_cast<char>(0x81));  // FIN, text
    if (t.size() < 126) {
      wire.push_back(static_cast<char>(0x80 | t.size()));
    } else {
      wire.push_back(static_cast<char>(0x80 | 126));
      wire.push_back(static_cast<char>((t.size() >> 8) & 0xff));
      wire.push_back(static_cast<char>(t.size() & 0xff));
    }
    const char mask[4] = {0x1b, 0x2c, 0x3d, 0x4e};
    wire.append(mask, 4);
    for (size_t i = 0; i < t.size(); ++i) wire.push_back(static_cast<char>(t[i] ^ mask[i % 4]));
  }
  boost::system::error_code ec;
  asio::write(impl_->ws.next_layer(), asio::buffer(wire), ec);
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  if (im.is_closed) return std::nullopt;
  if (!im.reading) {
    im.reading = true;
    im.read_done = false;
    im.buffer.clear();
    im.ws.async_read(im.buffer, [&im](boost::system::error_code e, size_t) {
      im.read_ec = e;
      im.read_done = true;
    });
  }
  if (!im.run_until([&] { return im.read_done; }, timeout)) return std::nullopt;
  im.reading = false;
  if (im.read_ec) {
    im.is_closed = true;
    return std::nullopt;
  }
  return beast::buffers_to_string(im.buffer.data());
}

std::optional<std::string> WsClient::recv_until(const std::function<bool(const std::string&)>& pred,
                                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto f = recv(left);
    if (!f) return std::nullopt;
    if (pred(*f)) return f;
  }
}

std::optional<std::string> WsClient::recv_type(const std::string& type, std::chrono::milliseconds timeout,
                                               const std::string& ref) {
  return recv_until(
      [&](const std::string& f) { return json_str(f, "/type") == type && (ref.empty() || json_str(f, "/ref") == ref); },
      timeout);
}

bool WsClient::closed() const { return impl_->is_closed; }
int WsClient::close_code() const { return static_cast<int>(impl_->ws.reason().code); }
std::string WsClient::close_reason() const {
  if (impl_->ws.reason().code == websocket::close_code::none && impl_->read_ec) {
    return "no close frame; read error: " + impl_->read_ec.message();  // what ended the connection instead
  }
  return std::string(impl_->ws.reason().reason.c_str());
}
const std::string& WsClient::negotiated_subprotocol() const { return impl_->subprotocol; }

void WsClient::close() {
  auto& im = *impl_;
  if (im.is_closed) return;
  bool done = false;
  im.ws.async_close(websocket::close_code::normal, [&](boost::system::error_code) { done = true; });
  im.run_until([&] { return done && !im.reading; }, 2s);
  im.is_closed = true;
}

int http_get(unsigned short port, const std::string& target, std::string* body, const std::string& extra_headers) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0;
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers + "\r\n";
  asio::write(s, asio::buffer(req), ec);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res, ec);
  if (ec) return 0;  // end_of_stream too: the connection closed before a response
  if (body) *body = res.body();
  return static_cast<int>(res.result_int());
}

namespace {
simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json, bool& ok) {
  simdjson::dom::element e;
  ok = !p.parse(json).get(e);
  return e;
}
}  // namespace

std::string json_str(const std::string& json, const std::string& pointer) {
  simdjson::dom::parser p;
  bool ok = false;
  auto doc = parse(p, json, ok);
  if (!ok) return {};
  simdjson::dom::element v;
  if (doc.at_pointer(pointer).get(v)) return {};
  std::string_view s;
  if (!v.get_string().get(s)) return std::string(s);
  return simdjson::minify(v);
}

bool json_bool(const std::string& json, const std::string& pointer) {
  simdjson::dom::parser p;
  bool ok = false;
  auto doc = parse(p, json, ok);
  bool b = false;
  if (!ok) return false;
  if (doc.at_pointer(pointer).get_bool().get(b)) return false;
  return b;
}

bool json_has(const std::string& json, const std::string& pointer) {
  simdjson::dom::parser p;
  bool ok = false;
  auto doc = parse(p, json, ok);
  simdjson::dom::element v;
  return ok && !doc.at_pointer(pointer).get(v);
}

}  // namespace techpulse::test
