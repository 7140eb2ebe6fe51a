#include "protocol/uuid.hpp"

#include <openssl/rand.h>

#include <array>
#include <random>
#include <stdexcept>

namespace techpulse::protocol {

bool is_uuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string new_uuid() {
  // A per-thread generator seeded from OpenSSL: ids must not collide across nodes, but need not be secret.
  thread_local std::mt19937_64 rng = [] {
    std::array<unsigned char, 32> seed_bytes{};
    if (RAND_bytes(seed_bytes.data(), static_cast<int>(seed_bytes.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    std::seed_seq seq(seed_bytes.begin(), seed_bytes.end());
    return std::mt19937_64(seq);
  }();
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    uint8_t b = i < 8 ? static_cast<uint8_t>(hi >> (56 - 8 * i)) : static_cast<uint8_t>(lo >> (56 - 8 * (i - 8)));
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

}  // namespace techpulse::protocol
