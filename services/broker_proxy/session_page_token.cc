#include "services/broker_proxy/session_page_token.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace ingest {
namespace {

constexpr char kVersion[] = "sl1";
// 9999-12-31: later times are not PostgreSQL timestamps a row can hold.
constexpr int64_t kMaxUnixMicros = 253402300799999999;

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "page_token is not one this server issued (", why,
      "): pass next_page_token of a previous ListSessions answer unchanged"));
}

}  // namespace

std::string EncodeSessionPageToken(const SessionCursor& cursor) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      kVersion, "|", absl::ToUnixMicros(cursor.created_at), "|", cursor.session_id));
}

absl::StatusOr<SessionCursor> DecodeSessionPageToken(absl::string_view token) {
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return Bad("not base64");
  // The session id is last and may itself hold '|'.
  std::vector<std::string> parts = absl::StrSplit(plain, absl::MaxSplits('|', 2));
  if (parts.size() != 3 || parts[0] != kVersion) return Bad("unknown format");
  int64_t unix_us = 0;
  if (!absl::SimpleAtoi(parts[1], &unix_us) || unix_us < 0 || unix_us > kMaxUnixMicros ||
      parts[1] != absl::StrCat(unix_us)) {
    return Bad("bad time");
  }
  const std::string& session_id = parts[2];
  if (session_id.empty() || session_id.size() > kMaxPageTokenSessionId) {
    return Bad("bad session id");
  }
  for (char c : session_id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Bad("bad session id");
  }
  return SessionCursor{absl::FromUnixMicros(unix_us), session_id};
}

}  // namespace ingest
