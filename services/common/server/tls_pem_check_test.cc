#include "services/common/server/tls_pem_check.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

std::string Pem(const std::string& name) { return ReadTestFile(TestPkiFile(name)); }

const TlsFiles kFiles{.cert_file = "/secrets/tls.crt", .key_file = "/secrets/tls.key"};

TEST(TlsPemCheckTest, AKeyOfItsCertificateIsAccepted) {
  absl::StatusOr<std::string> described =
      CheckKeyPair(Pem("server.crt"), Pem("server.key"), kFiles);
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_TRUE(absl::StrContains(*described, "CN=localhost issued by CN=session-ingest local ca"))
      << *described;
}

TEST(TlsPemCheckTest, AChainIsAcceptedWithItsLeafsKey) {
  EXPECT_TRUE(
      CheckKeyPair(Pem("server.crt") + Pem("ca.crt"), Pem("server.key"), kFiles).status().ok());
}

TEST(TlsPemCheckTest, AKeyOfAnotherCertificateIsRefusedNamingTheFiles) {
  const std::string key = Pem("other-server.key");
  absl::Status status = CheckKeyPair(Pem("server.crt"), key, kFiles).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(),
                                "the key in /secrets/tls.key does not match "
                                "the certificate in /secrets/tls.crt"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--tls_reload_interval")) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), key.substr(30, 20))) << "quotes the key";
}

TEST(TlsPemCheckTest, HalfWrittenFilesAreRefused) {
  const std::string cert = Pem("server.crt");
  const std::string key = Pem("server.key");
  absl::Status status = CheckKeyPair(cert.substr(0, cert.size() / 2), key, kFiles).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "/secrets/tls.crt")) << status;

  const std::string ca = Pem("ca.crt");
  status = CheckKeyPair(cert + ca.substr(0, ca.size() / 2), key, kFiles).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "a chain cut short";

  status = CheckKeyPair(cert, key.substr(0, key.size() / 2), kFiles).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "/secrets/tls.key")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--tls_key_file")) << status;

  EXPECT_EQ(CheckKeyPair("", key, kFiles).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckKeyPair(cert, "", kFiles).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TlsPemCheckTest, ACaBundleMustBeWhole) {
  const std::string bundle = Pem("ca.crt") + Pem("other-ca.crt");
  EXPECT_TRUE(CheckPemCertificates(bundle, "/secrets/ca.crt", "--tls_client_ca_file").ok());
  absl::Status status = CheckPemCertificates(bundle.substr(0, bundle.size() - 40),
                                             "/secrets/ca.crt", "--tls_client_ca_file");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "/secrets/ca.crt")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--tls_client_ca_file")) << status;
  EXPECT_FALSE(CheckPemCertificates("not a certificate", "/secrets/ca.crt", "--flag").ok());
}

}  // namespace
}  // namespace ingest
