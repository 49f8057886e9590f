#include "bench/common/target_check.h"

#include <vector>

#include "bench/common/results_file.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(TargetCheckTest, VerdictsWithAndWithoutDetail) {
  const std::vector<TargetCheck> checks = {
      {.name = "a>=1", .measured = true, .held = true, .detail = "1.20"},
      {.name = "b<=2", .measured = true, .held = false, .detail = "3.00"},
      {.name = "c", .measured = false}};
  EXPECT_EQ(FormatTargetsLine("x", checks),
            "bench x: targets a>=1 held (1.20); b<=2 MISSED (3.00); c not measured");
}

TEST(TargetCheckTest, ASpreadGivesTheMedianAndWithSeveralRunsTheirRange) {
  const TargetCheck one =
      SpreadCheck("r", {.runs = 1, .median = 0.8, .min = 0.8, .max = 0.8}, true);
  EXPECT_TRUE(one.measured && one.held);
  EXPECT_EQ(one.detail, "0.80");
  const TargetCheck three = SpreadCheck("cpu", {.runs = 3, .median = 1.5, .min = 1.25, .max = 2},
                                        false, [](double v) { return absl::StrCat(v); });
  EXPECT_TRUE(three.measured);
  EXPECT_FALSE(three.held);
  EXPECT_EQ(three.detail, "1.5, runs 1.25-2");
  const TargetCheck none = SpreadCheck("r", {}, true);
  EXPECT_FALSE(none.measured);
  EXPECT_EQ(none.detail, "");
}

TEST(TargetCheckTest, RatioTargetsHoldAtTheirMinimum) {
  const RatioTarget target{.size_bytes = 100 * 1024, .min_ratio = 0.7};
  const TargetCheck held = RatioCheck(target, {.runs = 1, .median = 0.7, .min = 0.7, .max = 0.7});
  EXPECT_EQ(held.name, "ratio@100KB>=0.7");
  EXPECT_TRUE(held.held);
  EXPECT_FALSE(RatioCheck(target, {.runs = 2, .median = 0.69, .min = 0.6, .max = 0.78}).held);
  EXPECT_FALSE(RatioCheck(target, {}).measured);
}

TEST(TargetCheckTest, JsonRecord) {
  EXPECT_EQ(
      ToJsonLine(ToTargetRecord({.name = "x", .measured = true, .held = false, .detail = "d"})),
      R"({"kind":"target","name":"x","verdict":"missed","detail":"d"})");
  EXPECT_EQ(ToJsonLine(ToTargetRecord({.name = "y"})),
            R"({"kind":"target","name":"y","verdict":"not measured","detail":""})");
}

}  // namespace
}  // namespace ingest::bench
