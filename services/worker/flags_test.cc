// The worker's TLS flags: they put the health port on HTTPS, from the
// command line or the environment, and a client CA is refused.
//
// ParseWorkerFlags can run once per process (it sets abseil's usage message
// and process-wide flags), so each case parses in a child of its own (a
// gtest death test) and reports what it got on stderr.

#include "services/worker/flags.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

// Parses `args` after the required flags and exits 0 having printed
// "tls: none", "tls: CERT KEY RELOAD" or "error: MESSAGE".
[[noreturn]] void ParseAndReport(std::vector<std::string> args) {
  args.insert(args.begin(), {"worker", "--kafka_bootstrap=127.0.0.1:9092", "--pg_dsn=dbname=x"});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  absl::StatusOr<WorkerOptions> options =
      ParseWorkerFlags(static_cast<int>(argv.size()), argv.data());
  std::string report;
  if (!options.ok()) {
    report = absl::StrCat("error: ", options.status().message());
  } else if (!options->health_tls.has_value()) {
    report = "tls: none";
  } else {
    const TlsFiles& tls = *options->health_tls;
    report = absl::StrCat("tls: ", tls.cert_file, " ", tls.key_file, " ",
                          absl::FormatDuration(tls.reload_interval));
  }
  std::fprintf(stderr, "%s\n", report.c_str());
  std::exit(0);
}

class WorkerTlsFlagsDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CLIENT_CA_FILE"}) {
      unsetenv(name);
    }
  }
};

using ::testing::ExitedWithCode;

TEST_F(WorkerTlsFlagsDeathTest, WithoutCertificateTheHealthPortIsPlainHttp) {
  EXPECT_EXIT(ParseAndReport({}), ExitedWithCode(0), "tls: none");
}

TEST_F(WorkerTlsFlagsDeathTest, ACertificateAndKeyPutTheHealthPortOnHttps) {
  EXPECT_EXIT(ParseAndReport({"--tls_cert_file=/tls/tls.crt", "--tls_key_file=/tls/tls.key",
                              "--tls_reload_interval=5s"}),
              ExitedWithCode(0), "tls: /tls/tls.crt /tls/tls.key 5s");
}

TEST_F(WorkerTlsFlagsDeathTest, TheEnvironmentNamesTheFilesAndTheCommandLineWins) {
  setenv("TLS_CERT_FILE", "/secret/tls.crt", 1);
  setenv("TLS_KEY_FILE", "/secret/tls.key", 1);
  EXPECT_EXIT(ParseAndReport({}), ExitedWithCode(0), "tls: /secret/tls.crt /secret/tls.key 1m");
  EXPECT_EXIT(ParseAndReport({"--tls_cert_file=/flag/tls.crt"}), ExitedWithCode(0),
              "tls: /flag/tls.crt /secret/tls.key 1m");
}

TEST_F(WorkerTlsFlagsDeathTest, AClientCaIsRefusedWithTheReason) {
  const char* expected =
      "error: --tls_client_ca_file \\(TLS_CLIENT_CA_FILE\\) is not for the worker: .* unset it";
  EXPECT_EXIT(ParseAndReport({"--tls_cert_file=/tls/tls.crt", "--tls_key_file=/tls/tls.key",
                              "--tls_client_ca_file=/tls/ca.crt"}),
              ExitedWithCode(0), expected);
  setenv("TLS_CLIENT_CA_FILE", "/secret/ca.crt", 1);
  EXPECT_EXIT(ParseAndReport({}), ExitedWithCode(0), expected);
}

TEST_F(WorkerTlsFlagsDeathTest, ACertificateWithoutItsKeyIsRefused) {
  EXPECT_EXIT(ParseAndReport({"--tls_cert_file=/tls/tls.crt"}), ExitedWithCode(0),
              "error: --tls_cert_file and --tls_key_file go together");
}

}  // namespace
}  // namespace ingest
