// ingestctl over TLS against the real broker-proxy server in-process (fake
// Kafka), with certificates made by deploy/local/make_pki.sh: the whole
// command line, from flags to the lines ingestctl prints. The right CA and a
// client certificate work; a wrong CA, an expired server certificate and a
// missing client certificate are refused with a line that says what to fix.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/broker_proxy_server.h"
#include "services/broker_proxy/fake_dead_letter_source.h"
#include "services/broker_proxy/fake_kafka_admin.h"
#include "services/broker_proxy/fake_producer.h"
#include "services/broker_proxy/ingestctl/app.h"
#include "tests/testing/test_pki.h"

namespace ingest::ingestctl {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kToken[] = "operator-token-0123456789";

class NeverPacer final : public Pacer {
 public:
  bool Wait(absl::Duration) override { return false; }
  absl::Time Now() override { return absl::UnixEpoch(); }
};

class IngestctlTlsTest : public ::testing::Test {
 protected:
  // broker-proxy serving `cert` (a name in the test PKI), asking for a
  // client certificate of ca.crt when `mutual`; std::nullopt: plaintext.
  void Start(std::optional<std::string> cert, bool mutual) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string tokens = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/operator_tokens");
    std::ofstream(tokens, std::ios::trunc) << kToken << "\n";
    BrokerProxyOptions options;
    options.kafka_bootstrap = "unused:9092";
    options.operator_token_file = tokens;
    options.shutdown_grace = absl::Seconds(2);
    if (cert.has_value()) {
      options.tls = TlsFiles{.cert_file = TestPkiFile(*cert + ".crt"),
                             .key_file = TestPkiFile(*cert + ".key"),
                             .client_ca_file = mutual ? TestPkiFile("ca.crt") : ""};
    }
    auto admin = std::make_unique<FakeKafkaAdmin>();
    admin->AddTopic("ingest.tasks", 2, 1,
                    {{"cleanup.policy", "delete"},
                     {"min.insync.replicas", "1"},
                     {"retention.ms", "-1"},
                     {"max.message.bytes", "16777216"}});
    auto server = BrokerProxyServer::Start(
        options, std::move(admin), /*database=*/nullptr, std::make_unique<FakeDeadLetterSource>(),
        /*sessions=*/nullptr, /*quarantines=*/nullptr, std::make_unique<FakeProducer>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    address_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  // `ingestctl --server=<server> --token=... <args> topics describe`, as
  // main() runs it; the exit code, with out_ and err_ what it printed.
  int Describe(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", address_, "--token", kToken});
    args.insert(args.end(), {"topics", "describe"});
    std::ostringstream out;
    std::ostringstream err;
    Console console{out, err, false};
    NeverPacer pacer;
    const int code = RunIngestctl(args, {}, console, CreateGrpcBrokerProxyClient, pacer);
    out_ = out.str();
    err_ = err.str();
    return code;
  }

  static std::vector<std::string> Ca(const std::string& ca) {
    return {absl::StrCat("--ca_file=", TestPkiFile(ca))};
  }
  static std::vector<std::string> Mutual(const std::string& ca) {
    return {absl::StrCat("--ca_file=", TestPkiFile(ca)),
            absl::StrCat("--cert_file=", TestPkiFile("client.crt")),
            absl::StrCat("--key_file=", TestPkiFile("client.key"))};
  }

  std::unique_ptr<BrokerProxyServer> server_;
  std::string address_;
  std::string out_;
  std::string err_;
};

// The first line ingestctl prints when the connection to address_ failed
// with gRPC's `last_error` (gRPC 1.51 with OpenSSL 3, as Debian 12 ships).
std::string Failed(const std::string& address, const std::string& last_error) {
  return absl::StrCat(
      "ingestctl: topics describe: UNAVAILABLE: failed to connect to all addresses; last error: ",
      absl::StrReplaceAll(last_error, {{"ADDRESS", address}}), "\n");
}
constexpr char kVerifyFailed[] =
    "UNKNOWN: ipv4:ADDRESS: Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL "
    "routines::certificate verify failed";
constexpr char kClosed[] = "UNAVAILABLE: ipv4:ADDRESS: Socket closed";

TEST_F(IngestctlTlsTest, TheRightCaAndAClientCertificateWork) {
  Start("server", /*mutual=*/true);
  EXPECT_EQ(Describe(Mutual("ca.crt")), kExitOk) << err_;
  EXPECT_THAT(out_, HasSubstr("TOPIC ingest.tasks: 2 partitions"));
  EXPECT_EQ(err_, "");
}

TEST_F(IngestctlTlsTest, TheEnvironmentGivesTheTlsFiles) {
  Start("server", /*mutual=*/true);
  std::ostringstream out;
  std::ostringstream err;
  Console console{out, err, false};
  NeverPacer pacer;
  EXPECT_EQ(RunIngestctl({"topics", "describe"},
                         {{"INGESTCTL_SERVER", address_},
                          {"INGESTCTL_TOKEN", kToken},
                          {"INGESTCTL_CA_FILE", TestPkiFile("ca.crt")},
                          {"INGESTCTL_CERT_FILE", TestPkiFile("client.crt")},
                          {"INGESTCTL_KEY_FILE", TestPkiFile("client.key")}},
                         console, CreateGrpcBrokerProxyClient, pacer),
            kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("TOPIC ingest.tasks"));
}

// The first line ends with what a second look at the server's certificate
// found (server_certificate.h): broker-proxy sends its CA along, which
// --ca_file does not hold.
TEST_F(IngestctlTlsTest, AWrongCaIsRefused) {
  Start("server", /*mutual=*/true);
  EXPECT_EQ(Describe(Mutual("other-ca.crt")), kExitError);
  EXPECT_EQ(out_, "");
  EXPECT_EQ(err_,
            absl::StrCat(Failed(address_, absl::StrCat(kVerifyFailed,
                                                       "; server certificate: self-signed "
                                                       "certificate in certificate chain (issuer "
                                                       "CN=session-ingest local ca)")),
                         "hint: broker-proxy at ", address_,
                         " serves a certificate that is not signed by a CA in --ca_file=",
                         TestPkiFile("other-ca.crt"), ": pass the CA bundle that signed it.\n"));
}

TEST_F(IngestctlTlsTest, AnExpiredServerCertificateIsRefused) {
  Start("expired", /*mutual=*/false);
  EXPECT_EQ(Describe(Ca("ca.crt")), kExitError);
  EXPECT_THAT(err_, MatchesRegex(absl::StrCat(
                        "ingestctl: topics describe: UNAVAILABLE: .*certificate verify failed; "
                        "server certificate: certificate has expired \\(not after "
                        "[0-9-]+T[0-9:]+Z\\)\n"
                        "hint: broker-proxy at ",
                        address_,
                        " serves an expired certificate: renew the certificate it serves \\(its "
                        "--tls_cert_file; broker-proxy re-reads it without a restart\\).\n")));
}

TEST_F(IngestctlTlsTest, AMissingClientCertificateIsRefused) {
  Start("server", /*mutual=*/true);
  EXPECT_EQ(Describe(Ca("ca.crt")), kExitError);
  EXPECT_EQ(err_, absl::StrCat(Failed(address_, kClosed), "hint: broker-proxy at ", address_,
                               " refused the TLS handshake: it asks for a client certificate; "
                               "pass --cert_file and --key_file (env INGESTCTL_CERT_FILE, "
                               "INGESTCTL_KEY_FILE).\n"));
}

// other-server.crt: signed by other-ca, and for servers only.
TEST_F(IngestctlTlsTest, AClientCertificateOfAnotherCaIsRefused) {
  Start("server", /*mutual=*/true);
  const std::string cert = TestPkiFile("other-server.crt");
  EXPECT_EQ(Describe({"--ca_file=" + TestPkiFile("ca.crt"), "--cert_file=" + cert,
                      "--key_file=" + TestPkiFile("other-server.key")}),
            kExitError);
  EXPECT_EQ(err_, absl::StrCat(Failed(address_, kClosed), "hint: broker-proxy at ", address_,
                               " refused the TLS handshake: check that --cert_file=", cert,
                               " is signed by the CA broker-proxy trusts (its "
                               "--tls_client_ca_file) and has not expired.\n"));
}

TEST_F(IngestctlTlsTest, PlaintextToATlsServerSuggestsCaFile) {
  Start("server", /*mutual=*/false);
  EXPECT_EQ(Describe({}), kExitError);
  EXPECT_EQ(err_, absl::StrCat(Failed(address_, kClosed), "hint: broker-proxy at ", address_,
                               " closed the connection: if it serves TLS, pass --ca_file (and "
                               "--cert_file, --key_file if it asks for a client certificate); "
                               "is it running there?\n"));
}

TEST_F(IngestctlTlsTest, TlsToAPlaintextServerSaysItDoesNotSpeakTls) {
  Start(std::nullopt, /*mutual=*/false);
  EXPECT_EQ(Describe(Ca("ca.crt")), kExitError);
  EXPECT_EQ(err_, absl::StrCat(Failed(address_,
                                      "UNKNOWN: ipv4:ADDRESS: Ssl handshake failed: SSL_ERROR_SSL: "
                                      "error:0A00010B:SSL routines::wrong version number"),
                               "hint: broker-proxy at ", address_,
                               " does not speak TLS: drop --ca_file (and INGESTCTL_CA_FILE), or "
                               "start broker-proxy with --tls_cert_file and --tls_key_file.\n"));
}

}  // namespace
}  // namespace ingest::ingestctl
