#include "bench/common/json_line.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(JsonLineTest, EmptyObject) { EXPECT_EQ(JsonLine().Build(), "{}"); }

TEST(JsonLineTest, KeepsInsertionOrderAndTypes) {
  const std::string line = JsonLine()
                               .Add("kind", "size")
                               .Add("size_bytes", int64_t{102400})
                               .Add("ratio", 0.875)
                               .Add("held", true)
                               .Add("count", 3)
                               .Build();
  EXPECT_EQ(line, R"({"kind":"size","size_bytes":102400,"ratio":0.875,"held":true,"count":3})");
}

TEST(JsonLineTest, NonFiniteNumbersAreNull) {
  EXPECT_EQ(JsonLine().Add("x", std::numeric_limits<double>::quiet_NaN()).Build(),
            R"({"x":null})");
  EXPECT_EQ(JsonLine().Add("x", std::numeric_limits<double>::infinity()).Build(),
            R"({"x":null})");
}

TEST(JsonLineTest, DoublesKeepNineSignificantDigits) {
  EXPECT_EQ(JsonLine().Add("x", 12345.678912345).Build(), R"({"x":12345.6789})");
  EXPECT_EQ(JsonLine().Add("x", 2.0).Build(), R"({"x":2})");
}

TEST(JsonLineTest, PointsAreAListOfPairs) {
  EXPECT_EQ(JsonLine().AddPoints("cdf", {{1.5, 0}, {2, 1}}).Build(), R"({"cdf":[[1.5,0],[2,1]]})");
  EXPECT_EQ(JsonLine().AddPoints("none", {}).Add("n", 1).Build(), R"({"none":[],"n":1})");
  EXPECT_EQ(JsonLine().AddPoints("nan", {{std::nan(""), 1}}).Build(), R"({"nan":[[null,1]]})");
}

TEST(JsonLineTest, NumberLists) {
  EXPECT_EQ(JsonLine().AddNumbers("runs", {0.5, 2, std::nan("")}).Build(),
            R"({"runs":[0.5,2,null]})");
  EXPECT_EQ(JsonLine().AddNumbers("none", {}).Build(), R"({"none":[]})");
}

TEST(JsonLineTest, RawValuesNest) {
  EXPECT_EQ(JsonLine().AddRaw("cpu", JsonLine().Add("client", 0.5).Build()).Add("n", 1).Build(),
            R"({"cpu":{"client":0.5},"n":1})");
  EXPECT_EQ(JsonLine().AddRaw("list", "[1,\"a\"]").Build(), R"({"list":[1,"a"]})");
}

TEST(JsonQuoteTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("line\nnext\ttab"), R"("line\nnext\ttab")");
  EXPECT_EQ(JsonQuote(std::string("\x01", 1)), R"("\u0001")");
  EXPECT_EQ(JsonQuote("ünïcode"), "\"ünïcode\"");
}

}  // namespace
}  // namespace ingest::bench
