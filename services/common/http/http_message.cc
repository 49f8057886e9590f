#include "services/common/http/http_message.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ingest::http {
namespace {

absl::string_view ReasonPhrase(int status_code) {
  switch (status_code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

// The end of the head: after "\r\n\r\n", or "\n\n" from lenient clients.
size_t HeadEnd(absl::string_view received) {
  const size_t crlf = received.find("\r\n\r\n");
  const size_t lf = received.find("\n\n");
  if (crlf != absl::string_view::npos && (lf == absl::string_view::npos || crlf < lf)) {
    return crlf + 4;
  }
  return lf == absl::string_view::npos ? lf : lf + 2;
}

}  // namespace

ParsedHead ParseRequestHead(absl::string_view received, size_t max_bytes) {
  ParsedHead parsed;
  const size_t end = HeadEnd(received);
  if (end == absl::string_view::npos || end > max_bytes) {
    parsed.status = received.size() >= max_bytes ? HeadStatus::kTooLarge : HeadStatus::kIncomplete;
    return parsed;
  }
  absl::string_view line = received.substr(0, received.find('\n'));
  absl::ConsumeSuffix(&line, "\r");
  const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || parts[0].empty() || !absl::StartsWith(parts[1], "/") ||
      !absl::StartsWith(parts[2], "HTTP/1.")) {
    parsed.status = HeadStatus::kMalformed;
    return parsed;
  }
  parsed.status = HeadStatus::kComplete;
  parsed.head.method = std::string(parts[0]);
  parsed.head.path = std::string(parts[1].substr(0, parts[1].find('?')));
  return parsed;
}

std::string FormatResponse(int status_code, absl::string_view body,
                           absl::string_view extra_headers) {
  return absl::StrCat("HTTP/1.1 ", status_code, " ", ReasonPhrase(status_code),
                      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ",
                      body.size(), "\r\nCache-Control: no-store\r\nConnection: close\r\n",
                      extra_headers, "\r\n", body);
}

}  // namespace ingest::http
