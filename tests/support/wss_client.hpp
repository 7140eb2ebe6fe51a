#pragma once
// A wss:// and https:// test client over real sockets (Beast's SSL stream, OpenSSL), for a gateway with
// --tls-cert/--tls-key. It trusts only the CA file it is given (the test's self-signed certificate) and checks that
// the certificate names 127.0.0.1; with an empty CA file it verifies nothing (a readiness probe). Every wait is
// bounded by a timeout.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace techpulse::test {

using namespace std::chrono_literals;

class WssClient {
 public:
  ~WssClient();
  // Connects to wss://127.0.0.1:port/v1/ws?access_token=token. On failure returns nullptr and sets `error`.
  static std::unique_ptr<WssClient> connect(unsigned short port, const std::string& token, const std::string& ca_file,
                                            std::string* error = nullptr);

  void send(const std::string& text);
  // The next frame, or nullopt on timeout or close.
  std::optional<std::string> recv(std::chrono::milliseconds timeout = 5s);
  // The next frame of `type` (and, when given, with "ref":ref); others are dropped.
  std::optional<std::string> recv_type(const std::string& type, std::chrono::milliseconds timeout = 5s,
                                       const std::string& ref = {});
  bool closed() const;
  // The SHA-256 fingerprint (hex) of the certificate the server presented.
  const std::string& peer_fingerprint() const;
  // The negotiated protocol version ("TLSv1.3", ...).
  const std::string& tls_version() const;

 private:
  WssClient();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HttpsResult {
  int status = 0;           // 0: no HTTP response (the TLS handshake or the connection failed)
  std::string body;
  std::string fingerprint;  // of the server's certificate
  std::string error;        // why there was no response
};
// GET https://127.0.0.1:port<target>, bounded by `timeout`.
HttpsResult https_get(unsigned short port, const std::string& target, const std::string& ca_file,
                      std::chrono::milliseconds timeout = 5s);

// The SHA-256 fingerprint (hex) of the first certificate in a PEM file; empty if it has none.
std::string pem_fingerprint(const std::string& pem_file);

// A self-signed certificate for 127.0.0.1 and its key (ECDSA P-256), made by the openssl command: written to
// cert_file and key_file. Returns false (and the command's output in `output`) on failure.
bool make_self_signed(const std::string& cert_file, const std::string& key_file, const std::string& common_name,
                      std::string* output = nullptr);

}  // namespace techpulse::test
