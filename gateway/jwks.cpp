#include "gateway/jwks.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "gateway/jwt.hpp"

namespace techpulse::gateway {

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::shared_ptr<void> wrap(EVP_PKEY* k) {
  return std::shared_ptr<void>(k, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

// Builds a public key from OSSL_PARAMs, then checks it (for EC: the point is on the curve).
std::shared_ptr<void> from_params(const char* type, OSSL_PARAM_BLD* bld, const std::string& who) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0 || !pkey) {
    throw std::invalid_argument(who + ": not a valid public key");
  }
  auto out = wrap(pkey);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) throw std::invalid_argument(who + ": not a valid public key");
  return out;
}

std::string member(simdjson::dom::object key, const char* name, const std::string& who, bool required) {
  std::string_view v;
  auto el = key[name];
  if (el.error() == simdjson::NO_SUCH_FIELD) {
    if (required) throw std::invalid_argument(fmt::format("{}: no \"{}\"", who, name));
    return {};
  }
  if (el.get_string().get(v)) throw std::invalid_argument(fmt::format("{}: \"{}\" must be a string", who, name));
  return std::string(v);
}

std::string b64(simdjson::dom::object key, const char* name, const std::string& who) {
  std::string out;
  if (!base64url_decode(member(key, name, who, true), out) || out.empty()) {
    throw std::invalid_argument(fmt::format("{}: \"{}\" is not base64url", who, name));
  }
  return out;
}

BIGNUM* bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr);
}

std::shared_ptr<void> rsa_key(simdjson::dom::object key, const std::string& who) {
  std::unique_ptr<BIGNUM, BnFree> n(bn(b64(key, "n", who)));
  std::unique_ptr<BIGNUM, BnFree> e(bn(b64(key, "e", who)));
  if (!n || !e) throw std::invalid_argument(who + ": out of memory");
  if (BN_num_bits(n.get()) < 2048) throw std::invalid_argument(who + ": RSA modulus shorter than 2048 bits");
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    throw std::invalid_argument(who + ": out of memory");
  }
  return from_params("RSA", bld.get(), who);
}

std::shared_ptr<void> ec_key(simdjson::dom::object key, const std::string& who) {
  if (member(key, "crv", who, true) != "P-256") throw std::invalid_argument(who + ": crv must be P-256 (ES256)");
  std::string x = b64(key, "x", who), y = b64(key, "y", who);
  if (x.size() != 32 || y.size() != 32) throw std::invalid_argument(who + ": x and y must be 32 bytes each");
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    throw std::invalid_argument(who + ": out of memory");
  }
  return from_params("EC", bld.get(), who);
}

}  // namespace

Jwks Jwks::parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array keys;
  if (parser.parse(json.data(), json.size()).get(doc) || doc["keys"].get_array().get(keys)) {
    throw std::invalid_argument("JWKS must be a JSON object with a \"keys\" array");
  }
  Jwks out;
  size_t index = 0;
  for (auto el : keys) {
    std::string who = fmt::format("JWKS key {}", index++);
    simdjson::dom::object key;
    if (el.get_object().get(key)) throw std::invalid_argument(who + ": not a JSON object");
    std::string kid = member(key, "kid", who, false);
    if (!kid.empty()) who += " (kid " + kid + ")";
    std::string use = member(key, "use", who, false);
    if (!use.empty() && use != "sig") continue;
    std::string kty = member(key, "kty", who, true);
    std::string alg = member(key, "alg", who, false);
    Jwk k;
    k.kid = kid;
    if (kty == "RSA") {
      if (!alg.empty() && alg != "RS256") throw std::invalid_argument(who + ": alg " + alg + " is not supported");
      k.alg = JwsAlg::RS256;
      k.pkey = rsa_key(key, who);
    } else if (kty == "EC") {
      if (!alg.empty() && alg != "ES256") throw std::invalid_argument(who + ": alg " + alg + " is not supported");
      k.alg = JwsAlg::ES256;
      k.pkey = ec_key(key, who);
    } else {
      throw std::invalid_argument(who + ": kty " + kty + " is not supported (RSA for RS256, EC P-256 for ES256)");
    }
    for (const auto& other : out.keys_) {
      if (other.kid == k.kid) throw std::invalid_argument(who + ": kid used twice");
    }
    out.keys_.push_back(std::move(k));
  }
  return out;
}

Jwks Jwks::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read JWKS file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

const Jwk* Jwks::find(std::string_view kid, bool has_kid, JwsAlg alg) const {
  const Jwk* found = nullptr;
  if (has_kid) {
    for (const auto& k : keys_) {
      if (k.kid == kid) found = &k;
    }
  } else {
    for (const auto& k : keys_) {
      if (k.alg != alg) continue;
      if (found) return nullptr;  // several candidates: a token without kid is ambiguous
      found = &k;
    }
  }
  if (found && found->alg != alg) return nullptr;
  return found;
}

bool jws_verify(const Jwk& key, std::string_view signing_input, std::string_view sig) {
  std::string der;
  std::string_view to_check = sig;
  if (key.alg == JwsAlg::ES256) {
    if (sig.size() != 64) return false;
    std::unique_ptr<ECDSA_SIG, SigFree> s(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr);
    BIGNUM* sv = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
    if (!s || !r || !sv || ECDSA_SIG_set0(s.get(), r, sv) != 1) {
      BN_free(r);
      BN_free(sv);
      return false;
    }
    unsigned char* buf = nullptr;
    int len = i2d_ECDSA_SIG(s.get(), &buf);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    OPENSSL_free(buf);
    to_check = der;
  } else if (sig.empty()) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdFree> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key.pkey.get())) != 1) {
    return false;
  }
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(to_check.data()), to_check.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

}  // namespace techpulse::gateway
