// Unit tests of the HS256 JWT verifier, the minting helper and base64url (gateway/jwt.hpp).
// Negative cases build their tokens by hand (any header and payload text, signed with OpenSSL's HMAC-SHA256), so
// they do not depend on mint_jwt.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/jwt.hpp"

using namespace techpulse::gateway;

namespace {

constexpr std::string_view kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
constexpr int64_t kNow = 1'700'000'000;
const std::string kSub = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const std::string kSubUpper = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";
const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len) != nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// A token from arbitrary header and payload text, signed with HMAC-SHA256 under `secret`.
std::string make_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret = kSecret) {
  std::string signing = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return signing + "." + base64url_encode(hmac_sha256(secret, signing));
}

std::string payload(std::string_view sub, int64_t exp, std::string_view role = "authenticated") {
  return R"({"sub":")" + std::string(sub) + R"(","role":")" + std::string(role) +
         R"(","aud":"authenticated","iat":)" + std::to_string(kNow - 60) + R"(,"exp":)" + std::to_string(exp) + "}";
}

Claims verify_ok(std::string_view token, std::string_view secret = kSecret, int64_t now = kNow) {
  INFO("token: " << token);
  auto r = verify_jwt(token, secret, now);
  if (const auto* why = std::get_if<std::string>(&r)) {
    FAIL("expected the token to verify, it was refused: " << *why);
  }
  return std::get<Claims>(r);
}

void require_refused(std::string_view token, std::string_view secret = kSecret, int64_t now = kNow) {
  INFO("token: " << token);
  auto r = verify_jwt(token, secret, now);
  REQUIRE(std::holds_alternative<std::string>(r));
  const auto& why = std::get<std::string>(r);
  INFO("reason: " << why);
  CHECK_FALSE(why.empty());
  if (token.size() >= 8) {
    CHECK(why.find(token) == std::string::npos);  // the message never contains the token
  }
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Valid tokens
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("a minted token verifies and returns sub, role and exp") {
  Claims in{kSub, "technician", kNow + 3600};
  auto token = mint_jwt(in, kSecret, kNow);
  auto c = verify_ok(token);
  CHECK(c.sub == kSub);
  CHECK(c.role == "technician");
  CHECK(c.exp == kNow + 3600);
}

TEST_CASE("a minted token with an upper-case sub verifies with sub lower-cased") {
  auto token = mint_jwt(Claims{kSubUpper, "customer", kNow + 60}, kSecret, kNow);
  auto c = verify_ok(token);
  CHECK(c.sub == kSub);
  CHECK(c.role == "customer");
  CHECK(c.exp == kNow + 60);
}

TEST_CASE("a minted token is three base64url segments with an HS256 header and the claims in its payload") {
  auto token = mint_jwt(Claims{kSub, "customer", kNow + 60}, kSecret, kNow);
  auto parts = split(token);
  REQUIRE(parts.size() == 3);
  std::string header, body, sig;
  REQUIRE(base64url_decode(parts[0], header));
  REQUIRE(base64url_decode(parts[1], body));
  REQUIRE(base64url_decode(parts[2], sig));
  CHECK(sig == hmac_sha256(kSecret, parts[0] + "." + parts[1]));

  simdjson::dom::parser p;
  simdjson::dom::element h;
  REQUIRE(p.parse(simdjson::padded_string(header)).get(h) == simdjson::SUCCESS);
  CHECK(std::string_view(h["alg"].get_string().value()) == "HS256");
  simdjson::dom::parser p2;
  simdjson::dom::element b;
  REQUIRE(p2.parse(simdjson::padded_string(body)).get(b) == simdjson::SUCCESS);
  CHECK(std::string_view(b["sub"].get_string().value()) == kSub);
  CHECK(std::string_view(b["role"].get_string().value()) == "customer");
  CHECK(b["exp"].get_int64().value() == kNow + 60);
}

TEST_CASE("a hand-built HS256 token verifies") {
  auto c = verify_ok(make_token(kHs256Header, payload(kSubUpper, kNow + 1, "authenticated")));
  CHECK(c.sub == kSub);
  CHECK(c.role == "authenticated");
  CHECK(c.exp == kNow + 1);
}

TEST_CASE("a token whose exp is one second in the future verifies") {
  auto c = verify_ok(make_token(kHs256Header, payload(kSub, kNow + 1)));
  CHECK(c.exp == kNow + 1);
}

TEST_CASE("a header without typ and with extra fields still verifies") {
  verify_ok(make_token(R"({"alg":"HS256"})", payload(kSub, kNow + 60)));
  verify_ok(make_token(R"({"kid":"k1","alg":"HS256","typ":"JWT"})", payload(kSub, kNow + 60)));
}

// ---------------------------------------------------------------------------------------------------------------
// Refused tokens
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("an expired token is refused") {
  require_refused(make_token(kHs256Header, payload(kSub, kNow)));        // exp == now
  require_refused(make_token(kHs256Header, payload(kSub, kNow - 1)));    // exp < now
  require_refused(make_token(kHs256Header, payload(kSub, 0)));
  require_refused(mint_jwt(Claims{kSub, "customer", kNow}, kSecret, kNow - 3600));
}

TEST_CASE("a token signed with another secret is refused") {
  require_refused(make_token(kHs256Header, payload(kSub, kNow + 3600), "another-secret"));
  require_refused(mint_jwt(Claims{kSub, "customer", kNow + 3600}, "another-secret", kNow));
  // The verifier's secret is the one that matters, not the token's.
  require_refused(mint_jwt(Claims{kSub, "customer", kNow + 3600}, kSecret, kNow), "another-secret");
}

TEST_CASE("alg none with an empty signature is refused") {
  const std::string header = R"({"alg":"none","typ":"JWT"})";
  require_refused(base64url_encode(header) + "." + base64url_encode(payload(kSub, kNow + 3600)) + ".");
}

TEST_CASE("alg none with a valid-looking signature is refused") {
  const std::string header = R"({"alg":"none","typ":"JWT"})";
  // Signed correctly with the real secret: the header alone must be enough to refuse it.
  require_refused(make_token(header, payload(kSub, kNow + 3600)));
  // And with 32 bytes that merely look like a signature.
  require_refused(base64url_encode(header) + "." + base64url_encode(payload(kSub, kNow + 3600)) + "." +
                  base64url_encode(std::string(32, '\x5a')));
}

TEST_CASE("alg variants of none are refused") {
  for (const char* alg : {"None", "NONE", "nOnE", ""}) {
    require_refused(make_token(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})", payload(kSub, kNow + 3600)));
  }
}

TEST_CASE("alg HS512 is refused") {
  const std::string header = R"({"alg":"HS512","typ":"JWT"})";
  std::string signing = base64url_encode(header) + "." + base64url_encode(payload(kSub, kNow + 3600));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha512(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(signing.data()), signing.size(), out, &len);
  require_refused(signing + "." + base64url_encode(std::string(reinterpret_cast<char*>(out), len)));
  // Even signed with HMAC-SHA256: the header's alg is not HS256.
  require_refused(make_token(header, payload(kSub, kNow + 3600)));
}

TEST_CASE("alg RS256 is refused") {
  require_refused(make_token(R"({"alg":"RS256","typ":"JWT"})", payload(kSub, kNow + 3600)));
}

TEST_CASE("an alg that is not exactly HS256 is refused") {
  for (const char* header : {R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"HS256 ","typ":"JWT"})",
                             R"({"alg":"HS384","typ":"JWT"})", R"({"alg":"ES256","typ":"JWT"})",
                             R"({"alg":256,"typ":"JWT"})", R"({"alg":null,"typ":"JWT"})",
                             R"({"alg":["HS256"],"typ":"JWT"})"}) {
    require_refused(make_token(header, payload(kSub, kNow + 3600)));
  }
}

TEST_CASE("a header without alg is refused") {
  require_refused(make_token(R"({"typ":"JWT"})", payload(kSub, kNow + 3600)));
  require_refused(make_token(R"({})", payload(kSub, kNow + 3600)));
}

TEST_CASE("a header that is not a JSON object is refused") {
  require_refused(make_token("not json", payload(kSub, kNow + 3600)));
  require_refused(make_token(R"(["HS256"])", payload(kSub, kNow + 3600)));
  require_refused(make_token(R"("HS256")", payload(kSub, kNow + 3600)));
  require_refused(make_token("", payload(kSub, kNow + 3600)));
}

TEST_CASE("a token without exp is refused") {
  require_refused(make_token(kHs256Header, R"({"sub":")" + kSub + R"(","role":"authenticated"})"));
}

TEST_CASE("a token whose exp is not a number is refused") {
  for (const char* exp : {"\"9999999999\"", "null", "true", "{}", "[9999999999]"}) {
    require_refused(make_token(kHs256Header, R"({"sub":")" + kSub + R"(","role":"authenticated","exp":)" +
                                                 std::string(exp) + "}"));
  }
}

TEST_CASE("a token without sub is refused") {
  require_refused(make_token(kHs256Header, R"({"role":"authenticated","exp":)" + std::to_string(kNow + 3600) + "}"));
}

TEST_CASE("a token whose sub is not a UUID is refused") {
  for (std::string sub : {std::string("not-a-uuid"), std::string(""), std::string("admin"),
                          std::string("3f2504e04f8941d39a0c0305e82c3301"), kSub + "0", kSub.substr(1),
                          std::string("3f2504e0-4f89-41d3-9a0c-0305e82c330g")}) {
    require_refused(make_token(kHs256Header, payload(sub, kNow + 3600)));
  }
  require_refused(make_token(kHs256Header, R"({"sub":12345,"exp":)" + std::to_string(kNow + 3600) + "}"));
  require_refused(make_token(kHs256Header, R"({"sub":null,"exp":)" + std::to_string(kNow + 3600) + "}"));
}

TEST_CASE("a token with 2 segments is refused") {
  auto parts = split(make_token(kHs256Header, payload(kSub, kNow + 3600)));
  REQUIRE(parts.size() == 3);
  require_refused(parts[0] + "." + parts[1]);
  require_refused(parts[0] + "." + parts[2]);
}

TEST_CASE("a token with 4 segments is refused") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600));
  auto parts = split(token);
  require_refused(token + "." + parts[2]);
  require_refused(token + ".");
}

TEST_CASE("a token that is empty or has a single segment is refused") {
  require_refused("");
  require_refused("abc");
  require_refused(".");
  require_refused("..");
  require_refused("...");
}

TEST_CASE("a token with non-base64url characters is refused") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600));
  auto parts = split(token);
  REQUIRE(parts.size() == 3);
  for (char bad : {'+', '/', '=', ' ', '*', '!', '\n', '\0'}) {
    INFO("character code " << static_cast<int>(bad));
    for (int seg = 0; seg < 3; ++seg) {
      auto p = parts;
      p[seg].insert(p[seg].size() / 2, 1, bad);
      require_refused(p[0] + "." + p[1] + "." + p[2]);
    }
  }
}

TEST_CASE("a token with standard base64 padding is refused") {
  // A signature segment is 43 characters; padded standard base64 adds one '='.
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600));
  require_refused(token + "=");
}

TEST_CASE("a payload that is not JSON is refused") {
  require_refused(make_token(kHs256Header, "this is not json"));
  require_refused(make_token(kHs256Header, R"({"sub":")" + kSub + R"(","exp":)"));
  require_refused(make_token(kHs256Header, ""));
}

TEST_CASE("a payload that is JSON but not an object is refused") {
  require_refused(make_token(kHs256Header, "[]"));
  require_refused(make_token(kHs256Header, std::to_string(kNow + 3600)));
  require_refused(make_token(kHs256Header, "\"" + kSub + "\""));
}

TEST_CASE("a tampered payload is refused") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600, "customer"));
  auto parts = split(token);
  REQUIRE(parts.size() == 3);
  const std::string other_sub = "9b2d7c1e-1111-4222-8333-444455556666";
  require_refused(parts[0] + "." + base64url_encode(payload(other_sub, kNow + 3600, "customer")) + "." + parts[2]);
  // Promoting the role or extending exp under the old signature is refused too.
  require_refused(parts[0] + "." + base64url_encode(payload(kSub, kNow + 3600, "admin")) + "." + parts[2]);
  require_refused(parts[0] + "." + base64url_encode(payload(kSub, kNow + 7200, "customer")) + "." + parts[2]);
}

TEST_CASE("a tampered header is refused") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600));
  auto parts = split(token);
  require_refused(base64url_encode(R"({"alg":"HS256","typ":"JWT","x":1})") + "." + parts[1] + "." + parts[2]);
}

TEST_CASE("a truncated, extended or empty signature is refused") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 3600));
  auto parts = split(token);
  std::string sig;
  REQUIRE(base64url_decode(parts[2], sig));
  REQUIRE(sig.size() == 32);
  require_refused(parts[0] + "." + parts[1] + "." + base64url_encode(sig.substr(0, 31)));
  require_refused(parts[0] + "." + parts[1] + "." + base64url_encode(sig + "x"));
  require_refused(parts[0] + "." + parts[1] + ".");
  std::string flipped = sig;
  flipped[31] = static_cast<char>(flipped[31] ^ 1);
  require_refused(parts[0] + "." + parts[1] + "." + base64url_encode(flipped));
}

TEST_CASE("a token longer than 8192 characters is refused") {
  std::string big = R"({"sub":")" + kSub + R"(","exp":)" + std::to_string(kNow + 3600) + R"(,"pad":")" +
                    std::string(7000, 'p') + R"("})";
  auto token = make_token(kHs256Header, big);
  REQUIRE(token.size() > 8192);
  require_refused(token);
}

// ---------------------------------------------------------------------------------------------------------------
// base64url
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("base64url round-trips arbitrary bytes of every length from 0 to 40") {
  uint32_t state = 0x12345678;
  for (size_t len = 0; len <= 40; ++len) {
    for (int variant = 0; variant < 4; ++variant) {
      std::string in;
      for (size_t i = 0; i < len; ++i) {
        state = state * 1664525u + 1013904223u;
        unsigned char b = variant == 0   ? static_cast<unsigned char>(state >> 24)
                          : variant == 1 ? 0x00
                          : variant == 2 ? 0xff
                                         : static_cast<unsigned char>(i);
        in.push_back(static_cast<char>(b));
      }
      auto enc = base64url_encode(in);
      INFO("length " << len << " variant " << variant << " encoded " << enc);
      CHECK(enc.size() == (len * 4 + 2) / 3);  // unpadded length
      CHECK(enc.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            std::string::npos);
      std::string dec = "garbage";
      REQUIRE(base64url_decode(enc, dec));
      CHECK(dec == in);
    }
  }
}

TEST_CASE("base64url_encode matches the RFC 4648 test vectors without padding") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode("\xfb\xff\xbf") == "-_-_");  // the URL-safe alphabet, not '+' and '/'
}

TEST_CASE("base64url_decode rejects '=' padding") {
  std::string out;
  CHECK_FALSE(base64url_decode("Zg==", out));
  CHECK_FALSE(base64url_decode("Zm8=", out));
  CHECK_FALSE(base64url_decode("Zm9vYg==", out));
  CHECK_FALSE(base64url_decode("=", out));
  CHECK_FALSE(base64url_decode("====", out));
}

TEST_CASE("base64url_decode rejects the standard alphabet's '+' and '/'") {
  std::string out;
  CHECK_FALSE(base64url_decode("+/+/", out));
  CHECK_FALSE(base64url_decode("ab+c", out));
  CHECK_FALSE(base64url_decode("ab/c", out));
  CHECK_FALSE(base64url_decode("+w", out));
  CHECK_FALSE(base64url_decode("/w", out));
  CHECK(base64url_decode("-_-_", out));
  CHECK(out == "\xfb\xff\xbf");
}

TEST_CASE("base64url_decode rejects whitespace, other characters and impossible lengths") {
  std::string out;
  CHECK_FALSE(base64url_decode("Zm9v Yg", out));
  CHECK_FALSE(base64url_decode("Zm9v\nYg", out));
  CHECK_FALSE(base64url_decode("Zm9v.Yg", out));
  CHECK_FALSE(base64url_decode("Z", out));      // 6 bits cannot hold a byte
  CHECK_FALSE(base64url_decode("Zm9vY", out));  // length % 4 == 1
  CHECK(base64url_decode("", out));
  CHECK(out.empty());
}

TEST_CASE("base64url_decode rejects non-canonical text whose unused bits are not zero") {
  std::string out;
  // "Zg" is "f"; "Zh".."Zv" carry the same byte with padding bits set.
  CHECK(base64url_decode("Zg", out));
  CHECK(out == "f");
  for (std::string s : {"Zh", "Zi", "Zj", "Zk", "Zv"}) {
    INFO(s);
    CHECK_FALSE(base64url_decode(s, out));
  }
  CHECK(base64url_decode("Zm8", out));  // "fo"
  CHECK_FALSE(base64url_decode("Zm9", out));
  CHECK_FALSE(base64url_decode("Zm-", out));
}

TEST_CASE("a token is refused when any segment's unused base64url bits are changed") {
  auto token = make_token(kHs256Header, payload(kSub, kNow + 600));
  auto parts = split(token);
  REQUIRE(parts.size() == 3);
  // A 32-byte HMAC is 43 characters: the last one carries 4 signature bits and 2 unused bits. Every variant of
  // it with the same signature bits decodes to the same bytes, so only canonical text may verify.
  verify_ok(token);
  for (char c : std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")) {
    std::string sig = parts[2];
    if (sig.back() == c) continue;
    sig.back() = c;
    require_refused(parts[0] + "." + parts[1] + "." + sig);
  }
  // The header and payload segments too: their lengths leave unused bits in the last character.
  for (int seg : {0, 1}) {
    if (parts[seg].size() % 4 == 0) continue;
    std::string bad = parts[seg];
    std::string out;
    for (char c : std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")) {
      bad.back() = c;
      if (c != parts[seg].back() && !base64url_decode(bad, out)) break;
    }
    std::vector<std::string> p = parts;
    p[seg] = bad;
    require_refused(p[0] + "." + p[1] + "." + p[2]);
  }
}

TEST_CASE("nbf and iat in the future beyond the leeway are refused, within it accepted") {
  auto with = [](std::string_view claim, int64_t t) {
    return make_token(kHs256Header, R"({"sub":")" + kSub + R"(","exp":)" + std::to_string(kNow + 3600) + R"(,")" +
                                        std::string(claim) + R"(":)" + std::to_string(t) + "}");
  };
  for (std::string_view claim : {"nbf", "iat"}) {
    INFO(claim);
    verify_ok(with(claim, kNow - 100));
    verify_ok(with(claim, kNow + kClockLeewaySeconds));
    require_refused(with(claim, kNow + kClockLeewaySeconds + 1));
    require_refused(make_token(kHs256Header, R"({"sub":")" + kSub + R"(","exp":)" + std::to_string(kNow + 3600) +
                                                 R"(,")" + std::string(claim) + R"(":"soon"})"));
  }
}
