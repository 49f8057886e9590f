#include "services/broker_proxy/session_page_token.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;

TEST(SessionPageTokenTest, RoundTripsToTheMicrosecond) {
  const SessionCursor cursor{absl::FromUnixMicros(1767225600123457), "p.s-1_x"};
  const std::string token = EncodeSessionPageToken(cursor);
  // Shell-safe: web-safe base64 without padding.
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  absl::StatusOr<SessionCursor> decoded = DecodeSessionPageToken(token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, cursor);
}

TEST(SessionPageTokenTest, ASessionIdWithSeparatorsAndQuotesRoundTrips) {
  // Carried as a query parameter, so any printable id is safe to hold.
  const SessionCursor cursor{absl::FromUnixMicros(0), "a|b' OR '1'='1"};
  absl::StatusOr<SessionCursor> decoded = DecodeSessionPageToken(EncodeSessionPageToken(cursor));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, cursor);
}

TEST(SessionPageTokenTest, ForgedTokensAreInvalidArguments) {
  const auto forged = [](const std::string& plain) { return absl::WebSafeBase64Escape(plain); };
  const std::vector<std::string> tokens = {
      "not base64!",
      forged("sl2|1|p.s"),                    // another version
      forged("dlq1|ingest.tasks.dlq|0:1"),    // another RPC's token
      forged("sl1|1"),                        // no session id
      forged("sl1||p.s"),                     // no time
      forged("sl1|-5|p.s"),                   // negative
      forged("sl1|+5|p.s"),                   // not canonical
      forged("sl1|1.5|p.s"),                  // not an integer
      forged("sl1|99999999999999999999|p.s"),  // overflows
      forged("sl1|253402300800000000|p.s"),   // past year 9999
      forged("sl1|1|"),                       // empty session id
      forged(std::string("sl1|1|p\x01s")),    // control character
      forged("sl1|1|" + std::string(kMaxPageTokenSessionId + 1, 'a')),
  };
  for (const std::string& token : tokens) {
    absl::StatusOr<SessionCursor> decoded = DecodeSessionPageToken(token);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(decoded.status().message(), HasSubstr("pass next_page_token")) << token;
  }
}

TEST(SessionPageTokenTest, TheLongestSessionIdIsAccepted) {
  const SessionCursor cursor{absl::FromUnixMicros(42),
                             std::string(kMaxPageTokenSessionId, 'a')};
  EXPECT_TRUE(DecodeSessionPageToken(EncodeSessionPageToken(cursor)).ok());
}

}  // namespace
}  // namespace ingest
