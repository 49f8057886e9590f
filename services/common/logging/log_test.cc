#include "services/common/logging/log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::log {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(LogTest, JsonLineEscapesAndKeepsNumbersUnquoted) {
  std::string line = Render(Format::kJson, "gateway", Level::kWarn, "produce.failed",
                            {{"error", "broker \"down\"\n"}, {"attempt", 3}, {"ok", false}});
  EXPECT_THAT(line, StartsWith("{\"ts\":\""));
  EXPECT_THAT(line, HasSubstr("\"level\":\"warn\",\"service\":\"gateway\""));
  EXPECT_THAT(line, HasSubstr("\"event\":\"produce.failed\""));
  EXPECT_THAT(line, HasSubstr("\"error\":\"broker \\\"down\\\"\\n\""));
  EXPECT_THAT(line, HasSubstr("\"attempt\":3"));
  EXPECT_THAT(line, EndsWith("\"ok\":false}"));
}

TEST(LogTest, TextLineQuotesOnlyValuesThatNeedIt) {
  std::string line =
      Render(Format::kText, "worker", Level::kInfo, "batch.committed",
             {{"partition", 4}, {"session", "abc"}, {"reason", "lock timeout"}});
  EXPECT_THAT(line, HasSubstr(" info  worker batch.committed partition=4 session=abc"));
  EXPECT_THAT(line, EndsWith("reason=\"lock timeout\""));
}

TEST(LogTest, ParsesFormatsAndLevels) {
  Format format;
  Level level;
  EXPECT_TRUE(ParseFormat("json", &format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &format));
  EXPECT_TRUE(ParseLevel("warn", &level));
  EXPECT_EQ(level, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

}  // namespace
}  // namespace ingest::log
