#pragma once

// SHA-256 and HMAC-SHA-256 (OpenSSL), one-shot and incremental.

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace ingest {

// The 32-byte digest of `data`.
std::string Sha256(absl::string_view data);

// Lower-case hex of Sha256(data) (64 characters), the same text PostgreSQL's
// encode(sha256(bytes), 'hex') produces.
std::string Sha256Hex(absl::string_view data);

// The 32-byte HMAC-SHA-256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// Incremental SHA-256 for data that arrives in pieces. Not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(absl::string_view data);
  // The digest of everything passed to Update(); the hasher is spent.
  std::string Finish();

 private:
  struct Deleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Deleter> context_;
};

}  // namespace ingest
