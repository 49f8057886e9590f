#include "services/common/crypto/sha256.h"

#include <openssl/hmac.h>

#include <cstdlib>

#include "absl/strings/escaping.h"

namespace ingest {

std::string Sha256(absl::string_view data) {
  Sha256Hasher hasher;
  hasher.Update(data);
  return hasher.Finish();
}

std::string Sha256Hex(absl::string_view data) { return absl::BytesToHexString(Sha256(data)); }

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// OpenSSL failing to hash is not recoverable (out of memory or a broken
// library): abort rather than return a wrong digest.
Sha256Hasher::Sha256Hasher() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) abort();
}

void Sha256Hasher::Update(absl::string_view data) {
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) abort();
}

std::string Sha256Hasher::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest, &length) != 1) abort();
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace ingest
