#pragma once

// What to do about a connection broker-proxy refused, told from gRPC's
// UNAVAILABLE message and the TLS flags given: a TLS handshake that failed
// (a certificate --ca_file does not accept, a server without TLS) or a
// connection closed right after it (a server asking for a client
// certificate, or one that speaks TLS to a plaintext client). Pure.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/broker_proxy/ingestctl/command_line.h"

namespace ingest::ingestctl {

// The hint line (without "hint: " and newline) for an UNAVAILABLE `message`
// when it tells of TLS; std::nullopt when it does not (the server may not
// be running at all).
std::optional<std::string> TlsHint(const GlobalOptions& global, absl::string_view message);

}  // namespace ingest::ingestctl
