// TLS on the project's gRPC servers, against certificates made by
// deploy/local/make_pki.sh: the right CA is served, a wrong CA and an
// expired certificate are refused, mutual TLS refuses a client without a
// certificate, a rotated certificate is served without a restart and
// without failing a call, and a key written before its certificate is not
// served (the pair in force is).

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/server/grpc_server.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

std::string Read(const std::string& path) { return ReadTestFile(path); }
std::string File(const std::string& name) { return TestPkiFile(name); }
// The PKI's directory.
std::string Pki() {
  const std::string ca = TestPkiFile("ca.crt");
  return ca.substr(0, ca.rfind('/'));
}

class GrpcServerTlsTest : public ::testing::Test {
 protected:
  void Start(TlsFiles tls) {
    absl::StatusOr<ListeningGrpcServer> server = StartGrpcServer(
        "127.0.0.1:0", &service_,
        {.tls = std::move(tls), .on_tls_reload = [this](const absl::Status& status) {
           if (!status.ok()) refused_.fetch_add(1);
         }});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // Health.Check over TLS trusting `ca`, with a client certificate if given.
  grpc::Status Check(const std::string& ca, const std::string& client = "") {
    grpc::SslCredentialsOptions ssl{.pem_root_certs = Read(File(ca))};
    if (!client.empty()) {
      ssl.pem_private_key = Read(File(client + ".key"));
      ssl.pem_cert_chain = Read(File(client + ".crt"));
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a handshake per channel
    auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_.port),
                                             grpc::SslCredentials(ssl), args);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::health::v1::HealthCheckResponse response;
    return grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
  }

  // Unimplemented: the server's health service is what the tests call.
  v1::Ingest::CallbackService service_;
  // Changes of the TLS files refused since Start.
  std::atomic<int> refused_{0};
  ListeningGrpcServer server_;
};

TEST_F(GrpcServerTlsTest, ServesTheRightCaAndRefusesAWrongOne) {
  Start({.cert_file = File("server.crt"), .key_file = File("server.key")});
  EXPECT_TRUE(Check("ca.crt").ok());
  EXPECT_EQ(Check("other-ca.crt").error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServerTlsTest, AnExpiredCertificateIsRefused) {
  Start({.cert_file = File("expired.crt"), .key_file = File("expired.key")});
  EXPECT_EQ(Check("ca.crt").error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServerTlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  Start({.cert_file = File("server.crt"),
         .key_file = File("server.key"),
         .client_ca_file = File("ca.crt")});
  EXPECT_EQ(Check("ca.crt").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Check("ca.crt", "client").ok());
}

TEST_F(GrpcServerTlsTest, AMissingFileIsAnErrorAtStart) {
  absl::StatusOr<ListeningGrpcServer> server = StartGrpcServer(
      "127.0.0.1:0", &service_,
      {.tls = TlsFiles{.cert_file = File("none.crt"), .key_file = File("server.key")}});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("none.crt"), std::string::npos) << server.status();
}

// The served files are replaced (as a Secret volume swaps them) by a
// certificate of another CA: new connections get it within the reload
// interval, and calls of a client trusting both CAs never fail meanwhile.
TEST_F(GrpcServerTlsTest, ARotatedCertificateIsServedWithoutARestartOrAFailedCall) {
  const std::string live = Pki() + "/live";
  std::filesystem::create_directories(live);
  std::filesystem::copy_file(File("server.crt"), live + "/tls.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(File("server.key"), live + "/tls.key",
                             std::filesystem::copy_options::overwrite_existing);
  {
    std::ofstream both(File("both-cas.crt"));
    both << Read(File("ca.crt")) << Read(File("other-ca.crt"));
  }
  Start({.cert_file = live + "/tls.crt",
         .key_file = live + "/tls.key",
         .reload_interval = absl::Seconds(1)});
  ASSERT_TRUE(Check("ca.crt").ok());
  ASSERT_FALSE(Check("other-ca.crt").ok());

  // Key first under a temporary name, then both renamed: each file is
  // replaced atomically, but a check between the renames sees the new key
  // with the old certificate, which is refused while the old pair serves.
  std::filesystem::copy_file(File("other-server.key"), live + "/tls.key.new");
  std::filesystem::copy_file(File("other-server.crt"), live + "/tls.crt.new");
  std::filesystem::rename(live + "/tls.key.new", live + "/tls.key");
  std::filesystem::rename(live + "/tls.crt.new", live + "/tls.crt");
  int calls = 0;
  int failed = 0;
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    ++calls;
    if (!Check("both-cas.crt").ok()) ++failed;
    return Check("other-ca.crt").ok();
  }));
  EXPECT_EQ(failed, 0) << "of " << calls << " calls during the rotation";
  EXPECT_FALSE(Check("ca.crt").ok()) << "the old certificate is no longer served";
}

// The key is replaced first and the certificate only later (two files
// copied one after the other): a reload between them sees a key that does
// not match the certificate. The pair in force keeps serving new
// connections through several reload intervals, and the new pair is served
// once the certificate follows.
TEST_F(GrpcServerTlsTest, AKeyWithoutItsCertificateKeepsThePairInForce) {
  const std::string live = Pki() + "/live-key-first";
  std::filesystem::create_directories(live);
  std::filesystem::copy_file(File("server.crt"), live + "/tls.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(File("server.key"), live + "/tls.key",
                             std::filesystem::copy_options::overwrite_existing);
  const absl::Duration interval = absl::Seconds(1);
  Start(
      {.cert_file = live + "/tls.crt", .key_file = live + "/tls.key", .reload_interval = interval});
  ASSERT_TRUE(Check("ca.crt").ok());

  std::filesystem::copy_file(File("other-server.key"), live + "/tls.key.new",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(live + "/tls.key.new", live + "/tls.key");
  // New connections until the mismatch was refused and three reload
  // intervals passed: each must get the old pair.
  const absl::Time until = absl::Now() + 3 * interval;
  int calls = 0;
  int failed = 0;
  ASSERT_TRUE(WaitUntil(10 * interval, [&] {
    ++calls;
    if (grpc::Status status = Check("ca.crt"); !status.ok()) {
      ++failed;
      ADD_FAILURE() << "call " << calls
                    << " after the key alone was replaced: " << status.error_message();
    }
    return refused_.load() > 0 && absl::Now() >= until;
  })) << "the key without its certificate was not refused";
  EXPECT_EQ(failed, 0) << "of " << calls << " calls with the new key and the old certificate";
  EXPECT_FALSE(Check("other-ca.crt").ok()) << "the half-written pair is not served";

  std::filesystem::copy_file(File("other-server.crt"), live + "/tls.crt.new",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(live + "/tls.crt.new", live + "/tls.crt");
  EXPECT_TRUE(WaitUntil(10 * interval, [&] { return Check("other-ca.crt").ok(); }))
      << "the new pair is served once its certificate is written";
  EXPECT_FALSE(Check("ca.crt").ok()) << "the old certificate is no longer served";
}

}  // namespace
}  // namespace ingest
