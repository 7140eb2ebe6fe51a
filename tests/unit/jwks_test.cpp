// Unit tests of RS256/ES256 tokens from a JWKS (gateway/jwks.hpp) through the one verifier (gateway/jwt.hpp).
// Every key is generated here with OpenSSL; the JWKS text is written from the keys' public parameters and tokens
// are signed with OpenSSL directly (ES256 signatures converted from DER to the JWS r||s form), so nothing here
// depends on the code under test to produce its inputs.
#include <catch2/catch.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include "gateway/config.hpp"
#include "gateway/jwks.hpp"
#include "gateway/jwt.hpp"

using namespace techpulse::gateway;

namespace {

constexpr int64_t kNow = 1'700'000'000;
const std::string kSub = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

using Key = std::shared_ptr<EVP_PKEY>;

Key gen(const char* type) {
  EVP_PKEY* k = std::string(type) == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  REQUIRE(k != nullptr);
  return Key(k, EVP_PKEY_free);
}

std::string bn_param(const Key& k, const char* name, int pad = 0) {
  BIGNUM* b = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(k.get(), name, &b) == 1);
  std::string out(pad ? pad : BN_num_bytes(b), '\0');
  if (pad) {
    REQUIRE(BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), pad) == pad);
  } else {
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  }
  BN_free(b);
  return out;
}

std::string jwk(const Key& k, const std::string& kid, const std::string& extra = "") {
  std::string kid_part = kid.empty() ? "" : R"("kid":")" + kid + R"(",)";
  if (EVP_PKEY_is_a(k.get(), "EC")) {
    return R"({"kty":"EC","crv":"P-256",)" + kid_part + extra + R"("x":")" +
           base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + R"("})";
  }
  return R"({"kty":"RSA",)" + kid_part + extra + R"("n":")" + base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_N)) +
         R"(","e":")" + base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_E)) + R"("})";
}

// Signs "<header>.<payload>"; an EC signature is turned into the JWS form (r||s, 32 bytes each) unless `der`.
std::string sign(const Key& k, const std::string& signing, bool der = false) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, k.get()) == 1);
  size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(signing.data());
  REQUIRE(EVP_DigestSign(md.get(), nullptr, &len, in, signing.size()) == 1);
  std::string sig(len, '\0');
  REQUIRE(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, signing.size()) == 1);
  sig.resize(len);
  if (!EVP_PKEY_is_a(k.get(), "EC") || der) return sig;
  auto p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  REQUIRE(s != nullptr);
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(s);
  return raw;
}

std::string claims(const std::string& extra = R"("aud":"authenticated",)") {
  return R"({"sub":")" + kSub + R"(","role":"authenticated",)" + extra + R"("iat":)" + std::to_string(kNow - 10) +
         R"(,"exp":)" + std::to_string(kNow + 3600) + "}";
}

std::string token(const Key& k, const std::string& alg, const std::string& kid, const std::string& payload = claims(),
                  bool der = false) {
  std::string header = R"({"alg":")" + alg + R"(","typ":"JWT")" + (kid.empty() ? "" : R"(,"kid":")" + kid + "\"") + "}";
  std::string signing = base64url_encode(header) + "." + base64url_encode(payload);
  return signing + "." + base64url_encode(sign(k, signing, der));
}

JwtKeys keys_of(const std::string& jwks_json, std::string secret = "") {
  JwtKeys keys;
  keys.hs256_secret = std::move(secret);
  keys.jwks = std::make_shared<Jwks>(Jwks::parse(jwks_json));
  return keys;
}

std::string refused(const std::string& tok, const JwtKeys& keys, int64_t now = kNow) {
  auto r = verify_jwt(tok, keys, now);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

Claims accepted(const std::string& tok, const JwtKeys& keys) {
  auto r = verify_jwt(tok, keys, kNow);
  if (auto* why = std::get_if<std::string>(&r)) FAIL("refused: " << *why);
  return std::get<Claims>(r);
}

}  // namespace

TEST_CASE("ES256 and RS256 tokens verify with the JWKS key their kid names", "[jwks]") {
  auto ec = gen("EC");
  auto rsa = gen("RSA");
  auto keys = keys_of(R"({"keys":[)" + jwk(ec, "ec-1") + "," + jwk(rsa, "rsa-1", R"("alg":"RS256","use":"sig",)") + "]}");
  REQUIRE(keys.jwks->size() == 2);
  CHECK(accepted(token(ec, "ES256", "ec-1"), keys).sub == kSub);
  CHECK(accepted(token(rsa, "RS256", "rsa-1"), keys).exp == kNow + 3600);
}

TEST_CASE("a token signed by another key, or naming no key, is refused", "[jwks]") {
  auto ec = gen("EC");
  auto other = gen("EC");
  auto rsa = gen("RSA");
  auto keys = keys_of(R"({"keys":[)" + jwk(ec, "ec-1") + "," + jwk(rsa, "rsa-1") + "]}");
  CHECK(refused(token(other, "ES256", "ec-1"), keys) == "token signature does not match");
  CHECK(refused(token(ec, "ES256", "nope"), keys) == "token kid names no key of its algorithm");
  // Algorithm confusion: the header's alg must be the named key's.
  CHECK(refused(token(rsa, "ES256", "rsa-1"), keys) == "token kid names no key of its algorithm");
  CHECK(refused(token(ec, "RS256", "ec-1"), keys) == "token kid names no key of its algorithm");
  // A DER signature is not the JWS form.
  CHECK(refused(token(ec, "ES256", "ec-1", claims(), true), keys) == "token signature does not match");
  // One flipped bit of the payload.
  auto t = token(ec, "ES256", "ec-1");
  auto dot = t.find('.');
  t[dot + 5] = t[dot + 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(refused(t, keys).empty());
}

TEST_CASE("without kid, the only key of the algorithm is used; with two it is ambiguous", "[jwks]") {
  auto a = gen("EC");
  auto b = gen("EC");
  CHECK(accepted(token(a, "ES256", ""), keys_of(R"({"keys":[)" + jwk(a, "a") + "]}")).sub == kSub);
  auto two = keys_of(R"({"keys":[)" + jwk(a, "a") + "," + jwk(b, "b") + "]}");
  CHECK(refused(token(a, "ES256", ""), two) == "token kid names no key of its algorithm");
  CHECK(accepted(token(b, "ES256", "b"), two).sub == kSub);
}

TEST_CASE("claims of asymmetric tokens are checked like HS256 ones: aud, exp, nbf", "[jwks]") {
  auto ec = gen("EC");
  auto keys = keys_of(R"({"keys":[)" + jwk(ec, "k") + "]}");
  CHECK(accepted(token(ec, "ES256", "k", claims(R"("aud":["x","authenticated"],)")), keys).sub == kSub);
  CHECK(accepted(token(ec, "ES256", "k", claims("")), keys).sub == kSub);  // aud is optional
  CHECK(refused(token(ec, "ES256", "k", claims(R"("aud":"anon",)")), keys) == "token aud does not name this service");
  CHECK(refused(token(ec, "ES256", "k", claims(R"("aud":["x"],)")), keys) == "token aud does not name this service");
  CHECK(refused(token(ec, "ES256", "k", claims(R"("aud":7,)")), keys) == "token aud must be a string or an array");
  CHECK(refused(token(ec, "ES256", "k", claims(R"("nbf":)" + std::to_string(kNow + 600) + ",")), keys) ==
        "token is not valid yet (nbf is in the future)");
  CHECK(accepted(token(ec, "ES256", "k", claims(R"("nbf":)" + std::to_string(kNow + 30) + ",")), keys).sub == kSub);
  CHECK(refused(token(ec, "ES256", "k"), keys, kNow + 7200) == "token has expired");
}

TEST_CASE("HS256 and asymmetric keys side by side; each only when configured", "[jwks]") {
  auto ec = gen("EC");
  const std::string secret = "super-secret-jwt-token-with-at-least-32-characters-long";
  Claims c{kSub, "authenticated", kNow + 60};
  auto both = keys_of(R"({"keys":[)" + jwk(ec, "k") + "]}", secret);
  CHECK(accepted(mint_jwt(c, secret, kNow), both).sub == kSub);
  CHECK(accepted(token(ec, "ES256", "k"), both).sub == kSub);
  // No JWKS: only HS256 (the three-argument verifier is the HS256-only one).
  auto r = verify_jwt(token(ec, "ES256", "k"), std::string_view(secret), kNow);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) == "token algorithm must be HS256");
  // No secret: HS256 refused.
  auto only_jwks = keys_of(R"({"keys":[)" + jwk(ec, "k") + "]}");
  CHECK(refused(mint_jwt(c, secret, kNow), only_jwks) == "HS256 tokens are not accepted");
  CHECK(refused(token(ec, "PS256", "k"), only_jwks) == "token algorithm must be HS256, RS256 or ES256");
}

TEST_CASE("a JWKS the gateway cannot use is refused with a message naming the key", "[jwks]") {
  auto ec = gen("EC");
  auto bad = [](const std::string& json) {
    try {
      Jwks::parse(json);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(bad("[]") == "JWKS must be a JSON object with a \"keys\" array");
  CHECK(bad(R"({"keys":[{"kty":"oct","kid":"s","k":"AAAA"}]})").find("kty oct is not supported") != std::string::npos);
  CHECK(bad(R"({"keys":[)" + jwk(ec, "k", R"("alg":"ES384",)") + "]}").find("alg ES384") != std::string::npos);
  CHECK(bad(R"({"keys":[)" + jwk(ec, "k") + "," + jwk(ec, "k") + "]}").find("kid used twice") != std::string::npos);
  CHECK(bad(R"({"keys":[{"kty":"EC","crv":"P-384","kid":"k","x":"AA","y":"AA"}]})").find("P-256") != std::string::npos);
  // A point off the curve: y + 1.
  std::string y = bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  y[31] = static_cast<char>(y[31] ^ 1);
  std::string off = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":")" +
                    base64url_encode(bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" + base64url_encode(y) +
                    R"("}]})";
  CHECK(bad(off).find("JWKS key 0 (kid k): not a valid public key") != std::string::npos);
  // RSA under 2048 bits.
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  REQUIRE(small);
  Key sk(small, EVP_PKEY_free);
  CHECK(bad(R"({"keys":[)" + jwk(sk, "s") + "]}").find("shorter than 2048 bits") != std::string::npos);
  // Encryption keys are skipped, not refused.
  CHECK(Jwks::parse(R"({"keys":[{"kty":"RSA","use":"enc","n":"AA","e":"AQAB"},)" + jwk(ec, "k") + "]}").size() == 1);
}

TEST_CASE("load_file reads a JWKS file and names the file in its errors", "[jwks]") {
  auto ec = gen("EC");
  std::string path = "/tmp/techpulse-jwks-test-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path);
    out << R"({"keys":[)" << jwk(ec, "file-key") << "]}";
  }
  JwtKeys keys;
  keys.jwks = std::make_shared<Jwks>(Jwks::load_file(path));
  CHECK(accepted(token(ec, "ES256", "file-key"), keys).sub == kSub);
  std::remove(path.c_str());
  try {
    Jwks::load_file(path);
    FAIL("a missing file was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "cannot read JWKS file " + path);
  }
}

TEST_CASE("--jwt-jwks-file is read by load_config; jwt_keys gives every entry point the same keys", "[jwks]") {
  auto ec = gen("EC");
  std::string path = "/tmp/techpulse-jwks-config-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path);
    out << R"({"keys":[)" << jwk(ec, "cfg") << "]}";
  }
  std::string flag = "--jwt-jwks-file=" + path;
  std::string secret_flag = "--jwt-secret=super-secret-jwt-token-with-at-least-32-characters-long";
  char* argv[] = {flag.data(), secret_flag.data()};
  std::vector<std::string> rest;
  Config cfg = load_config(2, argv, rest);
  REQUIRE(cfg.jwks);
  CHECK(cfg.jwks->size() == 1);
  CHECK(accepted(token(ec, "ES256", "cfg"), jwt_keys(cfg)).sub == kSub);
  CHECK(accepted(mint_jwt(Claims{kSub, "x", kNow + 60}, cfg.jwt_secret, kNow), jwt_keys(cfg)).sub == kSub);
  {
    std::ofstream out(path);
    out << R"({"keys":[{"kty":"oct","k":"AA"}]})";
  }
  try {
    load_config(2, argv, rest);
    FAIL("a JWKS the gateway cannot use was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).rfind("--jwt-jwks-file: " + path + ": JWKS key 0", 0) == 0);
  }
  std::remove(path.c_str());
}
