#pragma once
// HS256 JSON Web Tokens as Supabase issues them: `sub` (the profile id), `role`, `exp` (required).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace techpulse::gateway {

struct Claims {
  std::string sub;   // a UUID
  std::string role;  // the token's claim; profiles.role outranks it
  int64_t exp = 0;   // seconds since the epoch
};

// How far in the future a token's `nbf` or `iat` may be (the issuer's clock may run a little ahead).
inline constexpr int64_t kClockLeewaySeconds = 60;

// Verifies signature (HMAC-SHA256, compared in constant time), header (alg must be HS256: "none" and every other
// algorithm are refused) and claims (sub a UUID, exp a number in the future, nbf and iat when present no more than
// kClockLeewaySeconds ahead). Every segment must be canonical base64url (no padding, no other alphabet, unused
// bits zero). Returns the claims or why not. The message never contains the token.
std::variant<Claims, std::string> verify_jwt(std::string_view token, std::string_view secret, int64_t now);

std::string mint_jwt(const Claims& claims, std::string_view secret, int64_t issued_at);

std::string base64url_encode(std::string_view in);
// False for anything but canonical unpadded base64url: encode(decode(s)) == s for every accepted s.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace techpulse::gateway
