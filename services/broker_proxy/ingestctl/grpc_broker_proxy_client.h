#pragma once

// BrokerProxyClient over gRPC: the generated BrokerProxy stub on one channel.

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/broker_proxy_client.h"

namespace ingest::ingestctl {

// TLS of the channel, as PEM text (app.cc reads --ca_file, --cert_file and
// --key_file).
struct TlsPem {
  std::string root_certs;   // the CA bundle the server's certificate must chain to
  std::string cert_chain;   // mutual TLS: this client's certificate; empty: none
  std::string private_key;  // and its key
};

struct ClientOptions {
  std::string server;         // HOST:PORT
  std::string token;          // sent as `authorization: Bearer <token>`; none if empty
  absl::Duration timeout;     // deadline of each call
  std::optional<TlsPem> tls;  // plaintext when unset
};

// A channel over TLS when options.tls is set (the server's certificate must
// name the host of `server`), else plaintext (inside the cluster or through
// a port-forward). The channel connects lazily: an unreachable server, or a
// TLS handshake that fails, shows up as UNAVAILABLE on the first call, not
// here. A certificate the CA bundle does not accept gets the reason in the
// message ("...; server certificate: certificate has expired (not after
// ...)"), read by a second handshake that sends nothing (server_certificate.h).
std::unique_ptr<BrokerProxyClient> CreateGrpcBrokerProxyClient(const ClientOptions& options);

}  // namespace ingest::ingestctl
