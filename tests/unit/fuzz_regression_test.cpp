// Regression tests for what the fuzz targets (tests/fuzz) found. Under the sanitizer build (tests/run.sh,
// build-asan) the float-cast case is also a UBSan report, not only a wrong value.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>
#include <variant>

#include "gateway/jwt.hpp"
#include "protocol/frames.hpp"

using namespace techpulse;

namespace {

constexpr std::string_view kSecret = "fuzz-regression-secret-0123456789abcdef";
constexpr int64_t kNow = 1'700'000'000;

std::string signed_token(const std::string& payload) {
  std::string signing = gateway::base64url_encode(R"({"alg":"HS256"})") + "." + gateway::base64url_encode(payload);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(signing.data()), signing.size(), out, &len);
  return signing + "." + gateway::base64url_encode(std::string(reinterpret_cast<char*>(out), len));
}

std::string payload_with_exp(const std::string& exp) {
  return R"({"sub":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","exp":)" + exp + "}";
}

}  // namespace

TEST_CASE("parse_cursor refuses \"-0\" (frame fuzz: a cursor is digits only)") {
  CHECK_FALSE(protocol::parse_cursor("-0"));
  CHECK_FALSE(protocol::parse_cursor("-00"));
  CHECK(protocol::parse_cursor("0") == 0);
  auto r = protocol::parse_client_frame(
      R"({"type":"subscribe","ref":"1","topic":"thread:e0000000-0000-4000-8000-000000000001","since":"-0"})");
  REQUIRE(std::holds_alternative<protocol::ProtocolError>(r));
  CHECK(std::get<protocol::ProtocolError>(r).code == protocol::ErrorCode::bad_request);
}

TEST_CASE("a signed token whose exp is a double past int64 verifies as never expiring, not by an undefined cast") {
  auto r = gateway::verify_jwt(signed_token(payload_with_exp("1e300")), kSecret, kNow);
  REQUIRE(std::holds_alternative<gateway::Claims>(r));
  CHECK(std::get<gateway::Claims>(r).exp == INT64_MAX);

  auto big = gateway::verify_jwt(signed_token(payload_with_exp("1.8446744073709552e19")), kSecret, kNow);
  REQUIRE(std::holds_alternative<gateway::Claims>(big));
  CHECK(std::get<gateway::Claims>(big).exp == INT64_MAX);
}

TEST_CASE("a signed token whose exp is a double below int64 is expired") {
  auto r = gateway::verify_jwt(signed_token(payload_with_exp("-1e300")), kSecret, kNow);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) == "token has expired");
}

TEST_CASE("a fractional exp is truncated to whole seconds") {
  auto r = gateway::verify_jwt(signed_token(payload_with_exp("1700000060.9")), kSecret, kNow);
  REQUIRE(std::holds_alternative<gateway::Claims>(r));
  CHECK(std::get<gateway::Claims>(r).exp == 1'700'000'060);
}
