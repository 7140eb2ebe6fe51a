#include "gateway/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include "gateway/jwks.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = b(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    uint32_t v = (b(i) << 16) | (b(i + 1) << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return false;  // '=' padding and standard base64 are not base64url
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Canonical only: the bits of the last character that carry no byte must be zero. Otherwise several strings
  // decode to the same bytes, and a token "tampered" in those bits would still verify.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  return true;
}

std::variant<Claims, std::string> verify_jwt(std::string_view token, std::string_view secret, int64_t now) {
  JwtKeys keys;
  keys.hs256_secret.assign(secret);
  return verify_jwt(token, keys, now);
}

std::variant<Claims, std::string> verify_jwt(std::string_view token, const JwtKeys& keys, int64_t now) {
  if (token.size() > 8192) return std::string("token too long");
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::string("token is not a JWT");
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return std::string("token is not a JWT");
  }
  std::string header, payload, sig;
  if (!base64url_decode(token.substr(0, d1), header) || !base64url_decode(token.substr(d1 + 1, d2 - d1 - 1), payload) ||
      !base64url_decode(token.substr(d2 + 1), sig)) {
    return std::string("token is not valid base64url");
  }

  // One parser per thread, reused: a parser of its own per token cost every handshake about 12 KiB of short-lived
  // heap (simdjson's depth and tape buffers), which a burst of handshakes leaves behind as fragmented free memory
  // between the connections made meanwhile. The payload and header are at most 8 KiB (the token limit above).
  thread_local simdjson::dom::parser parser(8192);
  simdjson::dom::element h;
  if (parser.parse(header).get(h) || !h.is_object()) return std::string("token header is not a JSON object");
  std::string_view alg;
  if (h["alg"].get_string().get(alg)) return std::string("token header has no alg");
  if (alg == "HS256") {
    if (keys.hs256_secret.empty()) return std::string("HS256 tokens are not accepted");
    auto expected = hmac_sha256(keys.hs256_secret, token.substr(0, d2));
    if (sig.size() != expected.size() || CRYPTO_memcmp(sig.data(), expected.data(), expected.size()) != 0) {
      return std::string("token signature does not match");
    }
  } else if (alg == "RS256" || alg == "ES256") {
    if (!keys.jwks || keys.jwks->empty()) return std::string("token algorithm must be HS256");
    std::string_view kid;
    auto kid_el = h["kid"];
    bool has_kid = kid_el.error() != simdjson::NO_SUCH_FIELD;
    if (has_kid && kid_el.get_string().get(kid)) return std::string("token kid must be a string");
    const Jwk* key = keys.jwks->find(kid, has_kid, alg == "RS256" ? JwsAlg::RS256 : JwsAlg::ES256);
    if (!key) return std::string("token kid names no key of its algorithm");
    if (!jws_verify(*key, token.substr(0, d2), sig)) return std::string("token signature does not match");
  } else {
    return std::string(keys.jwks && !keys.jwks->empty() ? "token algorithm must be HS256, RS256 or ES256"
                                                        : "token algorithm must be HS256");
  }

  simdjson::dom::element p;
  if (parser.parse(payload).get(p) || !p.is_object()) return std::string("token payload is not a JSON object");
  Claims c;
  std::string_view sub;
  if (p["sub"].get_string().get(sub)) return std::string("token has no sub");
  if (!protocol::is_uuid(sub)) return std::string("token sub must be a UUID");
  c.sub.assign(sub);
  for (auto& ch : c.sub) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto exp_el = p["exp"];
  int64_t exp_i = 0;
  double exp_d = 0;
  if (!exp_el.get_int64().get(exp_i)) {
    c.exp = exp_i;
  } else if (!exp_el.get_double().get(exp_d)) {
    // A fraction or a number past int64 (1e300, 2^64): clamp before converting, a cast out of range is undefined.
    if (exp_d >= 9.2e18) {
      c.exp = INT64_MAX;
    } else if (exp_d <= -9.2e18) {
      c.exp = INT64_MIN;
    } else {
      c.exp = static_cast<int64_t>(exp_d);
    }
  } else {
    return std::string("token has no exp");
  }
  if (c.exp <= now) return std::string("token has expired");
  if (!keys.audience.empty()) {
    auto aud = p["aud"];
    if (aud.error() != simdjson::NO_SUCH_FIELD) {
      bool named = false;
      std::string_view one;
      simdjson::dom::array many;
      if (!aud.get_string().get(one)) {
        named = one == keys.audience;
      } else if (!aud.get_array().get(many)) {
        for (auto a : many) {
          if (!a.get_string().get(one) && one == keys.audience) named = true;
        }
      } else {
        return std::string("token aud must be a string or an array");
      }
      if (!named) return std::string("token aud does not name this service");
    }
  }
  // nbf and iat, when present, may be at most kClockLeewaySeconds in the future (clocks of issuer and gateway
  // differ a little); a token that is not valid yet is refused.
  for (const char* claim : {"nbf", "iat"}) {
    auto el = p[claim];
    if (el.error() == simdjson::NO_SUCH_FIELD) continue;
    double t = 0;
    int64_t ti = 0;
    if (!el.get_int64().get(ti)) {
      t = static_cast<double>(ti);
    } else if (el.get_double().get(t)) {
      return std::string("token ") + claim + " must be a number";
    }
    if (t > static_cast<double>(now + kClockLeewaySeconds)) {
      return std::string(claim[0] == 'n' ? "token is not valid yet (nbf is in the future)"
                                         : "token was issued in the future (iat)");
    }
  }
  std::string_view role;
  if (!p["role"].get_string().get(role)) c.role.assign(role);
  return c;
}

std::string mint_jwt(const Claims& claims, std::string_view secret, int64_t issued_at) {
  std::string payload;
  protocol::JsonWriter w(payload);
  w.begin_object()
      .field("sub", claims.sub)
      .field("role", claims.role)
      .field("aud", "authenticated")
      .field("iat", issued_at)
      .field("exp", claims.exp)
      .end_object();
  std::string signing = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(payload);
  return signing + "." + base64url_encode(hmac_sha256(secret, signing));
}

}  // namespace techpulse::gateway
