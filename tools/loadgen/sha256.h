#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace ingest::loadgen {

// Lower-case hex SHA-256 of `data` (64 characters), the same text PostgreSQL's
// encode(sha256(bytes), 'hex') produces. Thread-safe.
std::string Sha256Hex(absl::string_view data);

}  // namespace ingest::loadgen
