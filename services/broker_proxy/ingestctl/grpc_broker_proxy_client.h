#pragma once

// BrokerProxyClient over gRPC: the generated BrokerProxy stub on one channel.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/broker_proxy_client.h"

namespace ingest::ingestctl {

struct ClientOptions {
  std::string server;     // HOST:PORT
  std::string token;      // sent as `authorization: Bearer <token>`; none if empty
  absl::Duration timeout;  // deadline of each call
};

// Plaintext channel (broker-proxy is reached inside the cluster or through a
// port-forward). The channel connects lazily: an unreachable server shows up
// as UNAVAILABLE on the first call, not here.
std::unique_ptr<BrokerProxyClient> CreateGrpcBrokerProxyClient(const ClientOptions& options);

}  // namespace ingest::ingestctl
