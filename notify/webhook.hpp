#pragma once
// notify: the offline notifications of the support desk (docs/webhooks.md). This header: the webhook's wire format,
// pure (the signature, the URL) and the one HTTP POST (Beast, in webhook.cpp only).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace techpulse::notify {

namespace asio = boost::asio;

// The header that signs a notification, as Stripe's does: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
inline constexpr std::string_view kSignatureHeader = "TechPulse-Signature";
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string signature_value(std::string_view secret, int64_t timestamp, std::string_view body);

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};
// http://host[:port][/path]; nullopt for anything else (https is not supported: terminate TLS at a local relay).
std::optional<HttpUrl> parse_http_url(std::string_view url);

struct PostResult {
  int status = 0;     // the HTTP status; 0: no response (connection failed, timed out)
  std::string error;  // why, when status is not 2xx
  bool ok() const { return status >= 200 && status < 300; }
};
// POSTs a JSON body with its signature header; never throws.
asio::awaitable<PostResult> post_signed(asio::any_io_executor ex, const HttpUrl& url, std::string body,
                                        std::string signature, std::chrono::milliseconds timeout);

}  // namespace techpulse::notify
