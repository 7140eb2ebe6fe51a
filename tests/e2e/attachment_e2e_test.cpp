// Attachments end to end (issue 15) through the real binary, real sockets and a real PostgreSQL: uploads of a PNG,
// a PDF and an Ogg/Opus voice note sent as messages, received by a subscriber with their metadata, downloaded
// byte-identical with Range; who may upload, attach and download; the size and type limits storing nothing; the
// memory an upload holds; the orphan sweep.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

using Clock = std::chrono::steady_clock;

std::string attach_db() { return migrated_database("tp_test_attachment_e2e"); }

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

std::string png(size_t n = 3000) {
  return std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + random_bytes(n, 1);
}
std::string pdf() { return "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + random_bytes(5000, 2) + "\n%%EOF\n"; }
// An Ogg page with an OpusHead packet, then Opus-looking bytes: what MediaRecorder or opusenc would write first.
std::string ogg_opus() {
  std::string head = std::string("OggS\0\x02", 6) + std::string(20, '\0') + "\x01\x13" + "OpusHead\x01\x01\x38\x01";
  return head + random_bytes(40000, 3);
}

std::string upload_target(const std::string& thread, const std::string& name = {}) {
  return "/v1/attachments?thread_id=" + thread + (name.empty() ? "" : "&name=" + name);
}

// Uploads data as type with a Content-Disposition name; REQUIREs 201 and returns the reply.
std::string upload_ok(const GatewayProcess& gw, const std::string& token, const std::string& thread,
                      const std::string& type, const std::string& name, const std::string& data) {
  Headers h = bearer(token);
  h.emplace_back("Content-Type", type);
  h.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  auto r = http_call(gw.port(), "POST", upload_target(thread), h, data);
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 201);
  return r.body;
}

HttpResult upload(const GatewayProcess& gw, const std::string& token, const std::string& thread,
                  const std::string& type, const std::string& data, const std::string& name = "f.bin") {
  Headers h = bearer(token);
  h.emplace_back("Content-Type", type);
  return http_call(gw.port(), "POST", upload_target(thread, name), h, data);
}

std::string attach_frame(const std::string& thread, const std::string& type, const std::string& content,
                         const std::string& refs, const std::string& ref) {
  return R"({"type":"send","ref":")" + ref + R"(","thread_id":")" + thread + R"(","content":")" + content +
         R"(","message_type":")" + type + R"(","metadata":{"attachments":)" + refs + "}}";
}

std::optional<std::string> reply_to(WsClient& c, const std::string& ref) {
  return c.recv_until([&](const std::string& f) { return json_str(f, "/ref") == ref; }, 10s);
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string count(Db& db, const std::string& table) { return db.scalar("SELECT count(*) FROM " + table); }

}  // namespace

TEST_CASE("a PNG, a PDF and an Ogg/Opus voice note are uploaded, sent, received with their metadata and downloaded "
          "byte-identical, with Range",
          "[e2e][attachments]") {
  Db db(attach_db());
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(attach_db());
  auto token = gw.token(alice);
  auto watcher = connect_as(gw, alice);
  subscribe(*watcher, thread, "w");
  auto sender = connect_as(gw, alice);

  struct File {
    std::string type, name, data, message_type, extra;
    std::string reply;
  };
  std::vector<File> files = {{"image/png", "warning light.png", png(), "image", ""},
                             {"application/pdf", "invoice.pdf", pdf(), "file", ""},
                             {"audio/ogg; codecs=opus", "voice.ogg", ogg_opus(), "voice", R"(,"duration_ms":4200)"}};
  int n = 0;
  for (auto& f : files) {
    f.reply = upload_ok(gw, token, thread, f.type, f.name, f.data);
    CHECK(json_str(f.reply, "/attachment/thread_id") == thread);
    CHECK(json_str(f.reply, "/attachment/name") == f.name);
    CHECK(json_str(f.reply, "/attachment/size") == std::to_string(f.data.size()));
    CHECK(json_str(f.reply, "/attachment/sha256") == sha256_hex(f.data));
    auto id = json_str(f.reply, "/attachment/id");
    CHECK(json_str(f.reply, "/attachment/url") == "/v1/attachments/" + id);
    std::string ref = "a" + std::to_string(++n);
    sender->send(attach_frame(thread, f.message_type, f.name, R"([{"id":")" + id + "\"" + f.extra + "}]", ref));
    auto ack = reply_to(*sender, ref);
    REQUIRE(ack);
    INFO(*ack);
    REQUIRE(json_str(*ack, "/type") == "ack");

    auto msg = watcher->recv_until([&](const std::string& m) { return json_str(m, "/type") == "message"; }, 10s);
    REQUIRE(msg);
    INFO(*msg);
    CHECK(json_str(*msg, "/message/message_type") == f.message_type);
    CHECK(json_str(*msg, "/message/metadata/attachments/0/id") == id);
    CHECK(json_str(*msg, "/message/metadata/attachments/0/name") == f.name);
    CHECK(json_str(*msg, "/message/metadata/attachments/0/size") == std::to_string(f.data.size()));
    CHECK(json_str(*msg, "/message/metadata/attachments/0/url") == "/v1/attachments/" + id);
    CHECK(json_str(*msg, "/message/metadata/attachments/0/content_type") == json_str(f.reply, "/attachment/content_type"));
    if (f.message_type == "voice") {
      CHECK(json_str(*msg, "/message/metadata/attachments/0/duration_ms") == "4200");
      CHECK(json_str(f.reply, "/attachment/content_type") == "audio/ogg");
    }

    // The whole file, by Bearer and by ?access_token= (an <img> or <audio> cannot send a header).
    auto whole = http_call(gw.port(), "GET", "/v1/attachments/" + id, bearer(token));
    REQUIRE(whole.status == 200);
    CHECK(sha256_hex(whole.body) == sha256_hex(f.data));
    CHECK(whole.header("content-length") == std::to_string(f.data.size()));
    CHECK(whole.header("etag") == "\"" + sha256_hex(f.data) + "\"");
    CHECK(whole.header("x-content-type-options") == "nosniff");
    CHECK(whole.header("accept-ranges") == "bytes");
    const bool shown = f.message_type != "file";
    CHECK(whole.header("content-disposition").rfind(shown ? "inline;" : "attachment;", 0) == 0);
    CHECK(whole.header("content-disposition").find(f.name.substr(f.name.size() - 4)) != std::string::npos);
    auto by_query = http_call(gw.port(), "GET", "/v1/attachments/" + id + "?access_token=" + token);
    CHECK(by_query.status == 200);
    CHECK(by_query.body == f.data);

    Headers range = bearer(token);
    range.emplace_back("Range", "bytes=10-1009");
    auto part = http_call(gw.port(), "GET", "/v1/attachments/" + id, range);
    CHECK(part.status == 206);
    CHECK(part.body == f.data.substr(10, 1000));
    CHECK(part.header("content-range") == "bytes 10-1009/" + std::to_string(f.data.size()));
    Headers tail = bearer(token);
    tail.emplace_back("Range", "bytes=-100");
    auto end = http_call(gw.port(), "GET", "/v1/attachments/" + id, tail);
    CHECK(end.status == 206);
    CHECK(end.body == f.data.substr(f.data.size() - 100));
    Headers outside = bearer(token);
    outside.emplace_back("Range", "bytes=" + std::to_string(f.data.size()) + "-");
    auto none = http_call(gw.port(), "GET", "/v1/attachments/" + id, outside);
    CHECK(none.status == 416);
    CHECK(none.header("content-range") == "bytes */" + std::to_string(f.data.size()));
    Headers cached = bearer(token);
    cached.emplace_back("If-None-Match", whole.header("etag"));
    CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id, cached).status == 304);
    auto head = http_call(gw.port(), "HEAD", "/v1/attachments/" + id, bearer(token));
    CHECK(head.status == 200);
    CHECK(head.header("content-length") == std::to_string(f.data.size()));
  }
  // The stored message carries the filled-in metadata too (history reads it from the table).
  CHECK(db.scalar("SELECT metadata->'attachments'->0->>'name' FROM chat_messages WHERE thread_id = $1 AND "
                  "message_type = 'voice'", {thread}) == "voice.ogg");
}

TEST_CASE("another customer's attachment and a nonexistent id are both 404, alike; uploads need write access",
          "[e2e][attachments][security]") {
  Db db(attach_db());
  auto alice = make_profile(db), mallory = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(attach_db());
  auto id = json_str(upload_ok(gw, gw.token(alice), thread, "image/png", "a.png", png()), "/attachment/id");

  auto theirs = http_call(gw.port(), "GET", "/v1/attachments/" + id, bearer(gw.token(mallory)));
  auto missing = http_call(gw.port(), "GET", "/v1/attachments/" + random_uuid(), bearer(gw.token(mallory)));
  CHECK(theirs.status == 404);
  CHECK(missing.status == 404);
  CHECK(theirs.body == missing.body);
  CHECK(json_str(theirs.body, "/error") == "not_found");
  CHECK(theirs.body.find("PNG") == std::string::npos);
  CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id + "?access_token=" + gw.token(mallory)).status == 404);
  CHECK(http_call(gw.port(), "GET", "/v1/attachments/not-a-uuid", bearer(gw.token(mallory))).status == 404);
  // No token, a bad token.
  CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id).status == 401);
  CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id, bearer("nope")).status == 401);

  auto before = count(db, "attachments");
  auto r = upload(gw, gw.token(mallory), thread, "image/png", png());
  CHECK(r.status == 403);
  CHECK(json_str(r.body, "/error") == "forbidden");
  CHECK(upload(gw, gw.token(mallory), random_uuid(), "image/png", png()).status == 404);
  CHECK(upload(gw, "", thread, "image/png", png()).status == 401);
  CHECK(upload(gw, gw.token(alice), "not-a-thread", "image/png", png()).status == 400);
  CHECK(count(db, "attachments") == before);
}

TEST_CASE("a message may carry only its sender's complete attachments of the same thread; nothing else is stored",
          "[e2e][attachments][security]") {
  Db db(attach_db());
  auto alice = make_profile(db), bob = make_profile(db), admin = make_profile(db, "admin");
  auto thread = make_thread(db, alice), other = make_thread(db, alice), bobs = make_thread(db, bob);
  GatewayProcess gw(attach_db());
  auto other_thread_id = json_str(upload_ok(gw, gw.token(alice), other, "image/png", "o.png", png()), "/attachment/id");
  auto bobs_id = json_str(upload_ok(gw, gw.token(bob), bobs, "image/png", "b.png", png()), "/attachment/id");
  // Someone else's upload to this very thread (an admin may write to every thread).
  auto admins_id = json_str(upload_ok(gw, gw.token(admin, "admin"), thread, "image/png", "adm.png", png()), "/attachment/id");
  auto mine_png = json_str(upload_ok(gw, gw.token(alice), thread, "image/png", "m.png", png()), "/attachment/id");
  auto mine_pdf = json_str(upload_ok(gw, gw.token(alice), thread, "application/pdf", "m.pdf", pdf()), "/attachment/id");
  auto c = connect_as(gw, alice);
  auto messages = count(db, "chat_messages");

  auto refused = [&](const std::string& type, const std::string& refs, const std::string& ref) {
    c->send(attach_frame(thread, type, "x", refs, ref));
    auto r = reply_to(*c, ref);
    REQUIRE(r);
    INFO(*r);
    CHECK(json_str(*r, "/type") == "error");
    return *r;
  };
  for (const auto& id : {other_thread_id, bobs_id, admins_id, random_uuid()}) {
    auto r = refused("image", R"([{"id":")" + id + "\"}]", "n" + id.substr(0, 4));
    CHECK(json_str(r, "/code") == "not_found");
    CHECK(json_str(r, "/message").find(id) != std::string::npos);
  }
  // Shapes and kinds.
  CHECK(json_str(refused("voice", R"([{"id":")" + mine_png + "\"}]", "v1"), "/code") == "bad_request");
  CHECK(json_str(refused("image", R"([{"id":")" + mine_pdf + "\"}]", "i1"), "/code") == "bad_request");
  CHECK(json_str(refused("image", "[]", "e1"), "/code") == "bad_request");
  CHECK(json_str(refused("file", R"(["x"])", "e2"), "/code") == "bad_request");
  CHECK(json_str(refused("voice", R"([{"id":")" + mine_png + R"("},{"id":")" + mine_pdf + "\"}]", "v2"), "/code") ==
        "bad_request");
  c->send(R"({"type":"send","ref":"t1","thread_id":")" + thread +
          R"(","content":"x","metadata":{"attachments":[{"id":")" + mine_png + R"(","url":"https://evil"}]}})");
  auto text = reply_to(*c, "t1");
  REQUIRE(text);
  CHECK(json_str(*text, "/code") == "bad_request");
  // One good and one foreign id: the message is refused whole.
  auto mixed = refused("file", R"([{"id":")" + mine_pdf + R"("},{"id":")" + bobs_id + "\"}]", "m1");
  CHECK(json_str(mixed, "/code") == "not_found");
  CHECK(count(db, "chat_messages") == messages);

  // And the good ones are accepted, with the table's facts, not the client's.
  c->send(R"({"type":"send","ref":"ok","thread_id":")" + thread + R"(","content":"two","message_type":"file",)"
          R"("metadata":{"attachments":[{"id":")" + mine_png + R"(","name":"forged.exe"},{"id":")" + mine_pdf + "\"}]}}");
  auto ok = reply_to(*c, "ok");
  REQUIRE(ok);
  CHECK(json_str(*ok, "/type") == "ack");
  CHECK(db.scalar("SELECT metadata->'attachments'->0->>'name' FROM chat_messages WHERE id = $1",
                  {json_str(*ok, "/message_id")}) == "m.png");
}

TEST_CASE("an oversized or mislabelled upload is refused with a JSON error and stores nothing", "[e2e][attachments]") {
  Db db(attach_db());
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(attach_db(), {{"TECHPULSE_MAX_ATTACHMENT_BYTES", "600000"}});
  auto token = gw.token(alice);
  auto attachments = count(db, "attachments");
  auto chunks = count(db, "attachment_chunks");

  // At the limit: accepted. One byte over, by Content-Length: 413 before a byte is read.
  auto at = png(600000 - 16);
  REQUIRE(at.size() == 600000);
  upload_ok(gw, token, thread, "image/png", "at.png", at);
  attachments = count(db, "attachments");
  chunks = count(db, "attachment_chunks");
  auto over = upload(gw, token, thread, "image/png", png(600001 - 16));
  CHECK(over.status == 413);
  CHECK(json_str(over.body, "/error") == "too_large");
  CHECK(json_str(over.body, "/message").find("600000") != std::string::npos);
  // Over it without a length (chunked): refused once the count passes it, after chunks were stored, which go.
  {
    HttpClient client(gw.port());
    Headers h = bearer(token);
    h.emplace_back("Content-Type", "image/png");
    auto r = client.upload(upload_target(thread, "big.png"), h, png(900000), 64 * 1024, {}, true);
    CHECK(r.status == 413);
    CHECK(json_str(r.body, "/error") == "too_large");
  }
  // Mislabelled: PNG bytes called JPEG, a PDF called PNG, text with a NUL byte, a type not on the list.
  for (auto [type, data] : std::vector<std::pair<std::string, std::string>>{{"image/jpeg", png()},
                                                                            {"image/png", pdf()},
                                                                            {"text/plain", std::string("a\0b", 3)},
                                                                            {"image/svg+xml", "<svg/>"},
                                                                            {"", "hello"}}) {
    auto r = upload(gw, token, thread, type, data);
    INFO(type << " -> " << r.status << " " << r.body);
    CHECK(r.status == 415);
    CHECK(json_str(r.body, "/error") == "bad_request");
  }
  CHECK(upload(gw, token, thread, "text/plain", "plain words\n").status == 201);
  CHECK(upload(gw, token, thread, "image/png", "").status == 400);
  CHECK(count(db, "attachments") == std::to_string(std::stol(attachments) + 1));
  CHECK(count(db, "attachment_chunks") == std::to_string(std::stol(chunks) + 1));
  CHECK(db.scalar("SELECT count(*) FROM attachments WHERE NOT complete") == "0");
}

TEST_CASE("a 10 MiB upload keeps the gateway's resident memory growth under 4 MiB while it streams",
          "[e2e][attachments][memory]") {
  if (gateway_sanitized()) return;  // RSS is meaningless under ASan: this case runs in the normal pass (run.sh)
  Db db(attach_db());
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(attach_db());
  auto token = gw.token(alice);
  // A first upload brings every buffer the path uses (pool connections, libpq, the chunk) to its working size.
  upload_ok(gw, token, thread, "audio/ogg", "warm.ogg", ogg_opus() + random_bytes(2 << 20, 9));
  const long before = rss_kib(gw.pid());
  REQUIRE(before > 0);
  const auto data = png(10 * 1024 * 1024 - 16);
  long peak = before;
  HttpClient client(gw.port());
  Headers h = bearer(token);
  h.emplace_back("Content-Type", "image/png");
  h.emplace_back("Content-Disposition", "attachment; filename=\"big.png\"");
  auto r = client.upload(upload_target(thread), h, data, 128 * 1024, [&](size_t) { peak = std::max(peak, rss_kib(gw.pid())); });
  peak = std::max(peak, rss_kib(gw.pid()));
  INFO("RSS before " << before << " KiB, peak while streaming " << peak << " KiB");
  REQUIRE(r.status == 201);
  CHECK(peak - before < 4 * 1024);
  auto back = http_call(gw.port(), "GET", "/v1/attachments/" + json_str(r.body, "/attachment/id"), bearer(token));
  CHECK(back.status == 200);
  CHECK(sha256_hex(back.body) == sha256_hex(data));
}

TEST_CASE("an attachment no message carries is deleted by the sweep after the TTL; one a message carries stays",
          "[e2e][attachments]") {
  Db db(attach_db());
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(attach_db(), {{"TECHPULSE_ATTACHMENT_ORPHAN_TTL", "1"}});
  auto orphan = json_str(upload_ok(gw, gw.token(alice), thread, "image/png", "o.png", png()), "/attachment/id");
  auto kept = json_str(upload_ok(gw, gw.token(alice), thread, "image/png", "k.png", png()), "/attachment/id");
  auto c = connect_as(gw, alice);
  c->send(attach_frame(thread, "image", "k", R"([{"id":")" + kept + "\"}]", "k"));
  auto ack = reply_to(*c, "k");
  REQUIRE(ack);
  REQUIRE(json_str(*ack, "/type") == "ack");
  auto deadline = Clock::now() + 20s;
  while (db.scalar("SELECT count(*) FROM attachments WHERE id = $1", {orphan}) != "0" && Clock::now() < deadline) {
    // Waiting for the sweep's DELETE; each check is one query.
    std::this_thread::sleep_for(100ms);
  }
  CHECK(db.scalar("SELECT count(*) FROM attachments WHERE id = $1", {orphan}) == "0");
  CHECK(db.scalar("SELECT count(*) FROM attachment_chunks WHERE attachment_id = $1", {orphan}) == "0");
  CHECK(db.scalar("SELECT count(*) FROM attachments WHERE id = $1", {kept}) == "1");
  CHECK(file_gets(gw.log_path(), "attachments_swept"));
}
