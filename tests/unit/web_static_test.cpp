// Unit tests of the web app's static files (gateway/web/static_files.hpp) and of the same-origin rule that lets the
// app at / connect behind --allowed-origins (gateway/upgrade.hpp).
#include <catch2/catch.hpp>
#include <zlib.h>

#include <boost/asio/buffer.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gateway/web/embedded_files.hpp"
#include "gateway/web/static_files.hpp"

using namespace techpulse::gateway;
namespace http = boost::beast::http;

namespace {

HttpRequest get(std::string target, std::initializer_list<std::pair<http::field, std::string>> headers = {}) {
  HttpRequest req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:8080");
  for (auto& [f, v] : headers) req.set(f, v);
  return req;
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

std::string embedded(std::string_view path) {
  for (const auto& f : web::embedded_files()) {
    if (f.path == path) return std::string(f.content);
  }
  FAIL("not embedded: " << path);
  return {};
}

}  // namespace

TEST_CASE("the embedded app: / is index.html with its type, an ETag, no-cache and a CSP without inline script") {
  auto res = web::serve_static(get("/"), "");
  REQUIRE(res);
  CHECK(res->result() == http::status::ok);
  CHECK(res->at(http::field::content_type) == "text/html; charset=utf-8");
  CHECK(res->body() == embedded("/index.html"));
  CHECK(res->at(http::field::cache_control) == "no-cache");
  std::string csp(res->at("Content-Security-Policy"));
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(res->at("X-Content-Type-Options") == "nosniff");
  CHECK(std::string(res->at(http::field::etag)).starts_with("\""));

  auto js = web::serve_static(get("/app.js?v=1"), "");
  REQUIRE(js);
  CHECK(js->at(http::field::content_type) == "text/javascript; charset=utf-8");
  CHECK(web::serve_static(get("/app.css"), "")->at(http::field::content_type) == "text/css; charset=utf-8");
  CHECK(web::serve_static(get("/icon.svg"), "")->at(http::field::content_type) == "image/svg+xml");
}

TEST_CASE("If-None-Match with the ETag is 304 without a body; another ETag is 200") {
  auto first = web::serve_static(get("/app.js"), "");
  std::string etag(first->at(http::field::etag));
  auto again = web::serve_static(get("/app.js", {{http::field::if_none_match, etag}}), "");
  CHECK(again->result() == http::status::not_modified);
  CHECK(again->body().empty());
  auto other = web::serve_static(get("/app.js", {{http::field::if_none_match, "\"0000\""}}), "");
  CHECK(other->result() == http::status::ok);
}

TEST_CASE("gzip when the client accepts it, with its own ETag; identity when it does not") {
  auto z = web::serve_static(get("/app.css", {{http::field::accept_encoding, "gzip, deflate, br"}}), "");
  REQUIRE(z);
  CHECK(z->at(http::field::content_encoding) == "gzip");
  CHECK(z->at(http::field::vary) == "Accept-Encoding");
  CHECK(gunzip(z->body()) == embedded("/app.css"));
  CHECK(z->body().size() < embedded("/app.css").size());
  auto plain = web::serve_static(get("/app.css", {{http::field::accept_encoding, "gzip;q=0, br"}}), "");
  CHECK(plain->find(http::field::content_encoding) == plain->end());
  CHECK(plain->body() == embedded("/app.css"));
  CHECK(plain->at(http::field::etag) != z->at(http::field::etag));

  CHECK(web::accepts_gzip("gzip"));
  CHECK(web::accepts_gzip("br;q=1.0, gzip;q=0.5"));
  CHECK(web::accepts_gzip("*"));
  CHECK_FALSE(web::accepts_gzip("gzip;q=0"));
  CHECK_FALSE(web::accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(web::accepts_gzip("deflate, br"));
  CHECK_FALSE(web::accepts_gzip(""));
}

TEST_CASE("only GET and HEAD of the app's own files are served") {
  CHECK_FALSE(web::serve_static(get("/nope.js"), ""));
  CHECK_FALSE(web::serve_static(get("/v1/other"), ""));
  HttpRequest post{http::verb::post, "/", 11};
  CHECK_FALSE(web::serve_static(post, ""));
  HttpRequest head{http::verb::head, "/app.js", 11};
  auto h = web::serve_static(head, "");
  REQUIRE(h);
  CHECK(h->body().empty());
  CHECK(h->at(http::field::content_length) == std::to_string(embedded("/app.js").size()));
}

TEST_CASE("with --web-root, the directory's files of the app's types, and nothing outside it") {
  auto dir = std::filesystem::temp_directory_path() / ("tp-web-root-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "index.html") << "<!doctype html><p>from disk</p>";
  std::ofstream(dir / "sub" / "x.js") << "export {};";
  std::ofstream(dir / "server.cpp") << "int main() {}";
  std::ofstream(dir / ".secret.js") << "hidden";
  auto root = dir.string();

  auto index = web::serve_static(get("/"), root);
  REQUIRE(index);
  CHECK(index->body() == "<!doctype html><p>from disk</p>");
  CHECK(index->find("Content-Security-Policy") != index->end());
  CHECK(web::serve_static(get("/sub/x.js"), root)->body() == "export {};");
  CHECK_FALSE(web::serve_static(get("/server.cpp"), root));
  CHECK_FALSE(web::serve_static(get("/.secret.js"), root));
  CHECK_FALSE(web::serve_static(get("/../etc/passwd.txt"), root));
  CHECK_FALSE(web::serve_static(get("/sub/../index.html"), root));
  CHECK_FALSE(web::serve_static(get("/missing.js"), root));
  std::filesystem::remove_all(dir);
}

TEST_CASE("behind --allowed-origins the gateway's own origin may connect; other hosts and ports may not") {
  Config c;
  c.allowed_origins = "https://app.techpulse.example";
  auto with = [](std::string host, std::string origin) {
    HttpRequest req{http::verb::get, "/v1/ws", 11};
    req.set(http::field::host, host);
    if (!origin.empty()) req.set(http::field::origin, origin);
    return req;
  };
  CHECK(origin_permitted(with("127.0.0.1:8080", "http://127.0.0.1:8080"), c));
  CHECK(origin_permitted(with("support.example", "https://support.example"), c));
  CHECK(origin_permitted(with("127.0.0.1:8080", "https://app.techpulse.example"), c));
  CHECK(origin_permitted(with("127.0.0.1:8080", ""), c));
  CHECK_FALSE(origin_permitted(with("127.0.0.1:8080", "http://127.0.0.1:9090"), c));
  CHECK_FALSE(origin_permitted(with("127.0.0.1:8080", "https://evil.example"), c));
  CHECK_FALSE(origin_permitted(with("127.0.0.1:8080", "ftp://127.0.0.1:8080"), c));
  CHECK_FALSE(origin_permitted(with("", "http://"), c));
}
