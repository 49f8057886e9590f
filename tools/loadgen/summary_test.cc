#include "tools/loadgen/summary.h"

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

RunSummary Clean() {
  return {.label = "demo",
          .sessions = 20,
          .payloads = 500,
          .acked = 500,
          .report = {.persisted = 500},
          .summaries = {.summaries_exact = 20, .sessions_completed = 20}};
}

TEST(FormatSummaryLineTest, ExactFormat) {
  RunSummary summary = Clean();
  summary.report.lost = 1;
  summary.report.duplicates = 2;
  summary.report.out_of_order = 3;
  summary.report.mismatched = 4;
  summary.summaries.summaries_exact = 5;
  summary.summaries.sessions_completed = 6;
  EXPECT_EQ(FormatSummaryLine(summary),
            "demo: sessions=20 payloads=500 acked=500 persisted=500 lost=1 "
            "duplicates=2 out_of_order=3 mismatched=4 summaries_exact=5 "
            "sessions_completed=6");
}

TEST(ExitCodeForTest, ZeroOnlyWhenEverythingIsClean) {
  EXPECT_EQ(ExitCodeFor(Clean()), kExitOk);

  RunSummary not_all_acked = Clean();
  not_all_acked.acked = 499;
  EXPECT_EQ(ExitCodeFor(not_all_acked), kExitFailed);

  for (int64_t VerificationReport::*field :
       {&VerificationReport::lost, &VerificationReport::duplicates,
        &VerificationReport::out_of_order, &VerificationReport::mismatched}) {
    RunSummary summary = Clean();
    summary.report.*field = 1;
    EXPECT_EQ(ExitCodeFor(summary), kExitFailed);
  }
  for (int64_t SummaryReport::*field :
       {&SummaryReport::summaries_mismatched, &SummaryReport::completions_missing}) {
    RunSummary summary = Clean();
    summary.summaries.*field = 1;
    EXPECT_EQ(ExitCodeFor(summary), kExitFailed);
  }
}

}  // namespace
}  // namespace ingest::loadgen
