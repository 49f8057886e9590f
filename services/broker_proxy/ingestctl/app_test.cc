#include "services/broker_proxy/ingestctl/app.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/ingestctl/fake_broker_proxy_client.h"

namespace ingest::ingestctl {
namespace {

using ::testing::HasSubstr;

class NeverPacer final : public Pacer {
 public:
  bool Wait(absl::Duration) override { return false; }
  absl::Time Now() override { return absl::UnixEpoch(); }
};

class AppTest : public ::testing::Test {
 protected:
  int Run(std::vector<std::string> args, Environment env = {}) {
    std::ostringstream out;
    std::ostringstream err;
    Console console{out, err, false};
    NeverPacer pacer;
    const int code = RunIngestctl(
        args, env, console,
        [this](const ClientOptions& options) {
          options_ = options;
          auto client = std::make_unique<FakeBrokerProxyClient>();
          client->consumer_lag.push_back(v1::GetConsumerLagResponse());
          return client;
        },
        pacer);
    out_ = out.str();
    err_ = err.str();
    return code;
  }

  ClientOptions options_;
  std::string out_;
  std::string err_;
};

TEST_F(AppTest, HelpGoesToStdoutWithExitZero) {
  EXPECT_EQ(Run({"--help"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("Usage: ingestctl"));
  EXPECT_EQ(err_, "");
  EXPECT_EQ(Run({"lag", "--help"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("ingestctl lag"));
}

TEST_F(AppTest, UsageErrorNamesTheProblemWithExitTwo) {
  EXPECT_EQ(Run({"lag", "--nope"}), kExitUsage);
  EXPECT_EQ(out_, "");
  EXPECT_THAT(err_, HasSubstr("ingestctl: lag: The following argument was not expected: --nope\n"));
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("A subcommand is required"));
}

TEST_F(AppTest, PassesServerTokenAndTimeoutToTheClient) {
  EXPECT_EQ(Run({"lag", "--timeout=3s"}, {{"INGESTCTL_SERVER", "127.0.0.1:7"},
                                          {"INGESTCTL_TOKEN", "tok"}}),
            kExitOk);
  EXPECT_EQ(options_.server, "127.0.0.1:7");
  EXPECT_EQ(options_.token, "tok");
  EXPECT_EQ(options_.timeout, absl::Seconds(3));
  EXPECT_THAT(out_, HasSubstr("PARTITION"));
}

TEST_F(AppTest, ReadsTheTokenFile) {
  const std::string path = ::testing::TempDir() + "/ingestctl_token";
  std::ofstream(path) << "  file-token \n";
  EXPECT_EQ(Run({"--token_file", path, "lag"}), kExitOk);
  EXPECT_EQ(options_.token, "file-token");

  // broker-proxy's tokens file: comments, then `<token> [name]`.
  std::ofstream(path, std::ios::trunc) << "# operators\n\n op-token-0123456789 alice\nother\n";
  EXPECT_EQ(Run({"--token_file", path, "lag"}), kExitOk);
  EXPECT_EQ(options_.token, "op-token-0123456789");

  std::ofstream(path, std::ios::trunc) << "# nothing\n\n";
  EXPECT_EQ(Run({"--token_file", path, "lag"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("holds no token"));

  EXPECT_EQ(Run({"--token_file=/nonexistent/token", "lag"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("cannot read --token_file=/nonexistent/token"));
  std::remove(path.c_str());
}

TEST_F(AppTest, ReadsTheTlsFiles) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/ca.pem") << "CA PEM";
  std::ofstream(dir + "/client.pem") << "CERT PEM";
  std::ofstream(dir + "/client.key") << "KEY PEM";
  EXPECT_EQ(Run({"lag", "--ca_file=" + dir + "/ca.pem"}), kExitOk);
  ASSERT_TRUE(options_.tls.has_value());
  EXPECT_EQ(options_.tls->root_certs, "CA PEM");
  EXPECT_EQ(options_.tls->cert_chain, "");
  EXPECT_EQ(options_.tls->private_key, "");

  EXPECT_EQ(Run({"lag", "--ca_file=" + dir + "/ca.pem", "--cert_file=" + dir + "/client.pem",
                 "--key_file=" + dir + "/client.key"}),
            kExitOk);
  ASSERT_TRUE(options_.tls.has_value());
  EXPECT_EQ(options_.tls->cert_chain, "CERT PEM");
  EXPECT_EQ(options_.tls->private_key, "KEY PEM");

  EXPECT_EQ(Run({"lag"}), kExitOk);
  EXPECT_FALSE(options_.tls.has_value()) << "plaintext without --ca_file";
}

TEST_F(AppTest, AnUnreadableTlsFileIsAUsageError) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/ca.pem") << "CA PEM";
  std::ofstream(dir + "/empty.pem");
  EXPECT_EQ(Run({"lag", "--ca_file=/nonexistent/ca.crt"}), kExitUsage);
  EXPECT_EQ(err_, "ingestctl: cannot read --ca_file=/nonexistent/ca.crt\n");
  EXPECT_EQ(Run({"lag", "--ca_file=" + dir + "/ca.pem", "--cert_file=" + dir + "/empty.pem",
                 "--key_file=/nonexistent/k"}),
            kExitUsage);
  EXPECT_EQ(err_, "ingestctl: --cert_file=" + dir + "/empty.pem is empty\n");
  EXPECT_EQ(Run({"lag", "--ca_file=" + dir + "/ca.pem", "--cert_file=" + dir + "/ca.pem",
                 "--key_file=/nonexistent/k"}),
            kExitUsage);
  EXPECT_EQ(err_, "ingestctl: cannot read --key_file=/nonexistent/k\n");
}

}  // namespace
}  // namespace ingest::ingestctl
