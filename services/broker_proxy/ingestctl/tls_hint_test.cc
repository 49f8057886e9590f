#include "services/broker_proxy/ingestctl/tls_hint.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::ingestctl {
namespace {

using ::testing::Optional;

// gRPC 1.51's messages, as ingestctl_tls_test sees them from a real server.
constexpr char kVerifyFailed[] =
    "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:9110: Ssl "
    "handshake failed: SSL_ERROR_SSL: error:0A000086:SSL routines::certificate verify failed";
constexpr char kNotTls[] =
    "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:9110: Ssl "
    "handshake failed: SSL_ERROR_SSL: error:0A00010B:SSL routines::wrong version number";
constexpr char kClosed[] =
    "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:9110: Socket "
    "closed";
constexpr char kRefused[] =
    "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:9110: Failed to "
    "connect to remote host: Connection refused";

GlobalOptions Tls(std::string cert = "") {
  GlobalOptions global;
  global.ca_file = "/pki/ca.crt";
  global.cert_file = cert;
  global.key_file = cert.empty() ? "" : "/pki/client.key";
  return global;
}

TEST(TlsHintTest, ACertificateTheCaDoesNotAcceptPointsAtCaFile) {
  EXPECT_THAT(TlsHint(Tls(), kVerifyFailed),
              Optional(std::string(
                  "broker-proxy at 127.0.0.1:9110 refused the TLS handshake: its certificate "
                  "does not chain to --ca_file=/pki/ca.crt, has expired or does not name that "
                  "host; check --ca_file, and the certificate broker-proxy serves "
                  "(--tls_cert_file).")));
}

TEST(TlsHintTest, TheServerCertificatesReasonSaysWhatToFix) {
  const std::string refused = absl::StrCat(kVerifyFailed, "; server certificate: ");
  EXPECT_THAT(
      TlsHint(Tls(), refused + "certificate has expired (not after 2024-05-01T12:00:00Z)"),
      Optional(std::string("broker-proxy at 127.0.0.1:9110 serves an expired certificate: renew "
                           "the certificate it serves (its --tls_cert_file; broker-proxy re-reads "
                           "it without a restart).")));
  EXPECT_THAT(
      TlsHint(Tls(), refused + "unable to get local issuer certificate (issuer CN=other-ca)"),
      Optional(std::string("broker-proxy at 127.0.0.1:9110 serves a certificate that is not "
                           "signed by a CA in --ca_file=/pki/ca.crt: pass the CA bundle that "
                           "signed it.")));
  EXPECT_THAT(TlsHint(Tls(), refused + "self-signed certificate"),
              Optional(testing::HasSubstr("not signed by a CA in --ca_file")));
  EXPECT_THAT(TlsHint(Tls(), refused + "IP address mismatch (not for 127.0.0.1)"),
              Optional(std::string("broker-proxy's certificate is not for the host of "
                                   "--server=127.0.0.1:9110: give --server a name or address its "
                                   "certificate lists.")));
  EXPECT_THAT(TlsHint(Tls(), refused + "certificate is not yet valid (not before ...)"),
              Optional(testing::HasSubstr("not valid yet")));
}

TEST(TlsHintTest, APlaintextServerIsNamed) {
  EXPECT_THAT(TlsHint(Tls(), kNotTls),
              Optional(std::string("broker-proxy at 127.0.0.1:9110 does not speak TLS: drop "
                                   "--ca_file (and INGESTCTL_CA_FILE), or start broker-proxy "
                                   "with --tls_cert_file and --tls_key_file.")));
}

TEST(TlsHintTest, AClosedTlsConnectionWithoutACertificateAsksForOne) {
  EXPECT_THAT(TlsHint(Tls(), kClosed),
              Optional(std::string("broker-proxy at 127.0.0.1:9110 refused the TLS handshake: "
                                   "it asks for a client certificate; pass --cert_file and "
                                   "--key_file (env INGESTCTL_CERT_FILE, INGESTCTL_KEY_FILE).")));
}

TEST(TlsHintTest, AClosedTlsConnectionWithACertificatePointsAtIt) {
  EXPECT_THAT(TlsHint(Tls("/pki/client.crt"), kClosed),
              Optional(std::string("broker-proxy at 127.0.0.1:9110 refused the TLS handshake: "
                                   "check that --cert_file=/pki/client.crt is signed by the CA "
                                   "broker-proxy trusts (its --tls_client_ca_file) and has not "
                                   "expired.")));
}

TEST(TlsHintTest, AClosedPlaintextConnectionSuggestsTls) {
  EXPECT_THAT(TlsHint(GlobalOptions(), kClosed),
              Optional(std::string("broker-proxy at 127.0.0.1:9110 closed the connection: if it "
                                   "serves TLS, pass --ca_file (and --cert_file, --key_file if "
                                   "it asks for a client certificate); is it running there?")));
}

TEST(TlsHintTest, NothingToSayOfARefusedConnection) {
  EXPECT_EQ(TlsHint(GlobalOptions(), kRefused), std::nullopt);
  EXPECT_EQ(TlsHint(Tls(), kRefused), std::nullopt);
  EXPECT_EQ(TlsHint(GlobalOptions(), kVerifyFailed), std::nullopt);
}

}  // namespace
}  // namespace ingest::ingestctl
