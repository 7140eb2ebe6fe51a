// GET/HEAD /v1/attachments/<id>: the attachment's bytes for anyone who may read its thread, streamed a chunk at a
// time from PostgreSQL, with Range (206) for audio players that seek. Everyone else, and every id that names no
// complete attachment, gets the same 404, so existence does not leak.
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

#include "gateway/attachments/policy.hpp"
#include "gateway/log.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/transport/attachment_reply.hpp"
#include "gateway/transport/attachments_http.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "protocol/uuid.hpp"
#include "storage/attachment_store.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace attachment_http;
using realtime::on_store;

namespace {

// Whether an If-None-Match list names this ETag (or is "*").
bool etag_listed(std::string_view list, std::string_view etag) {
  if (list.find('*') != std::string_view::npos) return true;
  return list.find(etag) != std::string_view::npos;
}

}  // namespace

template <class Stream>
asio::awaitable<bool> download_attachment(realtime::Services& svc, Stream& stream, const HttpRequest& req) {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  auto refuse = [&](http::status status, std::string_view code, std::string message) {
    return write_json(stream, version, status, error_body(code, message), keep);
  };
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    Headers allow = one_header("Allow", "GET, HEAD");
    co_return co_await write_json(stream, version, http::status::method_not_allowed,
                                  error_body("bad_request", "attachments are read with GET or HEAD"), keep,
                                  std::move(allow)) && keep;
  }
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  std::string id(path.substr(std::string_view("/v1/attachments/").size()));
  if (!origin_permitted(req, svc.config)) {
    co_return co_await refuse(http::status::forbidden, "forbidden", "this Origin may not connect") && keep;
  }
  auto who = co_await caller(svc, req);
  if (auto* r = std::get_if<Refusal>(&who)) co_return co_await refuse(r->status, r->code, r->message) && keep;
  const auto& user = std::get<realtime::Identity>(who).user_id;
  if (!protocol::is_uuid(id)) co_return co_await refuse(http::status::not_found, "not_found", "attachment not found") && keep;
  for (auto& c : id) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);

  auto& pool = svc.store.pool();
  auto found = co_await on_store(svc.store, storage::readable_attachment(pool, user, id));
  if (!found.ok()) {
    co_return co_await refuse(http::status::service_unavailable, "unavailable", "the database is unreachable; retry") &&
              keep;
  }
  if (!*found.value) co_return co_await refuse(http::status::not_found, "not_found", "attachment not found") && keep;
  const auto& a = **found.value;
  const std::string etag = "\"" + a.sha256 + "\"";

  http::response<http::empty_body> res{http::status::ok, version};
  res.set(http::field::server, "techpulse-gateway");
  res.set(http::field::etag, etag);
  // Private: the URL may carry a token, and access can be revoked; the ETag makes revalidation cheap.
  res.set(http::field::cache_control, "private, no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::accept_ranges, "bytes");
  res.set("Content-Security-Policy", "default-src 'none'; sandbox");
  res.set("Referrer-Policy", "no-referrer");
  res.keep_alive(keep);
  if (etag_listed(req[http::field::if_none_match], etag) && !req[http::field::if_none_match].empty()) {
    res.result(http::status::not_modified);
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && keep;
  }
  res.set(http::field::content_type, attachments::served_type(a.content_type));
  res.set(http::field::content_disposition, attachments::content_disposition(a.content_type, a.name));

  auto range = attachments::parse_range(req[http::field::range], a.size);
  // If-Range with another validator: the file changed (it cannot here, but the RFC says send it whole).
  if (auto if_range = req[http::field::if_range]; !if_range.empty() && if_range != etag) range = {};
  if (range.kind == attachments::RangeRequest::unsatisfiable) {
    Headers range_header = one_header("Content-Range", "bytes */" + std::to_string(a.size));
    co_return co_await write_json(stream, version, http::status::range_not_satisfiable,
                                  error_body("bad_request", "the range is outside the file"), keep,
                                  std::move(range_header)) && keep;
  }
  int64_t first = 0, last = a.size - 1;
  if (range.kind == attachments::RangeRequest::partial) {
    first = range.range.first;
    last = range.range.last;
    res.result(http::status::partial_content);
    res.set(http::field::content_range,
            "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(a.size));
  }
  res.content_length(static_cast<uint64_t>(last - first + 1));
  http::response_serializer<http::empty_body> sr{res};
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  if (req.method() == http::verb::head) co_return keep;

  const int64_t cb = a.chunk_bytes;
  for (int64_t idx = first / cb; idx <= last / cb; ++idx) {
    auto chunk = co_await on_store(svc.store, storage::attachment_chunk(pool, id, idx));
    if (!chunk.ok()) {
      // The header promised a length: the only honest way out is to end the connection.
      log(Level::warn, "attachment_read_failed", "id={} chunk={} error={}", id, idx, quoted(chunk.error.message));
      co_return false;
    }
    const int64_t base = idx * cb;
    const int64_t from = std::max(first, base) - base;
    const int64_t to = std::min(last + 1, base + cb) - base;
    if (static_cast<int64_t>(chunk.value->size()) < to) {
      log(Level::error, "attachment_chunk_missing", "id={} chunk={}", id, idx);
      co_return false;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
    co_await asio::async_write(stream, asio::buffer(chunk.value->data() + from, static_cast<size_t>(to - from)),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_return keep;
}

template asio::awaitable<bool> download_attachment(realtime::Services&, beast::tcp_stream&, const HttpRequest&);
template asio::awaitable<bool> download_attachment(realtime::Services&, TlsStream&, const HttpRequest&);

}  // namespace techpulse::gateway
