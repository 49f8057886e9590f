#pragma once

// The flags a benchmark or load tool takes for TLS to the gateway, bound to
// the SDK's ClientOptions::TlsFiles (the SDK reads the files when the
// Client is created): --tls_ca_file, the CA bundle the gateway's
// certificate must chain to (empty: plaintext), and for mutual TLS
// --tls_cert_file and --tls_key_file. A certificate without its key, a key
// alone, or either without a CA is a usage error naming the flags (as the
// SDK's ValidateClientOptions would refuse it later).

#include <CLI/CLI.hpp>

#include "client/cpp/options.h"

namespace ingest::bench {

// Adds --tls_ca_file, --tls_cert_file and --tls_key_file to `app`, bound to
// `tls` (which must outlive the parse).
void AddClientTlsFlags(CLI::App& app, client::ClientOptions::TlsFiles& tls);

}  // namespace ingest::bench
