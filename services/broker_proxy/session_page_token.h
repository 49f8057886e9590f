#pragma once

// ListSessions' page token: the listing position of the last session of a
// page (session_database.h's SessionCursor). Opaque to clients: web-safe
// base64 without padding (shell-safe) of "sl1|<created_at unix us>|<session
// id>". Decoding validates every part; the position then goes to
// PostgreSQL as query parameters, never as SQL text.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/broker_proxy/session_database.h"

namespace ingest {

// The longest session id a token carries (the sessions table's ids are the
// gateway's, at most 200 characters).
inline constexpr size_t kMaxPageTokenSessionId = 512;

std::string EncodeSessionPageToken(const SessionCursor& cursor);

// INVALID_ARGUMENT, saying to pass next_page_token unchanged, unless
// `token` came from EncodeSessionPageToken: base64, the version, a
// non-negative integer time, a session id of 1..kMaxPageTokenSessionId
// bytes without control characters.
absl::StatusOr<SessionCursor> DecodeSessionPageToken(absl::string_view token);

}  // namespace ingest
