// ListSessions page tokens from operators' requests (broker-proxy,
// session_page_token.h): opaque to clients, so any bytes may come back.
// The whole input is tried as a token; it is also read as a position to
// encode (8 bytes of microseconds since 1970, taken within the range
// PostgreSQL holds when the first byte is odd, then the session id).
//
// Checks: nothing crashes; a token that decodes names a position the rules
// allow (a whole microsecond in 1970..9999, a session id of 1..512 bytes
// without control characters) and encodes to a token that decodes to the
// same position; a token the encoder made is web-safe base64 without
// padding and decodes back to its position exactly when the position
// follows those rules (and is refused otherwise).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_input.h"
#include "services/broker_proxy/session_page_token.h"

namespace ingest {
namespace {

// 9999-12-31T23:59:59.999999Z.
constexpr int64_t kMaxUnixMicros = 253402300799999999;

void Require(bool condition) {
  if (!condition) std::abort();
}

bool ValidSessionId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxPageTokenSessionId) return false;
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool ValidPosition(const SessionCursor& cursor) {
  const int64_t micros = absl::ToUnixMicros(cursor.created_at);
  return absl::FromUnixMicros(micros) == cursor.created_at && micros >= 0 &&
         micros <= kMaxUnixMicros && ValidSessionId(cursor.session_id);
}

bool WebSafeUnpadded(absl::string_view token) {
  for (char c : token) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return token.size() % 4 != 1;
}

}  // namespace
}  // namespace ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ingest::Require;
  const absl::string_view token(reinterpret_cast<const char*>(data), size);

  const absl::StatusOr<ingest::SessionCursor> decoded = ingest::DecodeSessionPageToken(token);
  if (decoded.ok()) {
    Require(ingest::ValidPosition(*decoded));
    const std::string again = ingest::EncodeSessionPageToken(*decoded);
    const absl::StatusOr<ingest::SessionCursor> redecoded = ingest::DecodeSessionPageToken(again);
    Require(redecoded.ok() && *redecoded == *decoded);
  } else {
    Require(decoded.status().code() == absl::StatusCode::kInvalidArgument);
  }

  // A position to encode.
  ingest::fuzz::FuzzInput input(data, size);
  const bool in_range = (input.Byte() & 1) != 0;
  int64_t micros = static_cast<int64_t>(input.U64());
  if (in_range) {
    micros = static_cast<int64_t>(static_cast<uint64_t>(micros) %
                                  static_cast<uint64_t>(ingest::kMaxUnixMicros + 1));
  }
  const ingest::SessionCursor cursor{absl::FromUnixMicros(micros), std::string(input.Rest())};
  const std::string encoded = ingest::EncodeSessionPageToken(cursor);
  Require(ingest::WebSafeUnpadded(encoded));
  const absl::StatusOr<ingest::SessionCursor> back = ingest::DecodeSessionPageToken(encoded);
  Require(back.ok() == ingest::ValidPosition(cursor));
  if (back.ok()) Require(*back == cursor);
  return 0;
}
