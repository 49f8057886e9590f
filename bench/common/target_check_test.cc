#include "bench/common/target_check.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(TargetCheckTest, VerdictsWithAndWithoutDetail) {
  const std::vector<TargetCheck> checks = {
      {.name = "a>=1", .measured = true, .held = true, .detail = "1.20"},
      {.name = "b<=2", .measured = true, .held = false, .detail = "3.00"},
      {.name = "c", .measured = false}};
  EXPECT_EQ(FormatTargetChecks(checks), "a>=1 held (1.20); b<=2 MISSED (3.00); c not measured");
}

TEST(TargetCheckTest, JsonRecord) {
  EXPECT_EQ(TargetJson({.name = "x", .measured = true, .held = false, .detail = "d"}),
            R"({"kind":"target","name":"x","verdict":"missed","detail":"d"})");
  EXPECT_EQ(TargetJson({.name = "y"}),
            R"({"kind":"target","name":"y","verdict":"not measured","detail":""})");
}

}  // namespace
}  // namespace ingest::bench
