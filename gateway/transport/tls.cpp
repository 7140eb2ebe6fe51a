#include "gateway/transport/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace techpulse::gateway {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list (ECDHE only: no DH parameters to manage); TLS 1.3 keeps OpenSSL's suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

[[noreturn]] void fail(const char* setting, const std::string& file, const std::string& why) {
  throw std::invalid_argument(std::string(setting) + " " + file + ": " + why);
}

void require_readable(const char* setting, const std::string& file) {
  if (file.empty()) fail(setting, "\"\"", "is empty; --tls-cert and --tls-key are set together");
  std::ifstream in(file);
  if (!in) fail(setting, file, std::string("cannot be read (") + std::strerror(errno) + ")");
}

std::string openssl_error(const boost::system::error_code& ec) {
  std::string why = ec.message();
  ERR_clear_error();
  return why;
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file) {
  require_readable("--tls-cert", cert_file);
  require_readable("--tls-key", key_file);
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);
  // An idle TLS connection keeps no read and write buffers (most connections are idle most of the time).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  // An encrypted key would make OpenSSL prompt on the terminal: it fails instead.
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });

  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) fail("--tls-cert", cert_file, "not a PEM certificate chain (" + openssl_error(ec) + ")");
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    fail("--tls-key", key_file, "does not match the certificate of --tls-cert " + cert_file);
  }
  if (ec) fail("--tls-key", key_file, "not an unencrypted PEM private key (" + openssl_error(ec) + ")");
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    fail("--tls-key", key_file, "does not match the certificate of --tls-cert " + cert_file);
  }
  return ctx;
}

TlsCredentials::TlsCredentials(const std::string& cert_file, const std::string& key_file)
    : ctx_(make_tls_context(cert_file, key_file)) {}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  std::lock_guard lock(mutex_);
  return ctx_;
}

std::optional<std::string> TlsCredentials::reload(const std::string& cert_file, const std::string& key_file) {
  std::shared_ptr<ssl::context> next;
  try {
    next = make_tls_context(cert_file, key_file);
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  std::lock_guard lock(mutex_);
  ctx_ = std::move(next);
  return std::nullopt;
}

}  // namespace techpulse::gateway
