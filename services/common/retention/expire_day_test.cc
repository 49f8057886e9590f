#include "services/common/retention/expire_day.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(ExpireDayTest, IsTheUtcDayOfReceiptPlusTheRetention) {
  // 23:59:59 UTC on Dec 6 is still Dec 6, whatever the local zone says.
  const absl::Time late_evening =
      absl::FromCivil(absl::CivilSecond(2026, 12, 6, 23, 59, 59), absl::UTCTimeZone());
  EXPECT_EQ(ExpireDay::Of(late_evening, 30).ToString(), "2027-01-05");
  EXPECT_EQ(ExpireDay::Of(late_evening + absl::Seconds(1), 30).ToString(), "2027-01-06");
  EXPECT_EQ(ExpireDay::Of(late_evening, 1).day(), absl::CivilDay(2026, 12, 7));
}

TEST(ExpireDayTest, ParsesWhatPostgresPrints) {
  auto day = ExpireDay::Parse("2026-12-07");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(*day, ExpireDay::OnDay(absl::CivilDay(2026, 12, 7)));
  auto never = ExpireDay::Parse("infinity");
  ASSERT_TRUE(never.ok());
  EXPECT_TRUE(never->never());
  EXPECT_EQ(never->ToString(), "infinity");
  auto bad = ExpireDay::Parse("7 Dec");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("YYYY-MM-DD"), absl::string_view::npos);
}

TEST(ExpireDayTest, BinaryFormCountsDaysFromPostgresEpoch) {
  EXPECT_EQ(ExpireDay::OnDay(absl::CivilDay(2000, 1, 1)).PgBinaryDays(), 0);
  EXPECT_EQ(ExpireDay::OnDay(absl::CivilDay(2000, 1, 31)).PgBinaryDays(), 30);
  EXPECT_EQ(ExpireDay::OnDay(absl::CivilDay(1999, 12, 31)).PgBinaryDays(), -1);
  EXPECT_EQ(ExpireDay::Never().PgBinaryDays(), 0x7fffffff);
}

}  // namespace
}  // namespace ingest
