#include "bench/common/client_tls_flags.h"

namespace ingest::bench {

void AddClientTlsFlags(CLI::App& app, client::ClientOptions::TlsFiles& tls) {
  CLI::Option* ca = app.add_option("--tls_ca_file", tls.ca_file,
                                   "TLS to the gateway: the CA bundle (PEM) its certificate must "
                                   "chain to (./dev up --tls writes GATEWAY_TLS_CA_FILE to "
                                   ".local/endpoints.env). Empty: plaintext.")
                        ->type_name("PATH");
  CLI::Option* cert =
      app.add_option("--tls_cert_file", tls.cert_file,
                     "Mutual TLS: this client's certificate (PEM), with --tls_key_file.")
          ->type_name("PATH");
  CLI::Option* key =
      app.add_option("--tls_key_file", tls.key_file, "Mutual TLS: the key of --tls_cert_file.")
          ->type_name("PATH");
  cert->needs(key)->needs(ca);
  key->needs(cert);
}

}  // namespace ingest::bench
