#pragma once

// Kafka record headers as plain strings, shared by the producer (what it
// sends), the consumer and the topic reader (what they hand out), and
// finding one by name.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace ingest {

// Kafka record headers, in order (names may repeat).
using RecordHeaders = std::vector<std::pair<std::string, std::string>>;

// The value of the last header named `name` (a repeated name's last value
// wins), or null when there is none.
inline const std::string* FindHeader(const RecordHeaders& headers, absl::string_view name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return nullptr;
}

}  // namespace ingest
