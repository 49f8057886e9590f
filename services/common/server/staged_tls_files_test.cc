#include "services/common/server/staged_tls_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

std::string Pem(const std::string& name) { return ReadTestFile(TestPkiFile(name)); }

// Replaces `path` with `contents` in one rename, as a careful writer does.
void Replace(const std::string& path, const std::string& contents) {
  {
    std::ofstream file(path + ".new", std::ios::trunc);
    file << contents;
  }
  std::filesystem::rename(path + ".new", path);
}

int64_t MtimeSeconds(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return static_cast<int64_t>(info.st_mtim.tv_sec);
}

class StagedTlsFilesTest : public ::testing::Test {
 protected:
  // The user's files in a directory of their own, holding the server pair
  // (and the CA as client CA when `client_ca`); checked only by CheckNow.
  TlsFiles Live(const std::string& name, bool client_ca = false) {
    const std::string dir = absl::StrCat(TestPkiFile("live-"), name);
    std::filesystem::create_directories(dir);
    TlsFiles files{.cert_file = dir + "/tls.crt",
                   .key_file = dir + "/tls.key",
                   .reload_interval = absl::ZeroDuration()};
    Replace(files.cert_file, Pem("server.crt"));
    Replace(files.key_file, Pem("server.key"));
    if (client_ca) {
      files.client_ca_file = dir + "/ca.crt";
      Replace(files.client_ca_file, Pem("ca.crt"));
    }
    return files;
  }

  std::unique_ptr<StagedTlsFiles> Start(const TlsFiles& files) {
    absl::StatusOr<std::unique_ptr<StagedTlsFiles>> staged = StagedTlsFiles::Start(
        files, [this](const absl::Status& status) { reloads_.push_back(status); });
    EXPECT_TRUE(staged.ok()) << staged.status();
    return staged.ok() ? *std::move(staged) : nullptr;
  }

  // What on_reload was told, in order (CheckNow runs it on this thread).
  std::vector<absl::Status> reloads_;
};

TEST_F(StagedTlsFilesTest, StagesACopyOnlyThisUserCanRead) {
  const TlsFiles files = Live("copy", /*client_ca=*/true);
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);
  const TlsFiles& copy = staged->staged();
  EXPECT_NE(copy.cert_file, files.cert_file);
  EXPECT_EQ(ReadTestFile(copy.cert_file), Pem("server.crt"));
  EXPECT_EQ(ReadTestFile(copy.key_file), Pem("server.key"));
  EXPECT_EQ(ReadTestFile(copy.client_ca_file), Pem("ca.crt"));
  EXPECT_EQ(copy.reload_interval, files.reload_interval);
  const std::filesystem::path directory =
      std::filesystem::path(copy.key_file).parent_path().parent_path();
  EXPECT_EQ(std::filesystem::status(directory).permissions(), std::filesystem::perms::owner_all);
  EXPECT_EQ(std::filesystem::status(copy.key_file).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(staged->generations(), 0);

  staged.reset();
  EXPECT_FALSE(std::filesystem::exists(directory)) << "removed with the object";
}

TEST_F(StagedTlsFilesTest, NoClientCaFileWithoutAClientCa) {
  std::unique_ptr<StagedTlsFiles> staged = Start(Live("no-ca"));
  ASSERT_NE(staged, nullptr);
  EXPECT_EQ(staged->staged().client_ca_file, "");
}

// The bug of gRPC 1.51's own watcher: a reload between the new key and its
// certificate.
TEST_F(StagedTlsFilesTest, AKeyWithoutItsCertificateIsRefusedAndThePairInForceKept) {
  const TlsFiles files = Live("key-first");
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);

  Replace(files.key_file, Pem("other-server.key"));
  absl::Status refused = staged->CheckNow();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(
      refused.message(), absl::StrCat("the key in ", files.key_file,
                                      " does not match the certificate in ", files.cert_file)))
      << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "write both files")) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "--tls_reload_interval")) << refused;
  ASSERT_EQ(reloads_.size(), 1u);
  EXPECT_EQ(reloads_[0], refused);
  EXPECT_EQ(ReadTestFile(staged->staged().key_file), Pem("server.key"));
  EXPECT_EQ(ReadTestFile(staged->staged().cert_file), Pem("server.crt"));
  EXPECT_FALSE(staged->CheckNow().ok()) << "tried again at every check";

  Replace(files.cert_file, Pem("other-server.crt"));
  EXPECT_TRUE(staged->CheckNow().ok());
  EXPECT_EQ(ReadTestFile(staged->staged().key_file), Pem("other-server.key"));
  EXPECT_EQ(ReadTestFile(staged->staged().cert_file), Pem("other-server.crt"));
  EXPECT_EQ(staged->generations(), 1);
  EXPECT_TRUE(reloads_.back().ok());
  EXPECT_TRUE(staged->CheckNow().ok());
  EXPECT_EQ(staged->generations(), 1) << "nothing changed since";
}

TEST_F(StagedTlsFilesTest, ACertificateWithoutItsKeyIsRefusedAndThePairInForceKept) {
  const TlsFiles files = Live("cert-first");
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);

  Replace(files.cert_file, Pem("other-server.crt"));
  EXPECT_EQ(staged->CheckNow().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTestFile(staged->staged().cert_file), Pem("server.crt"));

  Replace(files.key_file, Pem("other-server.key"));
  EXPECT_TRUE(staged->CheckNow().ok());
  EXPECT_EQ(ReadTestFile(staged->staged().cert_file), Pem("other-server.crt"));
  EXPECT_EQ(ReadTestFile(staged->staged().key_file), Pem("other-server.key"));
  EXPECT_EQ(staged->generations(), 1);
}

TEST_F(StagedTlsFilesTest, AHalfWrittenCertificateIsRefused) {
  const TlsFiles files = Live("half-written");
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);
  const std::string cert = Pem("server.crt");
  Replace(files.cert_file, cert.substr(0, cert.size() / 2));
  absl::Status refused = staged->CheckNow();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.message(), files.cert_file)) << refused;
  EXPECT_EQ(ReadTestFile(staged->staged().cert_file), cert);

  Replace(files.cert_file, cert);
  EXPECT_TRUE(staged->CheckNow().ok());
  EXPECT_EQ(staged->generations(), 0) << "the pair in force again: nothing to stage";
}

TEST_F(StagedTlsFilesTest, AClientCaIsStagedWhenWhole) {
  const TlsFiles files = Live("client-ca", /*client_ca=*/true);
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);
  const std::string bundle = Pem("ca.crt") + Pem("other-ca.crt");

  Replace(files.client_ca_file, bundle.substr(0, bundle.size() - 40));
  EXPECT_EQ(staged->CheckNow().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTestFile(staged->staged().client_ca_file), Pem("ca.crt"));

  Replace(files.client_ca_file, bundle);
  EXPECT_TRUE(staged->CheckNow().ok());
  EXPECT_EQ(ReadTestFile(staged->staged().client_ca_file), bundle);
  EXPECT_EQ(ReadTestFile(staged->staged().key_file), Pem("server.key"));
  EXPECT_EQ(staged->generations(), 1);
}

// gRPC reads the key, then the certificate, and retries when either's
// modification time (whole seconds) changed meanwhile: each generation's
// files share one time, later than the previous generation's.
TEST_F(StagedTlsFilesTest, EachGenerationIsLaterInWholeSeconds) {
  const TlsFiles files = Live("mtime");
  std::unique_ptr<StagedTlsFiles> staged = Start(files);
  ASSERT_NE(staged, nullptr);
  int64_t before = MtimeSeconds(staged->staged().key_file);
  EXPECT_EQ(MtimeSeconds(staged->staged().cert_file), before);
  for (const std::string name : {"other-server", "server", "other-server"}) {
    Replace(files.key_file, Pem(name + ".key"));
    Replace(files.cert_file, Pem(name + ".crt"));
    ASSERT_TRUE(staged->CheckNow().ok());
    const int64_t after = MtimeSeconds(staged->staged().key_file);
    EXPECT_GT(after, before);
    EXPECT_EQ(MtimeSeconds(staged->staged().cert_file), after);
    before = after;
  }
  EXPECT_EQ(staged->generations(), 3);
}

TEST_F(StagedTlsFilesTest, AtStartAMismatchedPairOrAMissingFileIsAnError) {
  TlsFiles files = Live("start");
  Replace(files.key_file, Pem("other-server.key"));
  absl::StatusOr<std::unique_ptr<StagedTlsFiles>> staged = StagedTlsFiles::Start(files);
  EXPECT_EQ(staged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(staged.status().message(), "does not match")) << staged.status();

  files.key_file += ".missing";
  staged = StagedTlsFiles::Start(files);
  EXPECT_EQ(staged.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(staged.status().message(), files.key_file)) << staged.status();
  EXPECT_TRUE(absl::StrContains(staged.status().message(), "--tls_key_file")) << staged.status();
}

}  // namespace
}  // namespace ingest
