#include "tools/loadgen/ledger.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

TEST(LedgerTest, RecordsFromManyThreads) {
  Ledger ledger;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ledger, t] {
      for (uint64_t p = 1; p <= 100; ++p) {
        ledger.Record({.session_id = absl::StrCat("s", t),
                       .payload_id = p,
                       .size_bytes = 10,
                       .sha256_hex = "x"});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ledger.size(), 400u);
  EXPECT_EQ(ledger.total_bytes(), 4000u);
}

TEST(LedgerTest, EntriesAreSortedBySessionThenPayload) {
  Ledger ledger;
  ledger.Record({.session_id = "b", .payload_id = 1});
  ledger.Record({.session_id = "a", .payload_id = 10});
  ledger.Record({.session_id = "a", .payload_id = 2});
  const std::vector<LedgerEntry> entries = ledger.Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].session_id, "a");
  EXPECT_EQ(entries[0].payload_id, 2u);
  EXPECT_EQ(entries[1].payload_id, 10u);
  EXPECT_EQ(entries[2].session_id, "b");
}

TEST(LedgerTest, FormatsTsv) {
  const std::vector<LedgerEntry> entries = {
      {.session_id = "s1", .payload_id = 1, .size_bytes = 10240, .sha256_hex = "ab12"},
      {.session_id = "s1", .payload_id = 2, .size_bytes = 7, .sha256_hex = "cd34"}};
  EXPECT_EQ(FormatLedgerTsv(entries),
            "session_id\tpayload_id\tsize_bytes\tsha256\n"
            "s1\t1\t10240\tab12\n"
            "s1\t2\t7\tcd34\n");
}

TEST(LedgerTest, WritesTsvFile) {
  const std::string path = absl::StrCat(testing::TempDir(), "/ledger_test.tsv");
  const std::vector<LedgerEntry> entries = {
      {.session_id = "s", .payload_id = 3, .size_bytes = 1, .sha256_hex = "ff"}};
  ASSERT_TRUE(WriteLedgerTsv(entries, path).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), FormatLedgerTsv(entries));
  std::remove(path.c_str());
}

TEST(LedgerTest, ReportsUnwritablePath) {
  const absl::Status status = WriteLedgerTsv({}, "/nonexistent-dir/for/sure/ledger.tsv");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find("/nonexistent-dir"), std::string::npos);
}

}  // namespace
}  // namespace ingest::loadgen
