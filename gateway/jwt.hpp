#pragma once
// JSON Web Tokens as Supabase issues them: HS256 with the project's secret, or RS256/ES256 with a key of the
// project's JWKS (gateway/jwks.hpp); `sub` (the profile id), `role`, `exp` (required), `aud`, `nbf`.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace techpulse::gateway {

class Jwks;

struct Claims {
  std::string sub;   // a UUID
  std::string role;  // the token's claim; profiles.role outranks it
  int64_t exp = 0;   // seconds since the epoch
};

// How far in the future a token's `nbf` or `iat` may be (the issuer's clock may run a little ahead).
inline constexpr int64_t kClockLeewaySeconds = 60;

// What a token may be signed with, and for whom. One value serves every entry point (the native upgrade and
// `auth` frame, the Phoenix join and `access_token`), so they accept exactly the same tokens.
struct JwtKeys {
  std::string hs256_secret;           // empty: HS256 tokens are refused
  std::shared_ptr<const Jwks> jwks;   // null or empty: RS256/ES256 tokens are refused
  std::string audience = "authenticated";  // `aud` (a string or an array of strings), when present, must name it
};

// Verifies signature, header and claims. The header's alg picks the key: HS256 -> HMAC-SHA256 with the secret
// (compared in constant time); RS256/ES256 -> the JWKS key named by `kid` (or the only key of that algorithm when
// there is no kid), whose algorithm must be the header's. "none" and every other algorithm are refused. Claims:
// sub a UUID, exp a number in the future, aud when present naming keys.audience, nbf and iat when present no more
// than kClockLeewaySeconds ahead. Every segment must be canonical base64url (no padding, no other alphabet,
// unused bits zero). Returns the claims or why not. The message never contains the token.
std::variant<Claims, std::string> verify_jwt(std::string_view token, const JwtKeys& keys, int64_t now);
// HS256 only, with the default audience.
std::variant<Claims, std::string> verify_jwt(std::string_view token, std::string_view secret, int64_t now);

std::string mint_jwt(const Claims& claims, std::string_view secret, int64_t issued_at);

std::string base64url_encode(std::string_view in);
// False for anything but canonical unpadded base64url: encode(decode(s)) == s for every accepted s.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace techpulse::gateway
