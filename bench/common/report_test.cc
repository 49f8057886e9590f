#include "bench/common/report.h"

#include <cmath>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(FormatSignificantTest, ThreeSignificantDigitsWithoutExponent) {
  EXPECT_EQ(FormatSignificant(12345.6), "12346");
  EXPECT_EQ(FormatSignificant(850.2), "850");
  EXPECT_EQ(FormatSignificant(85.23), "85.2");
  EXPECT_EQ(FormatSignificant(1.2345), "1.23");
  EXPECT_EQ(FormatSignificant(0.01234), "0.0123");
  EXPECT_EQ(FormatSignificant(0), "0");
  EXPECT_EQ(FormatSignificant(-3.14159), "-3.14");
}

TEST(FormatSignificantTest, RoundingUpDoesNotAddADigit) {
  EXPECT_EQ(FormatSignificant(9.996), "10.0");
  EXPECT_EQ(FormatSignificant(0.09999), "0.100");
  EXPECT_EQ(FormatSignificant(1.26, 2), "1.3");
}

TEST(FormatSignificantTest, NonFinite) {
  EXPECT_EQ(FormatSignificant(std::nan("")), "nan");
  EXPECT_EQ(FormatSignificant(1.0 / 0.0), "inf");
}

TEST(NullableTest, NotFiniteIsNullAndReadsBackAsNothing) {
  EXPECT_EQ(NumberOf(Nullable(2.5)), 2.5);
  EXPECT_EQ(Nullable(std::nan("")).kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(NumberOf(Nullable(1.0 / 0.0)), std::nullopt);
}

}  // namespace
}  // namespace ingest::bench
