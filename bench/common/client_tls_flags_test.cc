#include "bench/common/client_tls_flags.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using ::testing::HasSubstr;

// Parses `args` (a command line without the program name) into the three
// flags; the usage error CLI11 raised, or "" when there was none.
std::string Parse(const std::string& args, client::ClientOptions::TlsFiles& tls) {
  CLI::App app("test");
  AddClientTlsFlags(app, tls);
  try {
    app.parse(args, /*program_name_included=*/false);
  } catch (const CLI::ParseError& error) {
    return error.what();
  }
  return "";
}

TEST(ClientTlsFlagsTest, TheFlagsFillTheSdksTlsFiles) {
  client::ClientOptions::TlsFiles tls;
  EXPECT_EQ(
      Parse("--tls_ca_file=/pki/ca.crt --tls_cert_file=/pki/c.crt --tls_key_file=/pki/c.key", tls),
      "");
  EXPECT_EQ(tls.ca_file, "/pki/ca.crt");
  EXPECT_EQ(tls.cert_file, "/pki/c.crt");
  EXPECT_EQ(tls.key_file, "/pki/c.key");
}

TEST(ClientTlsFlagsTest, NoneMeansPlaintext) {
  client::ClientOptions::TlsFiles tls;
  EXPECT_EQ(Parse("", tls), "");
  EXPECT_EQ(tls.ca_file, "");
  EXPECT_EQ(Parse("--tls_ca_file=/pki/ca.crt", tls), "");
  EXPECT_EQ(tls.ca_file, "/pki/ca.crt");
  EXPECT_EQ(tls.cert_file, "");
}

TEST(ClientTlsFlagsTest, ACertificateNeedsItsKeyAndACa) {
  client::ClientOptions::TlsFiles tls;
  EXPECT_THAT(Parse("--tls_ca_file=ca --tls_cert_file=c", tls),
              HasSubstr("--tls_cert_file requires --tls_key_file"));
  EXPECT_THAT(Parse("--tls_ca_file=ca --tls_key_file=k", tls),
              HasSubstr("--tls_key_file requires --tls_cert_file"));
  EXPECT_THAT(Parse("--tls_cert_file=c --tls_key_file=k", tls),
              HasSubstr("--tls_cert_file requires --tls_ca_file"));
}

}  // namespace
}  // namespace ingest::bench
