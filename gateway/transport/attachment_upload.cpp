// POST /v1/attachments: the body goes to PostgreSQL one chunk (storage::kAttachmentChunkBytes) at a time. Nothing is
// stored before the first chunk's magic bytes match the declared type; an upload that fails later (too large, the
// client gone, the database away) is deleted with its chunks, so a refused upload leaves nothing behind.
#include <openssl/evp.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>

#include "gateway/attachments/policy.hpp"
#include "gateway/log.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/transport/attachment_reply.hpp"
#include "gateway/transport/attachments_http.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/uuid.hpp"
#include "storage/attachment_store.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace attachment_http;
using realtime::on_store;

bool is_attachment_path(std::string_view path) {
  return path == "/v1/attachments" || path.rfind("/v1/attachments/", 0) == 0;
}

namespace {

struct Sha256 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  Sha256() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void update(std::string_view s) { EVP_DigestUpdate(ctx.get(), s.data(), s.size()); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &n);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }
};

}  // namespace

template <class Stream>
asio::awaitable<bool> upload_attachment(realtime::Services& svc, Stream& stream, beast::flat_buffer& buffer,
                                        HeadParser& head) {
  const auto& h = head.get();
  const unsigned version = h.version();
  // Until the body is read, a failure ends the connection: what is left of the body is not drained.
  const bool body_follows = !head.is_done();
  auto refuse = [&](http::status status, std::string_view code, std::string message) -> asio::awaitable<bool> {
    bool wrote = co_await write_json(stream, version, status, error_body(code, message), !body_follows && h.keep_alive());
    if (wrote && body_follows) co_await linger(stream);
    co_return wrote;
  };
  if (h.method() != http::verb::post) {
    Headers allow = one_header("Allow", "POST");
    co_await write_json(stream, version, http::status::method_not_allowed,
                        error_body("bad_request", "uploads are POST /v1/attachments?thread_id=<uuid>"), false,
                        std::move(allow));
    co_return false;
  }
  if (!origin_permitted(h, svc.config)) {
    co_await refuse(http::status::forbidden, "forbidden", "this Origin may not connect");
    co_return false;
  }
  auto who = co_await caller(svc, h);
  if (auto* r = std::get_if<Refusal>(&who)) {
    co_await refuse(r->status, r->code, r->message);
    co_return false;
  }
  const auto& user = std::get<realtime::Identity>(who).user_id;
  std::optional<std::string> thread = query_param(h.target(), "thread_id");
  if (!protocol::is_uuid(*thread)) {
    co_await refuse(http::status::bad_request, "bad_request", "thread_id must be a UUID (?thread_id=<uuid>)");
    co_return false;
  }
  for (auto& c : *thread) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  std::string raw_name = attachments::disposition_filename(h[http::field::content_disposition]);
  if (raw_name.empty()) raw_name = query_param(h.target(), "name");
  auto name = attachments::clean_name(raw_name);
  if (!name) {
    co_await refuse(http::status::bad_request, "bad_request",
                    "a file name is required: Content-Disposition: attachment; filename=\"...\" or ?name=");
    co_return false;
  }
  const std::string media = attachments::media_type(h[http::field::content_type]);
  if (!attachments::allowed(svc.config.attachment_type_list, media)) {
    co_await refuse(http::status::unsupported_media_type, "bad_request",
                    "content type \"" + media + "\" is not allowed; allowed: " + svc.config.attachment_types);
    co_return false;
  }
  const size_t max = svc.config.max_attachment_bytes;
  if (auto len = head.content_length(); len && *len > max) {
    co_await refuse(http::status::payload_too_large, "too_large",
                    "the file is larger than " + std::to_string(max) + " bytes");
    co_return false;
  }
  auto access = co_await on_store(svc.store, svc.store.thread_access(user, *thread));
  if (!access.ok()) {
    co_await refuse(http::status::service_unavailable, "unavailable", "the database is unreachable; retry");
    co_return false;
  }
  if (!access.value->exists || !access.value->allowed) {
    const bool exists = access.value->exists;
    if (exists) log(Level::warn, "forbidden", "user={} thread={} action=upload", user, *thread);
    co_await refuse(exists ? http::status::forbidden : http::status::not_found, exists ? "forbidden" : "not_found",
                    exists ? "you may not write to this thread" : "thread not found");
    co_return false;
  }
  boost::system::error_code ec;
  if (beast::iequals(h[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
    co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }

  http::request_parser<http::buffer_body> body{std::move(head)};
  body.body_limit(boost::none);  // counted here, against --max-attachment-bytes
  const std::string id = protocol::new_uuid();
  const size_t chunk_bytes = storage::kAttachmentChunkBytes;
  std::string chunk(chunk_bytes, '\0');
  size_t filled = 0, total = 0;
  int64_t index = 0;
  bool begun = false;
  Sha256 digest;
  auto& pool = svc.store.pool();

  // Stores the buffered chunk (beginning the upload with the first one). Empty: ok; else the failure.
  auto flush = [&]() -> asio::awaitable<std::optional<Refusal>> {
    std::string_view data(chunk.data(), filled);
    if (!begun) {
      if (!attachments::magic_matches(media, data.substr(0, attachments::kMagicBytes))) {
        co_return refusal(http::status::unsupported_media_type, "bad_request",
                          "the file's content is not " + media + " (its first bytes do not match the type)");
      }
      auto b = co_await on_store(svc.store, storage::begin_attachment(pool, id, user, *thread, *name, media));
      if (!b.ok()) co_return refusal(http::status::service_unavailable, "unavailable", "the database is unreachable; retry");
      if (*b.value != storage::BeginUpload::ok) {
        const bool gone = *b.value == storage::BeginUpload::thread_not_found;
        co_return refusal(gone ? http::status::not_found : http::status::forbidden, gone ? "not_found" : "forbidden",
                          gone ? "thread not found" : "you may not write to this thread");
      }
      begun = true;
    }
    digest.update(data);
    std::string bytes(data);
    auto a = co_await on_store(svc.store, storage::append_attachment_chunk(pool, id, index, std::move(bytes)));
    if (!a.ok()) co_return refusal(http::status::service_unavailable, "unavailable", "the database is unreachable; retry");
    ++index;
    filled = 0;
    co_return std::nullopt;
  };

  std::optional<Refusal> failure;
  bool socket_failed = false;
  while (!body.is_done()) {
    body.get().body().data = chunk.data() + filled;
    body.get().body().size = chunk_bytes - filled;
    // An idle deadline per read: a large upload may take long, a stalled one may not.
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
    co_await http::async_read(stream, buffer, body, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      socket_failed = true;
      break;
    }
    size_t got = (chunk_bytes - filled) - body.get().body().size;
    filled += got;
    total += got;
    if (total > max) {
      failure = refusal(http::status::payload_too_large, "too_large",
                        "the file is larger than " + std::to_string(max) + " bytes");
      break;
    }
    if (filled == chunk_bytes) {
      if ((failure = co_await flush())) break;
    }
  }
  if (!failure && !socket_failed) {
    if (total == 0) {
      failure = refusal(http::status::bad_request, "bad_request", "the file is empty");
    } else if (filled > 0) {
      failure = co_await flush();
    }
  }
  std::string sha;
  if (!failure && !socket_failed) {
    sha = digest.hex();
    auto f = co_await on_store(svc.store, storage::finish_attachment(pool, id, static_cast<int64_t>(total), sha));
    if (!f.ok()) failure = refusal(http::status::service_unavailable, "unavailable", "the database is unreachable; retry");
  }
  if (failure || socket_failed) {
    if (begun) {
      auto gone = co_await on_store(svc.store, storage::abandon_attachment(pool, id));
      if (!gone.ok()) log(Level::warn, "attachment_abandon_failed", "id={} error={}", id, quoted(gone.error.message));
    }
    log(Level::info, "attachment_refused", "user={} thread={} type={} bytes={} reason={}", user, *thread, media, total,
        quoted(socket_failed ? std::string("connection ended") : failure->message));
    if (socket_failed) co_return false;
    bool wrote = co_await write_json(stream, version, failure->status, error_body(failure->code, failure->message), false);
    if (wrote && !body.is_done()) co_await linger(stream);
    co_return false;
  }
  log(Level::info, "attachment_uploaded", "id={} user={} thread={} type={} bytes={}", id, user, *thread, media, total);
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().key("attachment").begin_object()
      .field("id", id).field("thread_id", *thread).field("name", *name).field("content_type", media)
      .field("size", static_cast<int64_t>(total)).field("sha256", sha).field("url", "/v1/attachments/" + id)
      .end_object().end_object();
  bool keep = body.get().keep_alive();
  Headers location = one_header("Location", "/v1/attachments/" + id);
  bool wrote = co_await write_json(stream, version, http::status::created, std::move(out), keep, std::move(location));
  co_return wrote && keep;
}

template asio::awaitable<bool> upload_attachment(realtime::Services&, beast::tcp_stream&, beast::flat_buffer&, HeadParser&);
template asio::awaitable<bool> upload_attachment(realtime::Services&, TlsStream&, beast::flat_buffer&, HeadParser&);

}  // namespace techpulse::gateway
