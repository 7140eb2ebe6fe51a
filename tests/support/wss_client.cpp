#include "support/wss_client.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <functional>

#include "support/process.hpp"
#include "support/ws_client.hpp"

namespace techpulse::test {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string x509_fingerprint(X509* cert) {
  if (!cert) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  std::string out;
  char hex[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

std::string peer_fingerprint_of(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  auto fp = x509_fingerprint(cert);
  X509_free(cert);
  return fp;
}

// A client context that trusts only ca_file and checks the name 127.0.0.1 (or verifies nothing without one).
ssl::context client_context(const std::string& ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

bool run_until(asio::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    ioc.restart();
    ioc.run_one_for(deadline - now);
  }
  return true;
}

}  // namespace

struct WssClient::Impl {
  explicit Impl(const std::string& ca_file) : ctx(client_context(ca_file)), ws(ioc, ctx) {}
  asio::io_context ioc;
  ssl::context ctx;
  websocket::stream<beast::ssl_stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  boost::system::error_code read_ec;
  bool is_closed = false;
  std::string fingerprint;
  std::string version;
};

WssClient::WssClient() = default;
WssClient::~WssClient() {
  if (impl_ && !impl_->is_closed) {
    boost::system::error_code ec;
    beast::get_lowest_layer(impl_->ws).close(ec);
  }
}

std::unique_ptr<WssClient> WssClient::connect(unsigned short port, const std::string& token,
                                              const std::string& ca_file, std::string* error) {
  std::unique_ptr<WssClient> c(new WssClient());
  c->impl_ = std::make_unique<Impl>(ca_file);
  auto& im = *c->impl_;
  auto failed = [&](const std::string& why) -> std::unique_ptr<WssClient> {
    if (error) *error = why;
    return nullptr;
  };
  boost::system::error_code ec;
  beast::get_lowest_layer(im.ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return failed("connect: " + ec.message());
  bool done = false;
  im.ws.next_layer().async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(im.ioc, [&] { return done; }, 10s)) return failed("TLS handshake: timeout");
  if (ec) return failed("TLS handshake: " + ec.message());
  im.fingerprint = peer_fingerprint_of(im.ws.next_layer().native_handle());
  im.version = SSL_get_version(im.ws.next_layer().native_handle());
  im.ws.read_message_max(64 * 1024 * 1024);
  websocket::response_type res;
  done = false;
  im.ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), "/v1/ws?access_token=" + token,
                        [&](boost::system::error_code e) {
                          ec = e;
                          done = true;
                        });
  if (!run_until(im.ioc, [&] { return done; }, 10s)) return failed("WebSocket handshake: timeout");
  if (ec) return failed("WebSocket handshake: " + ec.message() + " (HTTP " + std::to_string(res.result_int()) + ")");
  return c;
}

void WssClient::send(const std::string& text) {
  impl_->ws.text(true);
  bool done = false;
  impl_->ws.async_write(asio::buffer(text), [&](boost::system::error_code, size_t) { done = true; });
  run_until(impl_->ioc, [&] { return done; }, 10s);
}

std::optional<std::string> WssClient::recv(std::chrono::milliseconds timeout) {
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
  if (!run_until(im.ioc, [&] { return im.read_done; }, timeout)) return std::nullopt;
  im.reading = false;
  if (im.read_ec) {
    im.is_closed = true;
    return std::nullopt;
  }
  return beast::buffers_to_string(im.buffer.data());
}

std::optional<std::string> WssClient::recv_type(const std::string& type, std::chrono::milliseconds timeout,
                                                const std::string& ref) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto f = recv(left);
    if (!f) return std::nullopt;
    if (json_str(*f, "/type") == type && (ref.empty() || json_str(*f, "/ref") == ref)) return f;
  }
}

bool WssClient::closed() const { return impl_->is_closed; }
const std::string& WssClient::peer_fingerprint() const { return impl_->fingerprint; }
const std::string& WssClient::tls_version() const { return impl_->version; }

HttpsResult https_get(unsigned short port, const std::string& target, const std::string& ca_file,
                      std::chrono::milliseconds timeout) {
  HttpsResult out;
  asio::io_context ioc;
  ssl::context ctx = client_context(ca_file);
  beast::ssl_stream<tcp::socket> stream(ioc, ctx);
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  bool done = false;
  stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, [&] { return done; }, timeout) || ec) {
    out.error = "TLS handshake: " + (ec ? ec.message() : std::string("timeout"));
    return out;
  }
  out.fingerprint = peer_fingerprint_of(stream.native_handle());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  done = false;
  http::async_write(stream, req, [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, [&] { return done; }, timeout) || ec) {
    out.error = "write: " + (ec ? ec.message() : std::string("timeout"));
    return out;
  }
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  done = false;
  http::async_read(stream, buf, res, [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, [&] { return done; }, timeout) || ec) {
    out.error = "read: " + (ec ? ec.message() : std::string("timeout"));
    return out;
  }
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  return out;
}

std::string pem_fingerprint(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "r");
  if (!f) return {};
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  auto fp = x509_fingerprint(cert);
  X509_free(cert);
  return fp;
}

bool make_self_signed(const std::string& cert_file, const std::string& key_file, const std::string& common_name,
                      std::string* output) {
  auto r = run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=" + common_name, "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key_file, "-out", cert_file},
                       {}, std::chrono::seconds(30));
  if (output) *output = r.output;
  return r.exit_code == 0;
}

}  // namespace techpulse::test
