#include "services/broker_proxy/ingestctl/table.h"

#include "gtest/gtest.h"

namespace ingest::ingestctl {
namespace {

TEST(TableTest, AlignsColumnsLeftAndRight) {
  Table table({{"NAME"}, {"COUNT", Align::kRight}, {"NOTE"}});
  table.AddRow({"a", "1", "short"});
  table.AddRow({"longer-name", "12345", ""});
  EXPECT_EQ(table.Render(),
            "NAME         COUNT  NOTE\n"
            "a                1  short\n"
            "longer-name  12345\n");
}

TEST(TableTest, EmptyTableIsTheHeaderOnly) {
  Table table({{"PARTITION", Align::kRight}, {"LAG", Align::kRight}});
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Render(), "PARTITION  LAG\n");
}

TEST(TableTest, WithoutHeadersRendersRowsOnly) {
  Table table({{""}, {""}});
  table.AddRow({"SESSION", "s-1"});
  table.AddRow({"STATUS", "active"});
  EXPECT_EQ(table.Render(), "SESSION  s-1\nSTATUS   active\n");
}

TEST(TableTest, MissingCellsAreBlankAndExtraCellsDropped) {
  Table table({{"A"}, {"B"}});
  table.AddRow({"x"});
  table.AddRow({"1", "2", "3"});
  EXPECT_EQ(table.Render(), "A  B\nx\n1  2\n");
}

TEST(TableTest, AMultiLineCellStaysOnItsRow) {
  Table table({{"ID", Align::kRight}, {"DETAIL"}});
  table.AddRow({"1", "ERROR: refused\nCONTEXT:\tline 4"});
  EXPECT_EQ(table.Render(), "ID  DETAIL\n 1  ERROR: refused CONTEXT: line 4\n");
}

TEST(TableTest, WideCellWidensItsColumnOnly) {
  Table table({{"A", Align::kRight}, {"B"}});
  table.AddRow({"1000000", "b"});
  EXPECT_EQ(table.Render(), "      A  B\n1000000  b\n");
}

}  // namespace
}  // namespace ingest::ingestctl
