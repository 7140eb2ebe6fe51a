#pragma once
// The attachments' HTTP routes (docs/http-api.md, "Attachments"): POST /v1/attachments streams the request body to
// PostgreSQL a chunk at a time (storage/attachment_store.hpp), so an upload holds one chunk of memory whatever
// its size; GET/HEAD /v1/attachments/<id> streams it back, with Range. The rules (types, magic bytes, names,
// disposition, ranges) are gateway/attachments/policy.hpp's; who may write or read is decided in SQL.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string_view>

#include "gateway/realtime/services.hpp"
#include "gateway/transport/upgrade.hpp"

namespace techpulse::gateway {

using HeadParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// /v1/attachments and below.
bool is_attachment_path(std::string_view path);

// `Stream` is beast::tcp_stream or TlsStream (corked_stream.hpp); both are instantiated in the .cpp files.
// POST /v1/attachments?thread_id=...: `head` has read the request's header, not its body. Answers the request;
// returns whether the connection may carry another one (false when the body was left unread or the socket failed).
template <class Stream>
boost::asio::awaitable<bool> upload_attachment(realtime::Services& svc, Stream& stream,
                                               boost::beast::flat_buffer& buffer, HeadParser& head);

// GET or HEAD /v1/attachments/<id> (the request has been read whole). Returns whether the connection may be kept.
template <class Stream>
boost::asio::awaitable<bool> download_attachment(realtime::Services& svc, Stream& stream, const HttpRequest& req);

}  // namespace techpulse::gateway
