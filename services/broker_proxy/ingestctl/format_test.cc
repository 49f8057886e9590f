#include "services/broker_proxy/ingestctl/format.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::ingestctl {
namespace {

TEST(FormatTest, Offsets) {
  EXPECT_EQ(FormatOffset(-1), "-");
  EXPECT_EQ(FormatOffset(0), "0");
  EXPECT_EQ(FormatOffset(1234567), "1234567");
}

TEST(FormatTest, Ages) {
  EXPECT_EQ(FormatAge(0), "-");
  EXPECT_EQ(FormatAge(-3), "0s");
  EXPECT_EQ(FormatAge(0.42), "0.4s");
  EXPECT_EQ(FormatAge(12.34), "12.3s");
  EXPECT_EQ(FormatAge(312), "5m12s");
  EXPECT_EQ(FormatAge(3 * 3600 + 5 * 60 + 9), "3h05m");
  EXPECT_EQ(FormatAge(2 * 86400 + 4 * 3600), "2d04h");
}

TEST(FormatTest, Bytes) {
  EXPECT_EQ(FormatBytes(-1), "?");
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(12 << 20), "12.0 MiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 40), "3.0 TiB");
}

TEST(FormatTest, UnixMillis) {
  EXPECT_EQ(FormatUnixMillis(0), "-");
  EXPECT_EQ(FormatUnixMillis(1714564800123), "2024-05-01T12:00:00Z");
}

TEST(FormatTest, Millis) {
  EXPECT_EQ(FormatMillis(-5), "0s");
  EXPECT_EQ(FormatMillis(0), "0s");
  EXPECT_EQ(FormatMillis(850), "850ms");
  EXPECT_EQ(FormatMillis(42999), "42s");
  EXPECT_EQ(FormatMillis(252000), "4m 12s");
  EXPECT_EQ(FormatMillis(3600000), "1h 0m 0s");
  EXPECT_EQ(FormatMillis(3725000), "1h 2m 5s");
  EXPECT_EQ(FormatMillis((2 * 86400 + 3 * 3600 + 4 * 60 + 5) * int64_t{1000}), "2d 3h 4m");
}

TEST(FormatTest, Ids) {
  EXPECT_EQ(FormatIds(std::vector<int32_t>{}), "-");
  EXPECT_EQ(FormatIds(std::vector<int32_t>{1, 2, 3}), "1,2,3");
}

}  // namespace
}  // namespace ingest::ingestctl
