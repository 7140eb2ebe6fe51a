#pragma once
// Asymmetric JWT keys from a JSON Web Key Set (RFC 7517), as a Supabase project publishes them: RSA keys for RS256
// and P-256 keys for ES256, each selected by its `kid`. Parsing builds OpenSSL 3 EVP_PKEYs once; verifying is
// thread-safe (every call uses its own digest context). gateway/jwt.hpp verifies the token and its claims.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace techpulse::gateway {

enum class JwsAlg { RS256, ES256 };

struct Jwk {
  std::string kid;  // may be empty
  JwsAlg alg;       // from kty (RSA -> RS256, EC P-256 -> ES256); a key's own `alg`, when given, must agree
  std::shared_ptr<void> pkey;  // EVP_PKEY*, freed with EVP_PKEY_free
};

class Jwks {
 public:
  // Parses {"keys":[...]}. Keys whose `use` is not "sig" (when present) are skipped. Throws std::invalid_argument
  // naming the key (its index and kid) for anything else it cannot use: an unsupported kty, crv or alg, an RSA
  // modulus under 2048 bits, a point not on the curve, bad base64url, a duplicate kid.
  static Jwks parse(std::string_view json);
  // Reads and parses a file; the message names the file.
  static Jwks load_file(const std::string& path);

  // The key for a token header: the key with that kid, or (no kid in the header) the only key of that algorithm.
  // nullptr when there is none, or when the key's algorithm is not `alg` (no algorithm confusion).
  const Jwk* find(std::string_view kid, bool has_kid, JwsAlg alg) const;

  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<Jwk> keys_;
};

// Verifies a JWS signature over `signing_input` (the "<header>.<payload>" text). RS256: PKCS#1 v1.5 with SHA-256.
// ES256: `sig` is the JWS form, r||s of 32 bytes each; it is converted to DER for EVP_DigestVerify.
bool jws_verify(const Jwk& key, std::string_view signing_input, std::string_view sig);

}  // namespace techpulse::gateway
