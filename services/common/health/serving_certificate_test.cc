#include "services/common/health/serving_certificate.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

constexpr char kFirstIssuer[] = "issued by CN=session-ingest local ca,";
constexpr char kOtherIssuer[] = "issued by CN=session-ingest local other-ca,";

// Replaces `path` with `contents` at once (write aside, rename), as a
// Secret volume's swap does: readers see the old file or the new one.
void Replace(const std::string& path, const std::string& contents) {
  const std::string aside = path + ".new";
  std::ofstream(aside, std::ios::trunc) << contents;
  ASSERT_EQ(std::rename(aside.c_str(), path.c_str()), 0) << path;
}

class ServingCertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    files_ = {.cert_file = dir_ + "/tls.crt",
              .key_file = dir_ + "/tls.key",
              // Checked only by CheckNow in these tests.
              .reload_interval = absl::Hours(1)};
    Replace(files_.cert_file, ReadTestFile(TestPkiFile("server.crt")));
    Replace(files_.key_file, ReadTestFile(TestPkiFile("server.key")));
  }

  std::string dir_;
  TlsFiles files_;
};

TEST_F(ServingCertificateTest, LoadsThePairAndSaysWhatItServes) {
  auto certificate = ServingCertificate::Load(files_);
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  EXPECT_THAT((*certificate)->Describe(), HasSubstr(absl::StrCat("CN=localhost ", kFirstIssuer)));
  EXPECT_THAT((*certificate)->Describe(), HasSubstr("expires"));
  EXPECT_TRUE((*certificate)->CheckNow().ok());
  EXPECT_EQ((*certificate)->reloads(), 0);
}

TEST_F(ServingCertificateTest, UnreadableFilesNameTheFlagToFix) {
  TlsFiles missing_cert = files_;
  missing_cert.cert_file = dir_ + "/absent.crt";
  auto certificate = ServingCertificate::Load(missing_cert);
  EXPECT_EQ(certificate.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(certificate.status().message(), HasSubstr("absent.crt: check --tls_cert_file"));

  TlsFiles missing_key = files_;
  missing_key.key_file = dir_ + "/absent.key";
  certificate = ServingCertificate::Load(missing_key);
  EXPECT_EQ(certificate.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(certificate.status().message(), HasSubstr("absent.key: check --tls_key_file"));
}

TEST_F(ServingCertificateTest, FilesThatAreNotPemAreRefused) {
  Replace(files_.cert_file, "not a certificate\n");
  auto certificate = ServingCertificate::Load(files_);
  EXPECT_EQ(certificate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(certificate.status().message(), HasSubstr("no PEM certificate in"));

  Replace(files_.cert_file, ReadTestFile(TestPkiFile("server.crt")));
  Replace(files_.key_file, "not a key\n");
  certificate = ServingCertificate::Load(files_);
  EXPECT_EQ(certificate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(certificate.status().message(), HasSubstr("no unencrypted PEM private key in"));
}

TEST_F(ServingCertificateTest, AKeyOfAnotherCertificateIsRefusedAtLoad) {
  Replace(files_.key_file, ReadTestFile(TestPkiFile("other-server.key")));
  auto certificate = ServingCertificate::Load(files_);
  EXPECT_EQ(certificate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(certificate.status().message(),
              HasSubstr(absl::StrCat("the key in ", files_.key_file,
                                     " does not match the certificate in ", files_.cert_file)));
}

TEST_F(ServingCertificateTest, ARotatedPairIsInstalled) {
  auto certificate = ServingCertificate::Load(files_);
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  Replace(files_.key_file, ReadTestFile(TestPkiFile("other-server.key")));
  Replace(files_.cert_file, ReadTestFile(TestPkiFile("other-server.crt")));
  EXPECT_TRUE((*certificate)->CheckNow().ok());
  EXPECT_THAT((*certificate)->Describe(), HasSubstr(kOtherIssuer));
  EXPECT_EQ((*certificate)->reloads(), 1);
  EXPECT_EQ((*certificate)->failures(), 0);
}

// The certificate written before its key: the pair in force stays until
// the key arrives, and then the new pair is installed.
TEST_F(ServingCertificateTest, AHalfWrittenRotationKeepsThePairInForce) {
  auto certificate = ServingCertificate::Load(files_);
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  Replace(files_.cert_file, ReadTestFile(TestPkiFile("other-server.crt")));
  const absl::Status refused = (*certificate)->CheckNow();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("does not match"));
  EXPECT_THAT((*certificate)->Describe(), HasSubstr(kFirstIssuer));
  EXPECT_EQ((*certificate)->failures(), 1);

  Replace(files_.key_file, ReadTestFile(TestPkiFile("other-server.key")));
  EXPECT_TRUE((*certificate)->CheckNow().ok());
  EXPECT_THAT((*certificate)->Describe(), HasSubstr(kOtherIssuer));
  EXPECT_EQ((*certificate)->reloads(), 1);
}

// A chain file (leaf, then intermediates) is served whole; the key matches
// the first certificate.
TEST_F(ServingCertificateTest, TheFirstCertificateOfAChainIsTheLeaf) {
  Replace(files_.cert_file,
          ReadTestFile(TestPkiFile("server.crt")) + ReadTestFile(TestPkiFile("ca.crt")));
  auto certificate = ServingCertificate::Load(files_);
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  EXPECT_THAT((*certificate)->Describe(), HasSubstr(absl::StrCat("CN=localhost ", kFirstIssuer)));
}

}  // namespace
}  // namespace ingest
