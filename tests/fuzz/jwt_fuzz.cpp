// libFuzzer target: the HS256 JWT verifier and base64url (gateway/jwt.cpp). The first input byte picks a mode:
//   0  the rest is a token, verified as it is (signature checks refuse nearly all of these);
//   1  the rest is "<header JSON>\n<payload JSON>", encoded and correctly signed, so the header and claims parsing
//      behind the signature check is reached;
//   2  base64url: encode/decode round trips;
//   3  the rest is a `sub` and a `role`, minted with mint_jwt and verified: it must verify exactly when sub is a
//      UUID, and give back the same sub (lower-cased) and role.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "gateway/jwt.hpp"
#include "protocol/uuid.hpp"

using namespace techpulse::gateway;

namespace {

constexpr std::string_view kSecret = "fuzz-secret-with-at-least-32-characters-0123456789";
constexpr int64_t kNow = 1'700'000'000;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Checks what verify_jwt promises for any input; returns the claims when it verified.
const Claims* check_verified(const std::variant<Claims, std::string>& r) {
  if (const auto* why = std::get_if<std::string>(&r)) {
    // Reasons are short fixed texts: the token (which may be a live credential) is never echoed.
    FUZZ_CHECK(!why->empty() && why->size() <= 64);
    return nullptr;
  }
  const auto& c = std::get<Claims>(r);
  FUZZ_CHECK(techpulse::protocol::is_uuid(c.sub) && c.sub == lower(c.sub));
  FUZZ_CHECK(c.exp > kNow);
  return &c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 4;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  switch (mode) {
    case 0: {
      check_verified(verify_jwt(rest, kSecret, kNow));
      break;
    }
    case 1: {
      auto nl = rest.find('\n');
      std::string_view header = rest.substr(0, nl);
      std::string_view payload = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      std::string signing = base64url_encode(header) + "." + base64url_encode(payload);
      std::string token = signing + "." + base64url_encode(hmac_sha256(kSecret, signing));
      auto r = verify_jwt(token, kSecret, kNow);
      check_verified(r);
      // The same token under another secret never verifies.
      FUZZ_CHECK(std::holds_alternative<std::string>(verify_jwt(token, "another-secret", kNow)));
      break;
    }
    case 2: {
      std::string enc = base64url_encode(rest);
      FUZZ_CHECK(enc.size() == (rest.size() * 4 + 2) / 3);
      FUZZ_CHECK(enc.find_first_of("+/=") == std::string::npos);
      std::string dec;
      FUZZ_CHECK(base64url_decode(enc, dec) && dec == rest);
      if (base64url_decode(rest, dec)) {
        FUZZ_CHECK(dec.size() == rest.size() * 3 / 4);
        std::string again;
        FUZZ_CHECK(base64url_decode(base64url_encode(dec), again) && again == dec);
      }
      break;
    }
    case 3: {
      auto nl = rest.find('\n');
      Claims in;
      in.sub.assign(rest.substr(0, nl));
      if (nl != std::string_view::npos) in.role.assign(rest.substr(nl + 1));
      in.exp = kNow + 60;
      auto r = verify_jwt(mint_jwt(in, kSecret, kNow), kSecret, kNow);
      const Claims* out = check_verified(r);
      // JSON text must be UTF-8: a role that is not cannot survive the round trip (the verifier refuses it).
      bool utf8 = simdjson::validate_utf8(in.role.data(), in.role.size());
      bool token_ok = mint_jwt(in, kSecret, kNow).size() <= 8192;
      if (techpulse::protocol::is_uuid(in.sub) && utf8 && token_ok) {
        FUZZ_CHECK(out != nullptr);
        FUZZ_CHECK(out->sub == lower(in.sub) && out->role == in.role && out->exp == in.exp);
      }
      if (!techpulse::protocol::is_uuid(in.sub)) FUZZ_CHECK(out == nullptr);
      FUZZ_CHECK(check_verified(verify_jwt(mint_jwt(in, kSecret, kNow), kSecret, in.exp)) == nullptr);  // expired
      break;
    }
  }
  return 0;
}
