#pragma once
// transport/tls: the listener's TLS credentials (--tls-cert, --tls-key, PEM) as an OpenSSL server context: TLS 1.2
// and 1.3 only, forward-secret AEAD ciphers (Mozilla's "intermediate" list), no compression, no renegotiation.
// SIGHUP loads the files again into a new context that new connections get; a connection keeps the context it was
// accepted with (its SSL object holds a reference), so a reload drops nothing. A reload that fails keeps the
// current context.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace techpulse::gateway {

// A context from the PEM files. Throws std::invalid_argument naming the setting (--tls-cert or --tls-key) and the
// file: missing or unreadable, not PEM, a key that does not match the certificate.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file);

class TlsCredentials {
 public:
  TlsCredentials(const std::string& cert_file, const std::string& key_file);  // throws as make_tls_context

  // The context for a new connection.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Loads the files again. On success new connections get the new context (nullopt); on failure the current one
  // stays and the error is returned.
  std::optional<std::string> reload(const std::string& cert_file, const std::string& key_file);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace techpulse::gateway
