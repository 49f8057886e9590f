#include "tools/chaos/verdict.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kFaultEnd = absl::FromUnixMillis(1'700'000'060'000);

ChaosResult Healthy() {
  ChaosResult result;
  result.name = "pg-lock";
  result.verification.persisted = 1200;
  result.gateway_errors = 0;
  result.max_lag = 4210;
  result.before_fault = {.calls = 900,
                         .errors = 0,
                         .p50 = absl::Microseconds(12340),
                         .p99 = absl::Microseconds(48040)};
  result.during_fault = {.calls = 300, .errors = 0, .p99 = absl::Milliseconds(51)};
  result.recovery = {.baseline = 40,
                     .threshold = 50,
                     .exceeded = true,
                     .recovered = true,
                     .time = absl::Milliseconds(12460)};
  result.last_fault_end = kFaultEnd;
  result.last_ack = kFaultEnd + absl::Seconds(20);
  return result;
}

TEST(FormatTest, TheTwoStdoutLinesExactly) {
  const ChaosResult result = Healthy();
  EXPECT_EQ(FormatGatewayLine(result),
            "chaos pg-lock: gateway before_fault calls=900 errors=0 p50_ms=12.3 p99_ms=48.0 "
            "during_fault calls=300 errors=0 p99_ms=51.0");
  EXPECT_EQ(FormatSummaryLine(result),
            "chaos pg-lock: acked=1200 persisted=1200 lost=0 duplicates=0 out_of_order=0 "
            "gateway_errors=0 recovery_s=12.5 max_lag=4210");
}

TEST(FormatTest, ProgressLine) {
  EXPECT_EQ(FormatProgress("pg-lock", absl::Seconds(42.7),
                           {.attempts = 4000, .errors = 12, .acked = 3120, .retries = 30}, 74.04,
                           LagSample{.lag = 85}),
            "chaos pg-lock: 42s acked=3120 74.0/s errors=12 retries=30 lag=85");
  EXPECT_EQ(FormatProgress("x", {}, {}, 0, LagSample{.lag = 85, .stale = true}),
            "chaos x: 0s acked=0 0.0/s errors=0 retries=0 lag=85?");
  EXPECT_EQ(FormatProgress("x", {}, {}, 0, std::nullopt),
            "chaos x: 0s acked=0 0.0/s errors=0 retries=0 lag=-");
}

TEST(FormatTest, RetryLineCutsALongMessage) {
  EXPECT_EQ(
      FormatRetries("kafka-down", {.retries = 3,
                                   .calls_retrying = 2,
                                   .last_error = absl::UnavailableError(std::string(200, 'x')),
                                   .last_gateway = "127.0.0.1:1"}),
      "chaos kafka-down: retrying: 2 calls, 3 retries since the last line, last error "
      "UNAVAILABLE: " +
          std::string(160, 'x') + " (gateway 127.0.0.1:1)");
}

TEST(FailedChecksTest, AHealthyRunPassesEveryCheck) {
  EXPECT_TRUE(FailedChecks(Healthy(), {.expect_gateway_unaffected = true}).empty());
}

TEST(FailedChecksTest, EachAlwaysCheckFailsWithItsOwnLine) {
  struct Case {
    const char* says;
    void (*spoil)(ChaosResult&);
  };
  const std::vector<Case> cases = {
      {"lost=2", [](ChaosResult& r) { r.verification.lost = 2; }},
      {"duplicates=1", [](ChaosResult& r) { r.verification.duplicates = 1; }},
      {"out_of_order=3", [](ChaosResult& r) { r.verification.out_of_order = 3; }},
      {"mismatched=1", [](ChaosResult& r) { r.verification.mismatched = 1; }},
      {"acked=0", [](ChaosResult& r) { r.verification.persisted = 0; }},
      {"after the last fault_end", [](ChaosResult& r) { r.last_ack = kFaultEnd; }},
      {"lag never came back", [](ChaosResult& r) { r.recovery.recovered = false; }},
  };
  for (const Case& c : cases) {
    ChaosResult result = Healthy();
    c.spoil(result);
    const std::vector<std::string> failed = FailedChecks(result, {});
    ASSERT_EQ(failed.size(), 1u) << c.says;
    EXPECT_NE(failed[0].find(c.says), std::string::npos) << failed[0];
  }
}

TEST(FailedChecksTest, LostPayloadsGetOneLinePerCause) {
  ChaosResult result = Healthy();
  result.verification.lost = 5;
  result.verification.persisted = 1195;
  result.loss_causes = LossCauses{.absent_from_kafka = 2, .stalled = 3};
  const std::vector<std::string> failed = FailedChecks(result, {});
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].rfind("absent_from_kafka=2: ", 0), 0u) << failed[0];
  EXPECT_NE(failed[0].find("true loss"), std::string::npos) << failed[0];
  EXPECT_EQ(failed[1].rfind("stalled=3: ", 0), 0u) << failed[1];
  EXPECT_NE(failed[1].find("worker logs"), std::string::npos) << failed[1];
  EXPECT_EQ(FormatSummaryLine(result),
            "chaos pg-lock: acked=1200 persisted=1195 lost=5 duplicates=0 out_of_order=0 "
            "gateway_errors=0 recovery_s=12.5 max_lag=4210 absent_from_kafka=2 stalled=3");

  result.loss_causes = LossCauses{.stalled = 5};
  ASSERT_EQ(FailedChecks(result, {}).size(), 1u);
  EXPECT_EQ(FailedChecks(result, {})[0].rfind("stalled=5: ", 0), 0u);
}

TEST(FailedChecksTest, LostPayloadsOfUnknownCauseSayWhyUnknown) {
  ChaosResult result = Healthy();
  result.verification.lost = 2;
  result.loss_cause_error = "Kafka unreachable";
  const std::vector<std::string> failed = FailedChecks(result, {});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].rfind("lost=2: ", 0), 0u) << failed[0];
  EXPECT_NE(failed[0].find("Kafka unreachable"), std::string::npos) << failed[0];
  EXPECT_NE(FormatSummaryLine(result).find("max_lag=4210 absent_from_kafka=? stalled=?"),
            std::string::npos)
      << FormatSummaryLine(result);
}

TEST(FailedChecksTest, GatewayUnaffectedWantsNoErrorsAndAModestP99) {
  ChaosResult result = Healthy();
  result.during_fault.errors = 4;
  EXPECT_EQ(FailedChecks(result, {}).size(), 0u) << "only when asked";
  std::vector<std::string> failed = FailedChecks(result, {.expect_gateway_unaffected = true});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].find("4 of 300 attempts failed"), std::string::npos) << failed[0];

  // before p99 48.04 ms: the limit is max(144.12, 148.04) = 148.04 ms.
  result = Healthy();
  result.during_fault.p99 = absl::Milliseconds(148);
  EXPECT_TRUE(FailedChecks(result, {.expect_gateway_unaffected = true}).empty());
  result.during_fault.p99 = absl::Milliseconds(149);
  failed = FailedChecks(result, {.expect_gateway_unaffected = true});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].find("p99 149.0ms > 148.0ms"), std::string::npos) << failed[0];

  // A slow baseline: three times it.
  result.before_fault.p99 = absl::Milliseconds(100);
  result.during_fault.p99 = absl::Milliseconds(300);
  EXPECT_TRUE(FailedChecks(result, {.expect_gateway_unaffected = true}).empty());
}

TEST(FailedChecksTest, NoOkDuringFaultWantsCheckedAttemptsAllFailedWithinTheirDeadline) {
  ChaosOptions options;  // call_timeout 10s
  options.expect_no_ok_during_fault = true;
  ChaosResult result = Healthy();
  result.no_ok = NoOkCheck{.checked = 40, .ok = 0, .longest_attempt = absl::Seconds(12)};
  EXPECT_TRUE(FailedChecks(result, options).empty());

  result.no_ok = NoOkCheck{.checked = 0, .ok = 0, .longest_attempt = absl::Seconds(1)};
  ASSERT_EQ(FailedChecks(result, options).size(), 1u);
  EXPECT_NE(FailedChecks(result, options)[0].find("nothing was checked"), std::string::npos);

  result.no_ok = NoOkCheck{.checked = 40, .ok = 2, .longest_attempt = absl::Seconds(1)};
  ASSERT_EQ(FailedChecks(result, options).size(), 1u);
  EXPECT_NE(FailedChecks(result, options)[0].find("2 of 40"), std::string::npos);

  result.no_ok = NoOkCheck{.checked = 40, .ok = 0, .longest_attempt = absl::Milliseconds(12001)};
  ASSERT_EQ(FailedChecks(result, options).size(), 1u);
  EXPECT_NE(FailedChecks(result, options)[0].find("within their deadline"), std::string::npos);
}

}  // namespace
}  // namespace ingest::chaos
