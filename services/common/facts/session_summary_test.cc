#include "services/common/facts/session_summary.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/facts/payload_facts_extractor.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;

v1::PayloadFacts Parsed() {
  v1::PayloadFacts facts;
  facts.set_parsed(true);
  facts.mutable_events_by_type()->Resize(8, 0);
  return facts;
}

v1::PayloadFacts WithEventTimes(int64_t first_ms, int64_t last_ms) {
  v1::PayloadFacts facts = Parsed();
  facts.set_event_count(1);
  facts.set_first_event_ms(first_ms);
  facts.set_last_event_ms(last_ms);
  return facts;
}

// Interactions at `times`, in event order, with the active time between
// them as the extractor computes it.
v1::PayloadFacts WithInteractions(const std::vector<int64_t>& times) {
  v1::PayloadFacts facts = Parsed();
  facts.set_interaction_count(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    if (i == 0) facts.set_first_interaction_ms(times[i]);
    if (i > 0) facts.set_active_ms(facts.active_ms() + ActiveTimeBetween(times[i - 1], times[i]));
    facts.set_last_interaction_ms(times[i]);
  }
  return facts;
}

v1::PayloadFacts WithPages(const std::vector<std::string>& pages) {
  v1::PayloadFacts facts = Parsed();
  for (const std::string& page : pages) facts.add_pages(page);
  return facts;
}

struct TestClick {
  int64_t t;
  int x;
  int y;
};
v1::PayloadFacts WithClicks(const std::vector<TestClick>& clicks) {
  v1::PayloadFacts facts = Parsed();
  facts.set_click_count(clicks.size());
  for (const TestClick& c : clicks) {
    v1::Click* click = facts.add_clicks();
    click->set_timestamp_ms(c.t);
    click->set_x(c.x);
    click->set_y(c.y);
  }
  return facts;
}

v1::SessionSummary Summarize(const std::vector<v1::PayloadFacts>& payloads,
                             const RageClickRule& rule = {}) {
  std::vector<IdentifiedFacts> identified;
  for (size_t i = 0; i < payloads.size(); ++i) identified.push_back({i + 1, &payloads[i]});
  return SummarizeSession(identified, rule);
}

std::vector<uint64_t> ByType(const v1::SessionSummary& summary) {
  return {summary.events_by_type().begin(), summary.events_by_type().end()};
}

TEST(SessionSummaryTest, EmptySession) {
  const v1::SessionSummary summary = Summarize({});
  EXPECT_EQ(summary.ByteSizeLong(), 0u);
}

TEST(SessionSummaryTest, UnparsedPayloadCountsOnlyAsAPayload) {
  v1::SessionSummary summary;
  FoldPayloadFacts(7, UnparsedPayloadFacts(kUnparsedNotJson), {}, &summary);
  v1::SessionSummary expected;
  expected.set_payloads(1);
  expected.set_last_payload_id(7);
  expected.set_unparsed_payloads(1);
  EXPECT_EQ(summary.SerializeAsString(), expected.SerializeAsString()) << summary.DebugString();
  EXPECT_EQ(summary.events_by_type_size(), 0);

  FoldPayloadFacts(9, WithEventTimes(100, 200), {}, &summary);
  EXPECT_EQ(summary.payloads(), 2u);
  EXPECT_EQ(summary.unparsed_payloads(), 1u);
  EXPECT_EQ(summary.event_count(), 1u);
  EXPECT_EQ(summary.events_by_type_size(), 8);
}

TEST(SessionSummaryTest, LastPayloadIdIsTheHighest) {
  v1::SessionSummary summary;
  FoldPayloadFacts(5, Parsed(), {}, &summary);
  FoldPayloadFacts(3, Parsed(), {}, &summary);
  EXPECT_EQ(summary.last_payload_id(), 5u);
  EXPECT_EQ(summary.payloads(), 2u);
}

TEST(SessionSummaryTest, CountsAreSums) {
  v1::PayloadFacts a = Parsed();
  a.set_event_count(10);
  a.set_events_by_type(2, 1);
  a.set_events_by_type(3, 9);
  a.set_interaction_count(4);
  a.set_click_count(3);
  a.set_console_errors(1);
  a.set_console_warnings(2);
  a.set_errors(3);
  a.set_resources(4);
  a.set_failed_resources(1);
  v1::PayloadFacts b = Parsed();
  b.set_event_count(3);
  b.set_events_by_type(3, 1);
  b.set_events_by_type(7, 2);
  b.set_click_count(1500);  // beyond what clicks lists
  b.set_errors(1);
  b.set_resources(1);
  b.set_failed_resources(1);
  const v1::SessionSummary summary = Summarize({a, UnparsedPayloadFacts(kUnparsedTooLarge), b});
  EXPECT_EQ(summary.event_count(), 13u);
  EXPECT_THAT(ByType(summary), ElementsAre(0, 0, 1, 10, 0, 0, 0, 2));
  EXPECT_EQ(summary.interaction_count(), 4u);
  EXPECT_EQ(summary.clicks(), 1503u);
  EXPECT_EQ(summary.console_errors(), 1u);
  EXPECT_EQ(summary.console_warnings(), 2u);
  EXPECT_EQ(summary.errors(), 4u);
  EXPECT_EQ(summary.resources(), 5u);
  EXPECT_EQ(summary.failed_resources(), 2u);
  EXPECT_EQ(summary.payloads(), 3u);
  EXPECT_EQ(summary.unparsed_payloads(), 1u);
}

TEST(SessionSummaryTest, EventTimesSpanThePayloads) {
  const v1::SessionSummary summary =
      Summarize({WithEventTimes(5000, 9000), Parsed(), WithEventTimes(2000, 7000),
                 WithEventTimes(-100, -100), WithEventTimes(9500, 12000)});
  EXPECT_EQ(summary.first_event_ms(), -100);
  EXPECT_EQ(summary.last_event_ms(), 12000);
  EXPECT_EQ(summary.length_ms(), 12100);

  const v1::SessionSummary untimed = Summarize({Parsed(), Parsed()});
  EXPECT_EQ(untimed.first_event_ms(), 0);
  EXPECT_EQ(untimed.last_event_ms(), 0);
  EXPECT_EQ(untimed.length_ms(), 0);
}

TEST(SessionSummaryTest, LengthSaturates) {
  const v1::SessionSummary summary =
      Summarize({WithEventTimes(INT64_MIN, INT64_MIN), WithEventTimes(INT64_MAX, INT64_MAX)});
  EXPECT_EQ(summary.length_ms(), INT64_MAX);
}

TEST(SessionSummaryTest, ActiveTimeJoinsAcrossPayloads) {
  const v1::SessionSummary summary = Summarize({
      WithInteractions({1000, 2000}),    // 1000
      Parsed(),                          // no interactions: the join passes over it
      WithInteractions({5000, 6000}),    // 1000, +3000 joining 2000 -> 5000
      WithInteractions({17000, 17500}),  // 500; 11000 after 6000: idle
      WithInteractions({17000}),         // backwards: nothing
      WithInteractions({27000}),         // exactly the threshold after 17000
  });
  EXPECT_EQ(summary.active_ms(), 1000 + 1000 + 3000 + 500 + kActivityGapMs);
  EXPECT_EQ(summary.last_interaction_ms(), 27000);
  EXPECT_EQ(summary.interaction_count(), 8u);
}

TEST(SessionSummaryTest, UntimedInteractionsDoNotBreakTheJoin) {
  v1::PayloadFacts untimed = Parsed();
  untimed.set_interaction_count(3);
  const v1::SessionSummary summary =
      Summarize({WithInteractions({1000}), untimed, WithInteractions({1500})});
  EXPECT_EQ(summary.active_ms(), 500);
  EXPECT_EQ(summary.last_interaction_ms(), 1500);
}

TEST(SessionSummaryTest, PagesAcrossPayloads) {
  const v1::SessionSummary summary = Summarize({
      WithPages({"/a", "/b"}),
      WithPages({"/b", "/c"}),  // /b repeats the previous page: dropped
      Parsed(),
      WithPages({"/a"}),
      WithPages({"/a", "/c"}),
  });
  EXPECT_EQ(summary.pages_visited(), 5u);  // /a /b /c /a /c
  EXPECT_EQ(summary.landing_page(), "/a");
  EXPECT_EQ(summary.exit_page(), "/c");
}

TEST(SessionSummaryTest, RageClusterSpanningPayloadsCountsOnce) {
  const v1::SessionSummary summary = Summarize({
      WithClicks({{1000, 100, 100}, {1200, 102, 99}, {1400, 101, 101}}),
      WithClicks({{1600, 100, 100}, {1800, 98, 103}, {2000, 100, 100}, {2200, 100, 100}}),
  });
  EXPECT_EQ(summary.rage_clicks(), 1u);
  EXPECT_EQ(summary.open_cluster().clicks(), 7u);
  EXPECT_EQ(summary.open_cluster().start_ms(), 1000);
  EXPECT_EQ(summary.open_cluster().x(), 100);
  EXPECT_EQ(summary.open_cluster().y(), 100);
}

TEST(SessionSummaryTest, RageClickBounds) {
  RageClickRule rule;
  rule.min_clicks = 3;
  rule.radius_px = 8;
  rule.window_ms = 1000;
  // Exactly on the radius and the window: joins.
  EXPECT_EQ(Summarize({WithClicks({{1, 0, 0}, {500, 8, 0}, {1001, 0, -8}})}, rule).rage_clicks(),
            1u);
  // (6, 6) is 8.49 px away: a new cluster.
  EXPECT_EQ(Summarize({WithClicks({{1, 0, 0}, {2, 6, 6}, {3, 0, 0}})}, rule).rage_clicks(), 0u);
  // One ms past the window: a new cluster, which then grows to three.
  EXPECT_EQ(
      Summarize({WithClicks({{1, 0, 0}, {2, 0, 0}, {1002, 0, 0}, {1003, 0, 0}, {1004, 0, 0}})},
                rule)
          .rage_clicks(),
      1u);
  // Within the window before the first click (timestamps out of order).
  EXPECT_EQ(Summarize({WithClicks({{5000, 0, 0}, {4500, 0, 0}, {5200, 0, 0}})}, rule).rage_clicks(),
            1u);
  // Two separate clusters count twice.
  EXPECT_EQ(Summarize({WithClicks({{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 50, 50}, {5, 50, 50},
                                   {6, 50, 50}, {7, 50, 50}})},
                      rule)
                .rage_clicks(),
            2u);
  // Extreme values neither overflow nor join.
  EXPECT_EQ(Summarize({WithClicks({{INT64_MIN, INT32_MIN, INT32_MIN},
                                   {INT64_MAX, INT32_MAX, INT32_MAX},
                                   {INT64_MIN, INT32_MIN, INT32_MIN}})},
                      rule)
                .rage_clicks(),
            0u);
}

TEST(SessionSummaryTest, DefaultRageRule) {
  std::vector<TestClick> clicks;
  for (int i = 0; i < 4; ++i) clicks.push_back({1000 + i * 100, 10, 10});
  EXPECT_EQ(Summarize({WithClicks(clicks)}).rage_clicks(), 0u);
  clicks.push_back({1400, 10, 10});
  EXPECT_EQ(Summarize({WithClicks(clicks)}).rage_clicks(), 1u);
}

TEST(SessionSummaryTest, SummarizeSessionFoldsInOrder) {
  const std::vector<v1::PayloadFacts> payloads = {WithPages({"/x"}), WithInteractions({10, 20}),
                                                  UnparsedPayloadFacts(kUnparsedNotExtracted)};
  v1::SessionSummary folded;
  for (size_t i = 0; i < payloads.size(); ++i) FoldPayloadFacts(i + 1, payloads[i], {}, &folded);
  EXPECT_EQ(Summarize(payloads).SerializeAsString(), folded.SerializeAsString());
}

}  // namespace
}  // namespace ingest
