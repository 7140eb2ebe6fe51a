#include "gateway/web/static_files.hpp"

#include <zlib.h>

#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>

#include "gateway/web/embedded_files.hpp"

namespace techpulse::gateway::web {

namespace http = boost::beast::http;

namespace {

// No inline script or style anywhere: the app is modules and a stylesheet from this origin. Attachments may be
// images, audio or files on https hosts; the WebSocket goes to this origin ('self' covers ws: and wss:).
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data: blob:; "
    "media-src 'self' https: blob:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

constexpr size_t kGzipMinBytes = 512;

struct Prepared {
  std::string content;
  std::string gzipped;  // empty: not worth it
  std::string etag;     // of `content`; the gzipped body's ETag adds "-gz"
  std::string_view type;
};

std::string etag_of(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: a cache validator, not a security check
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}-{:x}", h, data.size());
}

Prepared prepare(std::string_view path, std::string content) {
  Prepared p;
  p.type = content_type_for(path);
  p.etag = etag_of(content);
  if (content.size() >= kGzipMinBytes) {
    auto z = gzip(content);
    if (z.size() < content.size()) p.gzipped = std::move(z);
  }
  p.content = std::move(content);
  return p;
}

// The embedded files, compressed once.
const std::map<std::string, Prepared, std::less<>>& embedded() {
  static const auto files = [] {
    std::map<std::string, Prepared, std::less<>> m;
    for (const auto& f : embedded_files()) m.emplace(std::string(f.path), prepare(f.path, std::string(f.content)));
    return m;
  }();
  return files;
}

// A path under --web-root: only plain names of the served types, no "..", no hidden files.
std::optional<Prepared> from_disk(const std::string& root, std::string_view path) {
  if (path.size() < 2 || path.size() > 200 || content_type_for(path).empty()) return std::nullopt;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '/' || (c == '.' && path[i - 1] != '/' && path[i - 1] != '.');
    if (!ok) return std::nullopt;
  }
  std::ifstream in(root + std::string(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return prepare(path, ss.str());
}

bool etag_matches(std::string_view if_none_match, std::string_view quoted) {
  if (if_none_match == "*") return true;
  // A list of entity tags; a weak one (W/"...") matches too (RFC 9110 weak comparison for If-None-Match).
  return if_none_match.find(quoted) != std::string_view::npos;
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return {};
  auto ext = path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "json" || ext == "webmanifest") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return {};
}

bool accepts_gzip(std::string_view ae) {
  while (!ae.empty()) {
    auto comma = ae.find(',');
    auto item = ae.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto semi = item.find(';');
    auto name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "gzip" || name == "*") {
      bool zero = false;
      if (semi != std::string_view::npos) {
        auto q = item.substr(semi + 1);
        auto eq = q.find("q=");
        if (eq != std::string_view::npos) {
          auto v = q.substr(eq + 2);
          zero = v.rfind("0", 0) == 0 && v.find_first_of("123456789") == std::string_view::npos;
        }
      }
      return !zero;
    }
    if (comma == std::string_view::npos) break;
    ae.remove_prefix(comma + 1);
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string{};
}

void set_security_headers(HttpResponse& res) {
  res.set("Content-Security-Policy", kCsp);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("X-Frame-Options", "DENY");
}

std::optional<HttpResponse> serve_static(const HttpRequest& req, const std::string& web_root) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return std::nullopt;
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  if (path == "/") path = "/index.html";

  std::optional<Prepared> disk;
  const Prepared* file = nullptr;
  if (web_root.empty()) {
    auto& files = embedded();
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    file = &it->second;
  } else {
    disk = from_disk(web_root, path);
    if (!disk) return std::nullopt;
    file = &*disk;
  }

  bool use_gzip = !file->gzipped.empty() && accepts_gzip(req[http::field::accept_encoding]);
  std::string etag = fmt::format("\"{}{}\"", file->etag, use_gzip ? "-gz" : "");

  HttpResponse res{http::status::ok, req.version()};
  res.set(http::field::server, "techpulse-gateway");
  res.keep_alive(req.keep_alive());
  set_security_headers(res);
  res.set(http::field::etag, etag);
  // Names are not fingerprinted: the browser revalidates every time and usually gets a 304.
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::vary, "Accept-Encoding");
  if (etag_matches(req[http::field::if_none_match], etag)) {
    res.result(http::status::not_modified);
    return res;
  }
  res.set(http::field::content_type, file->type);
  if (use_gzip) res.set(http::field::content_encoding, "gzip");
  const std::string& body = use_gzip ? file->gzipped : file->content;
  if (req.method() == http::verb::head) {
    res.content_length(body.size());
  } else {
    res.body() = body;
    res.prepare_payload();
  }
  return res;
}

}  // namespace techpulse::gateway::web
