#include "services/common/pg/pg_text_array.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(ToPgTextArrayTest, Empty) { EXPECT_EQ(ToPgTextArray({}), "{}"); }

TEST(ToPgTextArrayTest, QuotesEveryElement) {
  const std::vector<std::string> values = {"a", "", "NULL", "x y,z"};
  EXPECT_EQ(ToPgTextArray(values), R"({"a","","NULL","x y,z"})");
}

TEST(ToPgTextArrayTest, EscapesQuotesAndBackslashes) {
  const std::vector<std::string> values = {R"(say "hi")", R"(c:\dir)", "{}"};
  EXPECT_EQ(ToPgTextArray(values), R"({"say \"hi\"","c:\\dir","{}"})");
}

TEST(PgArrayLiteralTest, NullElementsAreUnquoted) {
  PgArrayLiteral literal;
  literal.Add("NULL");
  literal.AddNull();
  literal.AddOrNull(std::nullopt);
  literal.AddOrNull(std::string("x"));
  EXPECT_EQ(literal.Literal(), R"({"NULL",NULL,NULL,"x"})");
  EXPECT_EQ(PgArrayLiteral().Literal(), "{}");
}

}  // namespace
}  // namespace ingest
