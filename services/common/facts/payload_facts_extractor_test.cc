#include "services/common/facts/payload_facts_extractor.h"

#include <pthread.h>
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/facts/payload_facts_extractor_internal.h"

namespace ingest {
namespace {

using ::std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// rrweb events, as the recorder emits them (rrweb's EventType numbers the
// `type`; IncrementalSnapshot's data.source is an IncrementalSource).
std::string Event(int type, int64_t timestamp_ms, const std::string& data) {
  return absl::StrCat(R"({"type":)", type, R"(,"data":)", data, R"(,"timestamp":)", timestamp_ms,
                      "}");
}
std::string DomContentLoaded(int64_t t) { return Event(0, t, "{}"); }
std::string Load(int64_t t) { return Event(1, t, "{}"); }
std::string FullSnapshot(int64_t t) {
  return Event(2, t,
               R"({"node":{"type":0,"childNodes":[{"type":1,"name":"html","id":2},)"
               R"({"type":2,"tagName":"html","attributes":{"lang":"en"},"childNodes":[)"
               R"({"type":3,"textContent":"hi \"there\" \u00e9","id":4}],"id":3}],"id":1},)"
               R"("initialOffset":{"left":0,"top":0}})");
}
std::string Meta(int64_t t, const std::string& href) {
  return Event(4, t, absl::StrCat(R"({"href":")", href, R"(","width":1280,"height":720})"));
}
std::string Custom(int64_t t) {
  return Event(5, t, R"({"tag":"Identify","payload":"{\"user\":\"a@b.c\"}"})");
}
std::string Plugin(int64_t t) {
  return Event(6, t,
               R"({"plugin":"rrweb/console@1","payload":{"level":"log","payload":["\"x\""],)"
               R"("trace":[]}})");
}
std::string Mutation(int64_t t) {
  return Event(3, t, R"({"source":0,"texts":[],"attributes":[],"removes":[],"adds":[]})");
}
std::string MouseMove(int64_t t) {
  return Event(3, t, R"({"source":1,"positions":[{"x":10,"y":20,"id":5,"timeOffset":-40}]})");
}
// MouseInteraction (source 2) of a MouseInteractions `kind` (2 = Click).
std::string Mouse(int64_t t, int kind, int x, int y) {
  return Event(3, t,
               absl::StrCat(R"({"source":2,"type":)", kind, R"(,"id":9,"x":)", x, R"(,"y":)", y,
                            "}"));
}
std::string Click(int64_t t, int x, int y) { return Mouse(t, 2, x, y); }
std::string Scroll(int64_t t) { return Event(3, t, R"({"source":3,"id":1,"x":0,"y":480})"); }
std::string ViewportResize(int64_t t) {
  return Event(3, t, R"({"source":4,"width":800,"height":600})");
}
std::string Input(int64_t t) {
  return Event(3, t, R"({"source":5,"text":"hello","isChecked":false,"id":12})");
}
std::string TouchMove(int64_t t) {
  return Event(3, t, R"({"source":6,"positions":[{"x":1,"y":2,"id":3,"timeOffset":0}]})");
}
std::string MediaInteraction(int64_t t) { return Event(3, t, R"({"source":7,"type":0,"id":4})"); }
std::string Drag(int64_t t) {
  return Event(3, t, R"({"source":12,"positions":[{"x":5,"y":6,"id":7,"timeOffset":0}]})");
}

std::string Array(const std::vector<std::string>& elements) {
  return absl::StrCat("[", absl::StrJoin(elements, ","), "]");
}

v1::PayloadContent Content(const std::string& events, const std::string& messages = "",
                           const std::string& errors = "", const std::string& resources = "") {
  v1::PayloadContent content;
  content.set_events(events);
  content.set_messages(messages);
  content.set_errors(errors);
  content.set_resources(resources);
  return content;
}

v1::PayloadFacts Events(const std::vector<std::string>& events) {
  return ExtractPayloadFacts(Content(Array(events)));
}

std::string Reason(const std::string& events) {
  const v1::PayloadFacts facts = ExtractPayloadFacts(Content(events));
  return facts.parsed() ? "parsed" : facts.unparsed_reason();
}

std::vector<uint64_t> ByType(const v1::PayloadFacts& facts) {
  return {facts.events_by_type().begin(), facts.events_by_type().end()};
}

// An unparsed result carries nothing but the reason.
void ExpectUnparsed(const v1::PayloadFacts& facts, absl::string_view reason) {
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(facts, UnparsedPayloadFacts(reason)))
      << facts.DebugString();
}

TEST(PayloadFactsExtractorTest, EmptyContentIsParsedWithNoFacts) {
  const v1::PayloadFacts facts = ExtractPayloadFacts(v1::PayloadContent());
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.unparsed_reason(), "");
  EXPECT_THAT(ByType(facts), ElementsAre(0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(facts.event_count(), 0u);
  EXPECT_EQ(facts.first_event_ms(), 0);
  EXPECT_EQ(facts.last_event_ms(), 0);
  EXPECT_EQ(facts.errors(), 0u);
  EXPECT_EQ(facts.resources(), 0u);
}

TEST(PayloadFactsExtractorTest, EmptyArraysAreParsedWithNoFacts) {
  const v1::PayloadFacts facts = ExtractPayloadFacts(Content("[]", "[]", "[]", "[]"));
  EXPECT_TRUE(facts.parsed());
  EXPECT_THAT(ByType(facts), ElementsAre(0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(facts.event_count(), 0u);
}

TEST(PayloadFactsExtractorTest, CountsEventsByRrwebType) {
  const v1::PayloadFacts facts =
      Events({DomContentLoaded(1), Load(2), Meta(3, "https://a.test/"), FullSnapshot(4),
              Mutation(5), MouseMove(6), Custom(7), Plugin(8), Custom(9)});
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 9u);
  EXPECT_THAT(ByType(facts), ElementsAre(1, 1, 1, 2, 1, 2, 1, 0));
}

TEST(PayloadFactsExtractorTest, UnknownOrMissingTypesCountAsOther) {
  const v1::PayloadFacts facts = Events({
      Event(7, 1, "{}"),
      Event(42, 2, "{}"),
      Event(-1, 3, "{}"),
      R"({"type":"x","timestamp":4})",
      R"({"type":"3","timestamp":5})",
      R"({"type":3.0,"timestamp":6})",
      R"({"type":null,"timestamp":7})",
      R"({"type":18446744073709551615,"timestamp":8})",
      R"({"timestamp":9})",
  });
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 9u);
  EXPECT_THAT(ByType(facts), ElementsAre(0, 0, 0, 0, 0, 0, 0, 9));
  EXPECT_EQ(facts.first_event_ms(), 1);
  EXPECT_EQ(facts.last_event_ms(), 9);
}

TEST(PayloadFactsExtractorTest, EventTimesAreSmallestAndLargestInAnyOrder) {
  const v1::PayloadFacts facts =
      Events({FullSnapshot(5000), Custom(2000), Custom(9000), Custom(-3), Custom(7000)});
  EXPECT_EQ(facts.first_event_ms(), -3);
  EXPECT_EQ(facts.last_event_ms(), 9000);
}

TEST(PayloadFactsExtractorTest, EventsWithoutTimestampCountButHaveNoTime) {
  v1::PayloadFacts facts = Events({R"({"type":2,"data":{}})", R"({"type":5})"});
  EXPECT_EQ(facts.event_count(), 2u);
  EXPECT_EQ(facts.first_event_ms(), 0);
  EXPECT_EQ(facts.last_event_ms(), 0);

  facts = Events({R"({"type":5})", Custom(40), R"({"type":5,"timestamp":"50"})"});
  EXPECT_EQ(facts.event_count(), 3u);
  EXPECT_EQ(facts.first_event_ms(), 40);
  EXPECT_EQ(facts.last_event_ms(), 40);
}

TEST(PayloadFactsExtractorTest, HugeAndFractionalTimestamps) {
  const v1::PayloadFacts facts = Events({
      R"({"type":5,"timestamp":1e30})",
      R"({"type":5,"timestamp":-1e30})",
      R"({"type":5,"timestamp":9223372036854775808})",   // 2^63
      R"({"type":5,"timestamp":18446744073709551615})",  // 2^64 - 1
      R"({"type":5,"timestamp":100000000000000000000000})",
      R"({"type":5,"timestamp":-9223372036854775809})",
      R"({"type":5,"timestamp":1e400})",
      R"({"type":5,"timestamp":9.3e18})",
      R"({"type":5,"timestamp":1700000000123.9})",
  });
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 9u);
  EXPECT_EQ(facts.first_event_ms(), 1700000000123);
  EXPECT_EQ(facts.last_event_ms(), 1700000000123);
}

// simdjson 3.0.1's On-Demand get_number() reads these as 0; the DOM parser
// and get_double() read them right.
TEST(PayloadFactsExtractorTest, NumbersOfManySignificantDigits) {
  const v1::PayloadContent content = Content(Array({
      R"({"type":5,"timestamp":1700000000123.00000000000000000001})",
      R"({"type":3,"timestamp":1700000000124.9,"data":{"source":2,"type":2,)"
      R"("x":640.00000000000000000000001,"y":12345678901234567890123e-20}})",
  }));
  const v1::PayloadFacts facts = ExtractPayloadFacts(content);
  EXPECT_EQ(facts.first_event_ms(), 1700000000123);
  EXPECT_EQ(facts.last_event_ms(), 1700000000124);
  ASSERT_EQ(facts.clicks_size(), 1);
  EXPECT_EQ(facts.clicks(0).x(), 640);
  EXPECT_EQ(facts.clicks(0).y(), 123);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      facts, facts_internal::ExtractPayloadFactsOnDemand(content)));
}

TEST(PayloadFactsExtractorTest, Int64LimitsAreTimestamps) {
  const v1::PayloadFacts facts = Events({
      R"({"type":5,"timestamp":9223372036854775807})",
      R"({"type":5,"timestamp":-9223372036854775808})",
      R"({"type":5,"timestamp":-12.7})",
  });
  EXPECT_EQ(facts.first_event_ms(), INT64_MIN);
  EXPECT_EQ(facts.last_event_ms(), INT64_MAX);

  const v1::PayloadFacts truncated = Events({R"({"type":5,"timestamp":-12.7})"});
  EXPECT_EQ(truncated.first_event_ms(), -12);
}

TEST(PayloadFactsExtractorTest, OnlyInteractionSourcesAreInteractions) {
  const v1::PayloadFacts facts =
      Events({Mutation(1), MouseMove(2), Mouse(3, 0, 1, 1), Scroll(4), ViewportResize(5),
              Input(6), TouchMove(7), MediaInteraction(8), Drag(9), Custom(10),
              Event(2, 11, R"({"source":2})")});
  EXPECT_EQ(facts.interaction_count(), 6u);
  EXPECT_EQ(facts.first_interaction_ms(), 2);
  EXPECT_EQ(facts.last_interaction_ms(), 9);
  EXPECT_EQ(facts.click_count(), 0u);
}

TEST(PayloadFactsExtractorTest, ActiveTimeAddsGapsUpToTheThreshold) {
  const v1::PayloadFacts facts = Events({
      MouseMove(1000),
      Scroll(1100),                           // +100
      Custom(1200),                           // not an interaction
      Input(1100 + kActivityGapMs),           // +10000: at the threshold
      MouseMove(1100 + 2 * kActivityGapMs + 1),  // +10001: idle
      MouseMove(1100 + 2 * kActivityGapMs + 500),  // +499
  });
  EXPECT_EQ(facts.interaction_count(), 5u);
  EXPECT_EQ(facts.active_ms(), 100 + kActivityGapMs + 499);
  EXPECT_EQ(facts.first_interaction_ms(), 1000);
  EXPECT_EQ(facts.last_interaction_ms(), 1100 + 2 * kActivityGapMs + 500);
}

TEST(PayloadFactsExtractorTest, InteractionTimesFollowEventOrder) {
  // Backwards gaps add nothing; first/last are by position, not min/max.
  const v1::PayloadFacts facts =
      Events({MouseMove(5000), MouseMove(4000), MouseMove(4500), MouseMove(9000), MouseMove(3000)});
  EXPECT_EQ(facts.first_interaction_ms(), 5000);
  EXPECT_EQ(facts.last_interaction_ms(), 3000);
  EXPECT_EQ(facts.active_ms(), 500 + 4500);
  EXPECT_EQ(facts.first_event_ms(), 3000);
  EXPECT_EQ(facts.last_event_ms(), 9000);
}

TEST(PayloadFactsExtractorTest, UntimedInteractionsCountButAreSkippedForTime) {
  const v1::PayloadFacts facts = Events({
      MouseMove(1000),
      R"({"type":3,"data":{"source":1}})",
      R"({"type":3,"timestamp":"x","data":{"source":3}})",
      MouseMove(1700),
  });
  EXPECT_EQ(facts.interaction_count(), 4u);
  EXPECT_EQ(facts.active_ms(), 700);
  EXPECT_EQ(facts.first_interaction_ms(), 1000);
  EXPECT_EQ(facts.last_interaction_ms(), 1700);
}

TEST(PayloadFactsExtractorTest, ClicksCarryTimeAndPosition) {
  const v1::PayloadFacts facts = Events({
      Mouse(100, 1, 10, 10),  // MouseDown
      Mouse(110, 0, 10, 10),  // MouseUp
      Click(120, 10, 11),
      Mouse(130, 4, 10, 11),  // DblClick
      Click(140, -3, 2000),
  });
  EXPECT_EQ(facts.interaction_count(), 5u);
  EXPECT_EQ(facts.click_count(), 2u);
  ASSERT_EQ(facts.clicks_size(), 2);
  EXPECT_EQ(facts.clicks(0).timestamp_ms(), 120);
  EXPECT_EQ(facts.clicks(0).x(), 10);
  EXPECT_EQ(facts.clicks(0).y(), 11);
  EXPECT_EQ(facts.clicks(1).timestamp_ms(), 140);
  EXPECT_EQ(facts.clicks(1).x(), -3);
  EXPECT_EQ(facts.clicks(1).y(), 2000);
}

TEST(PayloadFactsExtractorTest, ClickCoordinatesAreClampedTruncatedOrZero) {
  const v1::PayloadFacts facts = Events({
      R"({"type":3,"timestamp":1,"data":{"source":2,"type":2,"x":1e12,"y":-99999999999}})",
      R"({"type":3,"timestamp":2,"data":{"source":2,"type":2,"x":12.9,"y":-7.9}})",
      R"({"type":3,"timestamp":3,"data":{"source":2,"type":2,"x":"10","y":null}})",
      R"({"type":3,"timestamp":4,"data":{"source":2,"type":2}})",
      R"({"type":3,"timestamp":5,"data":{"source":2,"type":2,"x":18446744073709551615,"y":1e400}})",
  });
  ASSERT_EQ(facts.clicks_size(), 5);
  EXPECT_EQ(facts.clicks(0).x(), INT32_MAX);
  EXPECT_EQ(facts.clicks(0).y(), INT32_MIN);
  EXPECT_EQ(facts.clicks(1).x(), 12);
  EXPECT_EQ(facts.clicks(1).y(), -7);
  EXPECT_EQ(facts.clicks(2).x(), 0);
  EXPECT_EQ(facts.clicks(2).y(), 0);
  EXPECT_EQ(facts.clicks(3).x(), 0);
  EXPECT_EQ(facts.clicks(3).y(), 0);
  EXPECT_EQ(facts.clicks(4).x(), INT32_MAX);
  EXPECT_EQ(facts.clicks(4).y(), INT32_MAX);
}

TEST(PayloadFactsExtractorTest, ClicksInFactsAreCapped) {
  std::vector<std::string> events;
  for (int i = 0; i < kMaxClicksInFacts + 5; ++i) events.push_back(Click(i, i, 0));
  const v1::PayloadFacts facts = Events(events);
  EXPECT_EQ(facts.click_count(), static_cast<uint64_t>(kMaxClicksInFacts + 5));
  ASSERT_EQ(facts.clicks_size(), kMaxClicksInFacts);
  EXPECT_EQ(facts.clicks(kMaxClicksInFacts - 1).timestamp_ms(), kMaxClicksInFacts - 1);
}

TEST(PayloadFactsExtractorTest, UntimedClicksAreCountedNotListed) {
  const v1::PayloadFacts facts = Events({
      R"({"type":3,"data":{"source":2,"type":2,"x":1,"y":1}})",
      Click(50, 2, 2),
  });
  EXPECT_EQ(facts.click_count(), 2u);
  ASSERT_EQ(facts.clicks_size(), 1);
  EXPECT_EQ(facts.clicks(0).timestamp_ms(), 50);
}

TEST(PayloadFactsExtractorTest, PagesDropARepeatOfThePreviousHref) {
  const v1::PayloadFacts facts = Events({
      Meta(1, "https://a.test/"),
      Meta(2, "https://a.test/"),
      FullSnapshot(3),
      Meta(4, "https://a.test/b"),
      Meta(5, "https://a.test/"),
      Event(4, 6, R"({"width":1,"height":1})"),  // no href
      Event(4, 7, R"({"href":""})"),
      Event(4, 8, R"({"href":42})"),
      Meta(9, "https://a.test/"),
      Event(5, 10, R"({"href":"https://custom.test/"})"),  // not Meta
  });
  EXPECT_THAT(facts.pages(),
              ElementsAre("https://a.test/", "https://a.test/b", "https://a.test/"));
  EXPECT_EQ(facts.events_by_type(4), 8u);
}

TEST(PayloadFactsExtractorTest, HrefEscapesAreDecoded) {
  const v1::PayloadFacts facts =
      Events({R"({"type":4,"data":{"href":"https:\/\/a.test\/\u00e9"}})"});
  EXPECT_THAT(facts.pages(), ElementsAre("https://a.test/\xc3\xa9"));
}

TEST(PayloadFactsExtractorTest, AcceptsHighlightsWrappedEvents) {
  const v1::PayloadFacts facts = ExtractPayloadFacts(Content(absl::StrCat(
      R"({"isBeacon":false,"events":)", Array({FullSnapshot(1), Click(2, 3, 4)}),
      R"(,"extra":{"events":"ignored"}})")));
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 2u);
  EXPECT_EQ(facts.click_count(), 1u);
}

TEST(PayloadFactsExtractorTest, WrongShapesAreUnexpectedShape) {
  EXPECT_EQ(Reason(R"({"other":[]})"), "unexpected_shape");
  EXPECT_EQ(Reason("{}"), "unexpected_shape");
  EXPECT_EQ(Reason(R"({"events":{"type":2}})"), "unexpected_shape");
  EXPECT_EQ(Reason(R"({"events":[],"events":[]})"), "unexpected_shape");
  EXPECT_EQ(Reason(R"([{"type":2,"timestamp":1},3])"), "unexpected_shape");
  EXPECT_EQ(Reason(R"([[{"type":2}]])"), "unexpected_shape");
  EXPECT_EQ(Reason(R"([null])"), "unexpected_shape");
  EXPECT_EQ(Reason("42"), "unexpected_shape");
  EXPECT_EQ(Reason("-1.5e3"), "unexpected_shape");
  EXPECT_EQ(Reason("1e400"), "unexpected_shape");
  EXPECT_EQ(Reason(R"("events")"), "unexpected_shape");
  EXPECT_EQ(Reason("true"), "unexpected_shape");
  EXPECT_EQ(Reason("null"), "unexpected_shape");
  EXPECT_EQ(Reason(" \"a\"  \n"), "unexpected_shape");
  ExpectUnparsed(ExtractPayloadFacts(Content(R"([{"type":2,"timestamp":1},"x"])")),
                 kUnparsedUnexpectedShape);
}

TEST(PayloadFactsExtractorTest, MalformedJsonIsNotJson) {
  const std::string good = Array({FullSnapshot(1), Click(2, 3, 4), Meta(3, "https://a.test/")});
  // Cut off mid-event, as a truncated upload would be.
  EXPECT_EQ(Reason(good.substr(0, good.size() / 2)), "not_json");
  EXPECT_EQ(Reason(good.substr(0, good.size() - 1)), "not_json");
  EXPECT_EQ(Reason(good + "]"), "not_json");
  EXPECT_EQ(Reason(good + " []"), "not_json");
  EXPECT_EQ(Reason(good + "x"), "not_json");
  EXPECT_EQ(Reason(" "), "not_json");
  EXPECT_EQ(Reason("[1 2]"), "not_json");
  EXPECT_EQ(Reason("[{},]"), "not_json");
  EXPECT_EQ(Reason("[{\"type\":2,}]"), "not_json");
  EXPECT_EQ(Reason("[{\"type\" 2}]"), "not_json");
  EXPECT_EQ(Reason("[{type:2}]"), "not_json");
  EXPECT_EQ(Reason("['a']"), "not_json");
  EXPECT_EQ(Reason("tru"), "not_json");
  EXPECT_EQ(Reason("nul"), "not_json");
  EXPECT_EQ(Reason("01"), "not_json");
  EXPECT_EQ(Reason("\"abc"), "not_json");
  EXPECT_EQ(Reason(R"("abc" 1)"), "not_json");
  EXPECT_EQ(Reason(R"("[" [1])"), "not_json");
  EXPECT_EQ(Reason("null ]"), "not_json");
  EXPECT_EQ(Reason("true false"), "not_json");
  EXPECT_EQ(Reason("1e400 x"), "not_json");
  EXPECT_EQ(Reason("{\"events\":[]"), "not_json");
  EXPECT_EQ(Reason("{\"events\":[]}}"), "not_json");
  // Malformed where no fact looks: still the whole payload is unparsed.
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"node":{"deep":[1,2,tru]}}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"node":{"deep":[nullx]}}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"n":01}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"n":1.}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"n":-}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"n":1e}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"n":NaN}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"s":"bad \x escape"}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"s":"bad \ud800"}}])"), "not_json");
  EXPECT_EQ(Reason("[{\"type\":2,\"data\":{\"s\":\"raw\nnewline\"}}]"), "not_json");
  EXPECT_EQ(Reason("[{\"type\":2,\"data\":{\"s\":\"\xff\xfe\"}}]"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"a":[1}}])"), "not_json");
  EXPECT_EQ(Reason(R"([{"type":2,"data":{"a":{"b":1]}}])"), "not_json");
  ExpectUnparsed(ExtractPayloadFacts(Content(good.substr(0, good.size() - 3))), kUnparsedNotJson);
}

TEST(PayloadFactsExtractorTest, MalformedWinsOverWrongShape) {
  EXPECT_EQ(Reason(R"({"other":1)"), "not_json");
  EXPECT_EQ(Reason(R"([3, {"type":)"), "not_json");
  EXPECT_EQ(Reason(R"({"events":{}} x)"), "not_json");
}

TEST(PayloadFactsExtractorTest, MissingOrOddDataIsIgnored) {
  const v1::PayloadFacts facts = Events({
      R"({"type":3,"timestamp":1})",
      R"({"type":3,"timestamp":2,"data":null})",
      R"({"type":3,"timestamp":3,"data":"source 2"})",
      R"({"type":3,"timestamp":4,"data":[{"source":1}]})",
      R"({"type":3,"timestamp":5,"data":{"source":"1"}})",
      R"({"type":3,"timestamp":6,"data":{"source":1.0}})",
      R"({"type":3,"timestamp":7,"data":{"source":2,"type":"2","x":1,"y":1}})",
      R"({"type":4,"timestamp":8,"data":{"href":["https://a.test/"]}})",
  });
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 8u);
  EXPECT_EQ(facts.interaction_count(), 1u);  // the last IncrementalSnapshot: source 2
  EXPECT_EQ(facts.click_count(), 0u);
  EXPECT_THAT(facts.pages(), IsEmpty());
  EXPECT_EQ(facts.first_event_ms(), 1);
  EXPECT_EQ(facts.last_event_ms(), 8);
}

TEST(PayloadFactsExtractorTest, RepeatedKeysTakeTheLastValue) {
  const v1::PayloadFacts facts =
      Events({R"({"type":5,"type":3,"timestamp":1,"data":{"source":2,"type":2,"x":1,"x":7}})"});
  EXPECT_EQ(facts.events_by_type(3), 1u);
  EXPECT_EQ(facts.click_count(), 1u);
  ASSERT_EQ(facts.clicks_size(), 1);
  EXPECT_EQ(facts.clicks(0).x(), 7);
}

std::string Nested(int depth) {
  return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
}

TEST(PayloadFactsExtractorTest, DeeplyNestedDataIsReadUpToTheLimit) {
  // Root array, event, data: three levels before the nested value.
  const v1::PayloadFacts deep =
      Events({Event(2, 1, absl::StrCat(R"({"node":)", Nested(1021), "}")), Click(2, 0, 0)});
  EXPECT_TRUE(deep.parsed());
  EXPECT_EQ(deep.event_count(), 2u);
  EXPECT_EQ(deep.click_count(), 1u);

  EXPECT_EQ(Reason(Array({Event(2, 1, absl::StrCat(R"({"node":)", Nested(1022), "}"))})),
            "unexpected_shape");
  EXPECT_EQ(Reason(Nested(100000)), "unexpected_shape");
}

struct DeepRead {
  std::string events;
  std::string reason;
};

void* ReadDeep(void* arg) {
  auto* read = static_cast<DeepRead*>(arg);
  read->reason = Reason(read->events);
  return nullptr;
}

// The walk recurses once per level: the deepest nesting read must fit a
// thread stack far smaller than the usual 8 MiB.
TEST(PayloadFactsExtractorTest, DeepestNestingFitsASmallStack) {
  std::string nested;
  for (int i = 0; i < 1021; ++i) nested += R"({"a":)";
  nested += "1" + std::string(1021, '}');
  DeepRead read{Array({Event(2, 1, nested)}), ""};
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, 1 << 20), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attributes, ReadDeep, &read), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attributes);
  EXPECT_EQ(read.reason, "parsed");
}

TEST(PayloadFactsExtractorTest, ConsoleMessagesByLevel) {
  const std::string messages = R"([
      {"type":"error","trace":[],"value":["x"],"time":1},
      {"type":"ERROR"},
      {"type":"warn"},
      {"type":"Warning"},
      {"type":"log"},
      {"type":"info"},
      {"type":"debug"},
      {"type":7},
      {"value":"no type"}])";
  const v1::PayloadFacts facts = ExtractPayloadFacts(Content("", messages));
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.console_errors(), 2u);
  EXPECT_EQ(facts.console_warnings(), 2u);

  const v1::PayloadFacts wrapped =
      ExtractPayloadFacts(Content("", R"({"messages":[{"type":"error"},{"type":"warn"}]})"));
  EXPECT_EQ(wrapped.console_errors(), 1u);
  EXPECT_EQ(wrapped.console_warnings(), 1u);
}

TEST(PayloadFactsExtractorTest, ConsoleMessagesOfAnotherShape) {
  ExpectUnparsed(ExtractPayloadFacts(Content("", R"(["error"])")), kUnparsedUnexpectedShape);
  ExpectUnparsed(ExtractPayloadFacts(Content("", R"({"errors":[]})")), kUnparsedUnexpectedShape);
  ExpectUnparsed(ExtractPayloadFacts(Content("", R"([{"type":"error"})")), kUnparsedNotJson);
}

TEST(PayloadFactsExtractorTest, ErrorsCountElements) {
  const std::string errors =
      R"([{"event":"TypeError: x","type":"window.onerror","url":"https://a.test/",)"
      R"("source":"app.js","lineNumber":1,"columnNumber":2,"stackTrace":[],"timestamp":"t"},)"
      R"({"event":"second"},"third"])";
  EXPECT_EQ(ExtractPayloadFacts(Content("", "", errors)).errors(), 3u);
  EXPECT_EQ(ExtractPayloadFacts(Content("", "", R"({"errors":[{},{}]})")).errors(), 2u);
  EXPECT_EQ(ExtractPayloadFacts(Content("", "", "[]")).errors(), 0u);
  ExpectUnparsed(ExtractPayloadFacts(Content("", "", R"({"error":[]})")),
                 kUnparsedUnexpectedShape);
  ExpectUnparsed(ExtractPayloadFacts(Content("", "", "[{},")), kUnparsedNotJson);
}

TEST(PayloadFactsExtractorTest, ResourcesAndFailedResources) {
  const std::string resources = R"([
      {"name":"https://a.test/a.js","initiatorType":"script","responseStatus":200},
      {"name":"https://a.test/b.js","responseStatus":404},
      {"name":"https://a.test/c","responseStatus":399},
      {"name":"https://a.test/d","response":{"status":500,"headers":{}}},
      {"name":"https://a.test/e","response":{"status":"500"}},
      {"name":"https://a.test/f","responseStatus":"503"},
      {"name":"https://a.test/g","responseStatus":404.0},
      {"name":"https://a.test/h","responseStatus":502,"response":{"status":502}},
      {"name":"https://a.test/i","response":"500"},
      "not an object",
      null])";
  const v1::PayloadFacts facts = ExtractPayloadFacts(Content("", "", "", resources));
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.resources(), 11u);
  EXPECT_EQ(facts.failed_resources(), 3u);

  const v1::PayloadFacts wrapped = ExtractPayloadFacts(
      Content("", "", "", R"({"resources":[{"responseStatus":404},{"responseStatus":200}]})"));
  EXPECT_EQ(wrapped.resources(), 2u);
  EXPECT_EQ(wrapped.failed_resources(), 1u);
}

TEST(PayloadFactsExtractorTest, WebSocketEventsAreIgnored) {
  v1::PayloadContent content = Content(Array({Custom(1)}));
  content.set_web_socket_events("not json at all {");
  const v1::PayloadFacts facts = ExtractPayloadFacts(content);
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 1u);
}

TEST(PayloadFactsExtractorTest, AnyMalformedInputGivesNoPartialFacts) {
  const std::string events = Array({FullSnapshot(1), Click(2, 3, 4)});
  ExpectUnparsed(ExtractPayloadFacts(Content(events, "[{")), kUnparsedNotJson);
  ExpectUnparsed(ExtractPayloadFacts(Content(events, "[]", "{")), kUnparsedNotJson);
  ExpectUnparsed(ExtractPayloadFacts(Content(events, "[]", "[]", "[1,]")), kUnparsedNotJson);
  ExpectUnparsed(ExtractPayloadFacts(Content(events, "[]", "[]", "{}")), kUnparsedUnexpectedShape);
  // The first input that fails gives the reason.
  ExpectUnparsed(ExtractPayloadFacts(Content(events, "[1]", "[", "")), kUnparsedUnexpectedShape);
}

TEST(PayloadFactsExtractorTest, UnparsedFactsCarryOnlyTheReason) {
  const v1::PayloadFacts facts = UnparsedPayloadFacts(kUnparsedClientCompressed);
  EXPECT_FALSE(facts.parsed());
  EXPECT_EQ(facts.unparsed_reason(), "client_compressed");
  EXPECT_EQ(facts.events_by_type_size(), 0);
  EXPECT_EQ(facts.ByteSizeLong(), UnparsedPayloadFacts("client_compressed").ByteSizeLong());
}

TEST(PayloadFactsExtractorTest, SameFactsWhetherTheBufferHasPaddingRoomOrNot) {
  const std::string events = Array({FullSnapshot(1), Click(2, 3, 4), Meta(3, "https://a.test/")});
  v1::PayloadContent roomy;
  roomy.mutable_events()->reserve(events.size() + 2 * simdjson::SIMDJSON_PADDING);
  roomy.mutable_events()->assign(events);
  v1::PayloadContent tight;
  tight.mutable_events()->assign(events);
  tight.mutable_events()->shrink_to_fit();
  ASSERT_GE(roomy.events().capacity() - roomy.events().size(), simdjson::SIMDJSON_PADDING);
  const v1::PayloadFacts a = ExtractPayloadFacts(roomy);
  const v1::PayloadFacts b = ExtractPayloadFacts(tight);
  EXPECT_TRUE(a.parsed());
  EXPECT_EQ(a.click_count(), 1u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a, b));
  // In place, the bytes after the content are not part of it.
  roomy.mutable_events()->resize(events.size() - 1);
  EXPECT_EQ(ExtractPayloadFacts(roomy).unparsed_reason(), "not_json");
}

TEST(PayloadFactsExtractorTest, LargeInputThenSmallInput) {
  std::vector<std::string> events;
  for (int i = 0; i < 40'000; ++i) events.push_back(FullSnapshot(i));
  const std::string large = Array(events);
  ASSERT_GT(large.size(), 4u << 20);
  EXPECT_EQ(Events(events).event_count(), 40'000u);
  EXPECT_EQ(Events({Custom(1), Custom(2)}).event_count(), 2u);
}

// `count` copies of the `goods` in turn, each with 1-3 random one-byte edits
// (replace, delete, insert) or cuts, from a seeded generator: mostly
// malformed JSON, some still valid (of the same or another shape).
std::vector<std::string> RandomEdits(const std::vector<std::string>& goods, uint64_t seed,
                                     int count) {
  const std::string alphabet = "[]{}\",:\\ 0123456789.eE+-tfnulrsax\x01\xc3";
  std::mt19937_64 random(seed);
  std::vector<std::string> edited;
  for (int i = 0; i < count; ++i) {
    std::string json = goods[i % goods.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % json.size();
      switch (random() % 4) {
        case 0:
          json[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          json.erase(at, 1);
          break;
        case 2:
          json.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        case 3:
          json.resize(at);
          break;
      }
      if (json.empty()) json = " ";
    }
    edited.push_back(std::move(json));
  }
  return edited;
}

// 4000 random edits of an events array, the same wrapped, a string root and
// a number root.
std::vector<std::string> EditedEvents() {
  const std::string events =
      Array({FullSnapshot(1), Click(2, 3, 4), Meta(3, "https://a.test/"), Custom(4), Plugin(5),
             R"({"type":2,"data":[true,false,null,-0.5e-3]})"});
  const std::vector<std::string> goods = {
      events, absl::StrCat(R"({"x":"y","events":)", events, "}"), R"("a \"string\" root")",
      "12.5e3"};
  return RandomEdits(goods, /*seed=*/18, 4000);
}

// The validity verdict agrees with simdjson's DOM parser (which validates
// everything) on mutations of a valid payload, except that numbers out of
// the DOM's range are valid JSON here.
TEST(PayloadFactsExtractorTest, MalformedVerdictAgreesWithDomParser) {
  simdjson::dom::parser dom;
  int malformed = 0;
  for (const std::string& json : EditedEvents()) {
    const simdjson::error_code dom_error = dom.parse(json).error();
    if (dom_error == simdjson::NUMBER_ERROR) continue;  // maybe a valid number out of range
    const std::string reason = Reason(json);
    if (dom_error != simdjson::SUCCESS) {
      ++malformed;
      EXPECT_EQ(reason, "not_json") << json << "\nDOM: " << dom_error;
    } else {
      EXPECT_NE(reason, "not_json") << json;
    }
  }
  EXPECT_GT(malformed, 1000);
}

// --- The DOM fast path equals the On-Demand walker -------------------------

// Each of the four inputs holding `json` (the others empty).
std::vector<v1::PayloadContent> InEveryInput(const std::string& json) {
  return {Content(json), Content("", json), Content("", "", json), Content("", "", "", json)};
}

// How ExtractPayloadFacts read the inputs compared: the payloads whose every
// input the DOM parser read, and those where the walker read some input.
struct PathCounts {
  int dom = 0;
  int walker = 0;
};

// ExtractPayloadFacts (DOM, the walker where DOM refuses an input) gives the
// walker's facts field by field; so does the DOM path alone wherever it reads.
void ExpectSameFactsAsTheWalker(const v1::PayloadContent& content, PathCounts* counts) {
  const v1::PayloadFacts walker = facts_internal::ExtractPayloadFactsOnDemand(content);
  const v1::PayloadFacts fast = ExtractPayloadFacts(content);
  const std::optional<v1::PayloadFacts> dom = facts_internal::ExtractPayloadFactsDomOnly(content);
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(fast, walker))
      << differences << "\nin: " << content.ShortDebugString();
  if (dom) {
    ++counts->dom;
    differences.clear();
    EXPECT_TRUE(differencer.Compare(*dom, walker))
        << differences << "\nin: " << content.ShortDebugString();
  } else {
    ++counts->walker;
  }
}

TEST(PayloadFactsExtractorTest, FastPathEqualsTheWalkerOnRandomEdits) {
  PathCounts counts;
  for (const std::string& json : EditedEvents()) {
    for (const v1::PayloadContent& content : InEveryInput(json)) {
      ExpectSameFactsAsTheWalker(content, &counts);
    }
  }
  // Both paths are exercised: many edits stay valid JSON (the DOM reads
  // them), most do not (the walker gives the verdict).
  EXPECT_GT(counts.dom, 2000);
  EXPECT_GT(counts.walker, 8000);
}

// The same for edits of messages, resources and numbers at every place a
// fact reads one.
TEST(PayloadFactsExtractorTest, FastPathEqualsTheWalkerOnRandomEditsOfEveryInput) {
  const std::vector<std::string> goods = {
      R"([{"type":"error","value":["x"]},{"type":"Warn"},{"type":7},{"level":"log"}])",
      R"({"messages":[{"type":"warning"},{"type":"ERROR","type":"log"}],"n":[1,2.5]})",
      R"([{"responseStatus":404},{"response":{"status":500,"headers":{}}},null,)"
      R"({"responseStatus":1e3},{"responseStatus":18446744073709551615},"x"])",
      R"({"resources":[{"response":{"status":399}},{"responseStatus":-400}]})",
      R"([{"type":3,"timestamp":1700000000123.9,"data":{"source":2,"type":2,"x":12.9,)"
      R"("y":-7.5e1}},{"type":4,"timestamp":-3,"data":{"href":"https:\/\/a.test\/\u00e9"}},)"
      R"({"type":3,"timestamp":9223372036854775807,"data":{"source":1,"x":1e12,"y":-1e12}}])",
      R"([{"type":3,"data":{"source":2,"type":2,"x":1,"x":7},"timestamp":5,"type":3},)"
      R"({"type":4,"data":{"href":""},"data":{"href":"/a"},"timestamp":9.3e18}])",
  };
  PathCounts counts;
  for (const std::string& json : RandomEdits(goods, /*seed=*/19, 4000)) {
    for (const v1::PayloadContent& content : InEveryInput(json)) {
      ExpectSameFactsAsTheWalker(content, &counts);
    }
  }
  EXPECT_GT(counts.dom, 2000);
  EXPECT_GT(counts.walker, 8000);
}

std::string NestedObjects(int depth, const std::string& innermost) {
  std::string json;
  for (int i = 0; i < depth; ++i) json += R"({"a":)";
  return json + innermost + std::string(depth, '}');
}

// Inputs at the edges: numbers at and beyond every limit in every place a
// fact reads one, nesting around both parsers' depth limits, repeated keys,
// escaped keys, odd bytes.
TEST(PayloadFactsExtractorTest, FastPathEqualsTheWalkerAtTheEdges) {
  const std::vector<std::string> numbers = {
      "0", "-0", "-0.0", "0.0", "1e-400", "4.9e-324", "1.7976931348623157e308", "1e308",
      "1e400", "-1e400", "2", "2.0", "3", "4", "404", "399", "400.0", "2147483647", "2147483648",
      "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
      "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
      "18446744073709551616", "100000000000000000000", "-100000000000000000000",
      "9.3e18", "-9.3e18", "9223372036854775807.5", "-1.5", "true", "null", R"("3")", "[2]",
      "{}"};
  std::vector<std::string> inputs;
  for (const std::string& n : numbers) {
    inputs.push_back(absl::StrCat(R"([{"type":)", n, R"(,"timestamp":1}])"));
    inputs.push_back(absl::StrCat(R"([{"type":5,"timestamp":)", n, "}]"));
    inputs.push_back(absl::StrCat(R"([{"type":3,"timestamp":1,"data":{"source":)", n, "}}]"));
    inputs.push_back(
        absl::StrCat(R"([{"type":3,"timestamp":1,"data":{"source":2,"type":)", n, "}}]"));
    inputs.push_back(absl::StrCat(R"([{"type":3,"timestamp":1,"data":{"source":2,"type":2,"x":)",
                                  n, R"(,"y":)", n, "}}]"));
    inputs.push_back(absl::StrCat(R"([{"type":4,"timestamp":1,"data":{"href":)", n, "}}]"));
    inputs.push_back(absl::StrCat(R"([{"responseStatus":)", n, "}]"));
    inputs.push_back(absl::StrCat(R"([{"response":{"status":)", n, "}}]"));
    inputs.push_back(absl::StrCat(R"({"events":)", n, "}"));
    inputs.push_back(n);
  }
  for (int depth = 1020; depth <= 1026; ++depth) {
    inputs.push_back(Nested(depth));
    for (const std::string innermost : {"[]", "[1]", "{}", "1"}) {
      inputs.push_back(absl::StrCat(std::string(depth, '['), innermost, std::string(depth, ']')));
      inputs.push_back(NestedObjects(depth, innermost));
      inputs.push_back(Array({Event(2, 1, NestedObjects(depth - 3, innermost))}));
      inputs.push_back(absl::StrCat(R"({"events":[],"x":)", NestedObjects(depth - 1, innermost),
                                    "}"));
    }
  }
  const std::vector<std::string> odd = {
      R"({"events":[],"events":[]})", R"({"events":1,"events":[]})",
      R"({"events":[],"events":1})", R"({"ev\u0065nts":[{"typ\u0065":2}]})",
      R"({"messages":[{"type":"error"}],"resources":[1],"errors":[2]})",
      R"([{"type":"\u0065rror"},{"type":"warn\u0000"}])", "\xef\xbb\xbf[]", "[]\0"s, "[\0]"s,
      "\0"s, " [ ] ", "[]\n", "\t[1]\r\n", "[1]x", "[\"a\0b\"]"s, "[\"\\u0000\"]"};
  inputs.insert(inputs.end(), odd.begin(), odd.end());

  PathCounts counts;
  for (const std::string& json : inputs) {
    for (const v1::PayloadContent& content : InEveryInput(json)) {
      ExpectSameFactsAsTheWalker(content, &counts);
    }
  }
  EXPECT_GT(counts.dom, 1000);
  EXPECT_GT(counts.walker, 100);
}

// simdjson 3.0.1's DOM parser refuses integers beyond 64 bits and numbers
// beyond a double (NUMBER_ERROR), which are valid JSON: such an input is
// read by the walker, the other inputs still by the DOM parser.
TEST(PayloadFactsExtractorTest, HugeNumbersParseThroughTheWalker) {
  const std::string events = Array({
      R"({"type":100000000000000000000,"timestamp":5})",
      R"({"type":5,"timestamp":1e400,"data":{"n":-100000000000000000000}})",
      R"({"type":3,"timestamp":7,"data":{"source":2,"type":2,"x":1e400,"y":-1e400}})",
      R"({"type":3,"timestamp":-9223372036854775809,"data":{"source":18446744073709551616}})",
  });
  const v1::PayloadContent huge_events = Content(events);
  EXPECT_FALSE(facts_internal::ExtractPayloadFactsDomOnly(huge_events).has_value());
  const v1::PayloadFacts facts = ExtractPayloadFacts(huge_events);
  EXPECT_TRUE(facts.parsed());
  EXPECT_EQ(facts.event_count(), 4u);
  EXPECT_THAT(ByType(facts), ElementsAre(0, 0, 0, 2, 0, 1, 0, 1));
  EXPECT_EQ(facts.first_event_ms(), 5);
  EXPECT_EQ(facts.last_event_ms(), 7);
  EXPECT_EQ(facts.interaction_count(), 1u);
  ASSERT_EQ(facts.clicks_size(), 1);
  EXPECT_EQ(facts.clicks(0).x(), INT32_MAX);
  EXPECT_EQ(facts.clicks(0).y(), INT32_MIN);

  // Huge numbers in messages and resources, ordinary events.
  const v1::PayloadContent mixed =
      Content(Array({Click(1, 2, 3)}), R"([{"type":"error","n":1e999}])", "[1e400]",
              R"([{"responseStatus":100000000000000000000},{"responseStatus":1e400}])");
  EXPECT_FALSE(facts_internal::ExtractPayloadFactsDomOnly(mixed).has_value());
  const v1::PayloadFacts mixed_facts = ExtractPayloadFacts(mixed);
  EXPECT_TRUE(mixed_facts.parsed());
  EXPECT_EQ(mixed_facts.click_count(), 1u);
  EXPECT_EQ(mixed_facts.console_errors(), 1u);
  EXPECT_EQ(mixed_facts.errors(), 1u);
  EXPECT_EQ(mixed_facts.resources(), 2u);
  EXPECT_EQ(mixed_facts.failed_resources(), 0u);  // not integers that fit int64

  // Malformed after a huge number: still not_json.
  ExpectUnparsed(ExtractPayloadFacts(Content("[1e400,]")), kUnparsedNotJson);
  ExpectUnparsed(ExtractPayloadFacts(Content("[100000000000000000000]")),
                 kUnparsedUnexpectedShape);
}

// The fast path does read ordinary payloads (the DOM parser accepts them),
// in place or from the padded copy, and across the 4 MiB release.
TEST(PayloadFactsExtractorTest, TheDomParserReadsOrdinaryPayloads) {
  const std::string events = Array({FullSnapshot(1), Click(2, 3, 4), Meta(3, "https://a.test/"),
                                    MouseMove(4), Custom(5), Plugin(6)});
  v1::PayloadContent tight = Content(events, R"([{"type":"warn"}])", "[{}]",
                                     R"({"resources":[{"responseStatus":500}]})");
  tight.mutable_events()->shrink_to_fit();
  v1::PayloadContent roomy = tight;
  roomy.mutable_events()->reserve(events.size() + 2 * simdjson::SIMDJSON_PADDING);
  for (const v1::PayloadContent& content : {tight, roomy}) {
    const std::optional<v1::PayloadFacts> dom = facts_internal::ExtractPayloadFactsDomOnly(content);
    ASSERT_TRUE(dom.has_value());
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(*dom, ExtractPayloadFacts(content)));
    EXPECT_EQ(dom->click_count(), 1u);
    EXPECT_EQ(dom->console_warnings(), 1u);
    EXPECT_EQ(dom->failed_resources(), 1u);
  }

  std::vector<std::string> many;
  for (int i = 0; i < 40'000; ++i) many.push_back(FullSnapshot(i));
  const v1::PayloadContent large = Content(Array(many));
  ASSERT_GT(large.events().size(), 4u << 20);
  const std::optional<v1::PayloadFacts> dom = facts_internal::ExtractPayloadFactsDomOnly(large);
  ASSERT_TRUE(dom.has_value());
  EXPECT_EQ(dom->event_count(), 40'000u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      *dom, facts_internal::ExtractPayloadFactsOnDemand(large)));
  EXPECT_TRUE(facts_internal::ExtractPayloadFactsDomOnly(tight).has_value());
}

TEST(PayloadFactsExtractorTest, SafeFromSeveralThreadsAtOnce) {
  std::vector<v1::PayloadContent> contents;
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> events;
    for (int j = 0; j <= i * 7; ++j) {
      if (j % 3 == 0) {
        events.push_back(Click(j * 100, j, i));
      } else if (j % 3 == 1) {
        events.push_back(Meta(j, absl::StrCat("/p", j % 2)));
      } else {
        events.push_back(MouseMove(j * 150));
      }
    }
    std::string json = Array(events);
    if (i % 5 == 4) json.resize(json.size() / 2);  // some unparsed ones
    contents.push_back(
        Content(json, R"([{"type":"error"}])", "[{}]", R"([{"responseStatus":500}])"));
  }
  std::vector<v1::PayloadFacts> expected;
  for (const v1::PayloadContent& content : contents) {
    expected.push_back(ExtractPayloadFacts(content));
  }

  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < contents.size(); ++i) {
          const size_t k = (i + t * 5 + round) % contents.size();
          if (!google::protobuf::util::MessageDifferencer::Equals(ExtractPayloadFacts(contents[k]),
                                                                  expected[k])) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
  EXPECT_TRUE(expected[3].parsed());
  EXPECT_FALSE(expected[4].parsed());
}

}  // namespace
}  // namespace ingest
