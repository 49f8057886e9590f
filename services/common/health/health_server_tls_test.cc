// The health probes over HTTPS, with a real client (libcurl) verifying the
// served certificate: the test CA is trusted and another CA refused; a
// rotated pair is served to new connections without a restart and without a
// failed request; a half-written rotation keeps the pair in force.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/health/health_server.h"
#include "services/common/health/https_get.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

constexpr char kFirstIssuer[] = "session-ingest local ca";
constexpr char kOtherIssuer[] = "session-ingest local other-ca";
constexpr absl::Duration kReloadInterval = absl::Milliseconds(100);
constexpr absl::Duration kDeadline = absl::Seconds(20);

// Writes `contents` to `path` at once (aside, then rename).
void WriteAtomically(const std::string& path, const std::string& contents) {
  const std::string aside = path + ".new";
  std::ofstream(aside, std::ios::trunc) << contents;
  ASSERT_EQ(std::rename(aside.c_str(), path.c_str()), 0) << path;
}

// A directory laid out as Kubernetes mounts a Secret: tls.crt and tls.key
// are symlinks into ..data, itself a symlink to a versioned directory, and a
// rotation swaps ..data in one rename, so both files change together.
class SecretVolume {
 public:
  explicit SecretVolume(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Publish("server");
    std::filesystem::create_symlink("..data/tls.crt", dir_ + "/tls.crt");
    std::filesystem::create_symlink("..data/tls.key", dir_ + "/tls.key");
  }

  // Makes the pair `name`.{crt,key} of the test PKI the volume's contents.
  void Publish(const std::string& name) {
    const std::string version = absl::StrCat("..v", ++versions_);
    std::filesystem::create_directories(dir_ + "/" + version);
    std::filesystem::copy_file(TestPkiFile(name + ".crt"), dir_ + "/" + version + "/tls.crt");
    std::filesystem::copy_file(TestPkiFile(name + ".key"), dir_ + "/" + version + "/tls.key");
    std::filesystem::create_symlink(version, dir_ + "/..data_tmp");
    std::filesystem::rename(dir_ + "/..data_tmp", dir_ + "/..data");
  }

  std::string cert_file() const { return dir_ + "/tls.crt"; }
  std::string key_file() const { return dir_ + "/tls.key"; }

 private:
  const std::string dir_;
  int versions_ = 0;
};

class HealthServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::getenv("TEST_TMPDIR");
    // Trusts both CAs, as clients do while a CA is being rotated.
    both_cas_ = tmp_ + "/both-cas.crt";
    std::ofstream(both_cas_, std::ios::trunc)
        << ReadTestFile(TestPkiFile("ca.crt")) << ReadTestFile(TestPkiFile("other-ca.crt"));
  }

  void Start(const std::string& cert_file, const std::string& key_file) {
    HealthServerOptions options;
    options.tls =
        TlsFiles{.cert_file = cert_file, .key_file = key_file, .reload_interval = kReloadInterval};
    auto server = HealthServer::Start(
        "127.0.0.1:0", {HealthReport::Healthy, [] { return HealthReport::Unhealthy("draining"); }},
        options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // The issuer of the certificate a new connection gets ("" on failure).
  std::string ServedIssuer() {
    absl::StatusOr<HttpsResponse> response = HttpsGet(server_->port(), "/livez", both_cas_);
    return response.ok() ? response->issuer : "";
  }

  std::string tmp_;
  std::string both_cas_;
  std::unique_ptr<HealthServer> server_;
};

TEST_F(HealthServerTlsTest, AClientTrustingTheCaIsAnswered) {
  Start(TestPkiFile("server.crt"), TestPkiFile("server.key"));
  absl::StatusOr<HttpsResponse> live = HttpsGet(server_->port(), "/livez", TestPkiFile("ca.crt"));
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(live->body, "ok\n");
  EXPECT_THAT(live->issuer, HasSubstr(kFirstIssuer));

  absl::StatusOr<HttpsResponse> ready = HttpsGet(server_->port(), "/readyz", TestPkiFile("ca.crt"));
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "draining\n");
}

TEST_F(HealthServerTlsTest, AClientTrustingAnotherCaRefusesTheServer) {
  Start(TestPkiFile("server.crt"), TestPkiFile("server.key"));
  absl::StatusOr<HttpsResponse> response =
      HttpsGet(server_->port(), "/livez", TestPkiFile("other-ca.crt"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("certificate"));
  // And the server goes on serving those who trust it.
  EXPECT_THAT(ServedIssuer(), HasSubstr(kFirstIssuer));
}

// A rotated Secret: new connections get the new certificate within the
// reload interval, and a client calling all along sees no failure.
TEST_F(HealthServerTlsTest, ARotationIsServedWithoutARestartOrAFailedRequest) {
  SecretVolume volume(tmp_ + "/secret");
  Start(volume.cert_file(), volume.key_file());
  ASSERT_THAT(ServedIssuer(), HasSubstr(kFirstIssuer));

  std::atomic<bool> stop{false};
  std::atomic<int> requests{0};
  absl::Mutex mu;
  std::vector<std::string> failures;
  std::thread client([&] {
    while (!stop.load()) {
      absl::StatusOr<HttpsResponse> response = HttpsGet(server_->port(), "/livez", both_cas_);
      if (!response.ok() || response->status != 200) {
        absl::MutexLock lock(&mu);
        failures.push_back(response.ok() ? absl::StrCat("status ", response->status)
                                         : response.status().ToString());
      }
      requests.fetch_add(1);
    }
  });
  // Some requests before the swap, some after.
  EXPECT_TRUE(WaitUntil(kDeadline, [&] { return requests.load() >= 5; }));
  volume.Publish("other-server");
  EXPECT_TRUE(WaitUntil(kDeadline, [&] { return absl::StrContains(ServedIssuer(), kOtherIssuer); }))
      << "the rotated certificate was never served";
  const int at_swap = requests.load();
  EXPECT_TRUE(WaitUntil(kDeadline, [&] { return requests.load() >= at_swap + 5; }));
  stop.store(true);
  client.join();

  absl::MutexLock lock(&mu);
  EXPECT_THAT(failures, ::testing::IsEmpty()) << "of " << requests.load() << " requests";
  EXPECT_EQ(server_->tls_certificate()->reloads(), 1);
  EXPECT_EQ(server_->tls_certificate()->failures(), 0);
}

// The certificate replaced, its key not yet: the new certificate is refused
// (logged, counted) and the old pair keeps serving until the key arrives.
TEST_F(HealthServerTlsTest, AMismatchedPairIsRefusedAndTheOldPairKeepsServing) {
  const std::string cert = tmp_ + "/half.crt";
  const std::string key = tmp_ + "/half.key";
  WriteAtomically(cert, ReadTestFile(TestPkiFile("server.crt")));
  WriteAtomically(key, ReadTestFile(TestPkiFile("server.key")));
  Start(cert, key);

  WriteAtomically(cert, ReadTestFile(TestPkiFile("other-server.crt")));
  ASSERT_TRUE(WaitUntil(kDeadline, [&] { return server_->tls_certificate()->failures() >= 1; }))
      << "the mismatched pair was never checked";
  absl::StatusOr<HttpsResponse> response =
      HttpsGet(server_->port(), "/livez", TestPkiFile("ca.crt"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->issuer, HasSubstr(kFirstIssuer));
  EXPECT_EQ(server_->tls_certificate()->reloads(), 0);

  WriteAtomically(key, ReadTestFile(TestPkiFile("other-server.key")));
  EXPECT_TRUE(
      WaitUntil(kDeadline, [&] { return absl::StrContains(ServedIssuer(), kOtherIssuer); }));
}

TEST_F(HealthServerTlsTest, PlainHttpOnTheHttpsPortIsNotAnswered) {
  Start(TestPkiFile("server.crt"), TestPkiFile("server.key"));
  const std::string response = HttpGet(server_->port(), "/livez");
  EXPECT_FALSE(IsOk(response)) << response;
  EXPECT_THAT(ServedIssuer(), HasSubstr(kFirstIssuer));
}

// A connection that never starts its handshake holds one thread for the
// read timeout at most, is served by nobody meanwhile, and does not hold up
// stopping.
TEST_F(HealthServerTlsTest, ASilentConnectionIsDroppedAfterTheReadTimeout) {
  HealthServerOptions options;
  options.read_timeout = absl::Milliseconds(300);
  options.tls =
      TlsFiles{.cert_file = TestPkiFile("server.crt"), .key_file = TestPkiFile("server.key")};
  auto server =
      HealthServer::Start("127.0.0.1:0", {HealthReport::Healthy, HealthReport::Healthy}, options);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);

  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  const timeval limit = absl::ToTimeval(absl::Seconds(10));
  setsockopt(silent, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_THAT(ServedIssuer(), HasSubstr(kFirstIssuer));  // served meanwhile

  const absl::Time start = absl::Now();
  char byte;
  EXPECT_EQ(recv(silent, &byte, 1, 0), 0) << "closed by the server, not by the client's timeout";
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  close(silent);
}

TEST(HealthServerTlsStartTest, AClientCaIsRefused) {
  HealthServerOptions options;
  options.tls = TlsFiles{.cert_file = TestPkiFile("server.crt"),
                         .key_file = TestPkiFile("server.key"),
                         .client_ca_file = TestPkiFile("ca.crt")};
  auto server =
      HealthServer::Start("127.0.0.1:0", {HealthReport::Healthy, HealthReport::Healthy}, options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("no client CA"));
}

TEST(HealthServerTlsStartTest, AnUnreadableCertificateNamesTheAddressAndTheFlag) {
  HealthServerOptions options;
  options.tls = TlsFiles{.cert_file = "/nonexistent/tls.crt", .key_file = "/nonexistent/tls.key"};
  auto server =
      HealthServer::Start("127.0.0.1:0", {HealthReport::Healthy, HealthReport::Healthy}, options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(),
              HasSubstr("cannot serve health probes over HTTPS on 127.0.0.1:0"));
  EXPECT_THAT(server.status().message(), HasSubstr("check --tls_cert_file"));
}

}  // namespace
}  // namespace ingest
