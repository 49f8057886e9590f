#pragma once

// The sliver of HTTP/1.1 the probe server needs: recognising a complete
// request head in the bytes received so far, and writing a small
// `Connection: close` response. Pure functions, no sockets.

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace ingest::http {

struct RequestHead {
  std::string method;  // "GET", as sent (methods are case-sensitive)
  std::string path;    // the target without its query string: "/readyz"
};

enum class HeadStatus {
  kIncomplete,  // no blank line yet: read more
  kComplete,    // `head` is filled in
  kMalformed,   // answer 400
  kTooLarge,    // no complete head within the size limit: answer 431
};

struct ParsedHead {
  HeadStatus status = HeadStatus::kIncomplete;
  RequestHead head;
};

// Looks for a complete request head (request line and headers up to the
// blank line) at the start of `received`, which must fit in `max_bytes`.
// Headers and any body are ignored: the probe paths need neither.
ParsedHead ParseRequestHead(absl::string_view received, size_t max_bytes);

// A complete response with a text/plain `body`, Content-Length and
// `Connection: close`. `extra_headers` are full lines ending in "\r\n".
std::string FormatResponse(int status_code, absl::string_view body,
                           absl::string_view extra_headers = "");

}  // namespace ingest::http
