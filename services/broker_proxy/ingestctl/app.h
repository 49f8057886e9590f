#pragma once

// ingestctl from arguments to exit code: parse, print help or a usage error,
// resolve the token and the TLS files, create the client, run the command. main.cc passes the
// real pieces; tests pass a fake client factory and string streams.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/broker_proxy/ingestctl/broker_proxy_client.h"
#include "services/broker_proxy/ingestctl/command_line.h"
#include "services/broker_proxy/ingestctl/commands.h"
#include "services/broker_proxy/ingestctl/grpc_broker_proxy_client.h"

namespace ingest::ingestctl {

using ClientFactory = std::function<std::unique_ptr<BrokerProxyClient>(const ClientOptions&)>;

// The token of `global`: --token as given, or from --token_file the first
// word of its first line that is neither blank nor a '#' comment (so
// broker-proxy's --operator_token_file, `<token> [name]` per line, works as
// is). INVALID_ARGUMENT when the file cannot be read or holds no token.
absl::StatusOr<std::string> ResolveToken(const GlobalOptions& global);

// The TLS of `global`: none without --ca_file, else the PEM text of
// --ca_file and (mutual TLS) --cert_file and --key_file. INVALID_ARGUMENT
// naming the flag and path of a file that cannot be read or is empty.
absl::StatusOr<std::optional<TlsPem>> ResolveTls(const GlobalOptions& global);

// `args` excludes the program name. Returns the exit code.
int RunIngestctl(const std::vector<std::string>& args, const Environment& environment,
                 Console& console, const ClientFactory& client_factory, Pacer& pacer);

// The process's pacer for `lag --watch`: sleeps in short slices; its first
// Wait installs a SIGINT handler, after which Ctrl-C makes Wait return false
// (exit 0) instead of killing the process. Used from the main thread only.
Pacer& ProcessPacer();

}  // namespace ingest::ingestctl
