#include "tools/loadgen/payload_factory.h"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/session_summary.h"

namespace ingest::loadgen {
namespace {

using google::protobuf::util::MessageDifferencer;

// Whether `json` is one valid JSON document (simdjson's DOM parser reads all
// of it).
bool IsValidJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(json).get(element) == simdjson::SUCCESS;
}

// The timestamps of `events` in array order (every event has one).
std::vector<int64_t> Timestamps(const std::string& events) {
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  std::vector<int64_t> timestamps;
  if (parser.parse(events).get(array) != simdjson::SUCCESS) return timestamps;
  for (simdjson::dom::element event : array) {
    int64_t ts = 0;
    if (event["timestamp"].get(ts) == simdjson::SUCCESS) timestamps.push_back(ts);
  }
  return timestamps;
}

// "" if equal, else what differs.
std::string Diff(const google::protobuf::Message& expected,
                 const google::protobuf::Message& actual) {
  std::string report;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  return differencer.Compare(expected, actual) ? "" : report;
}

TEST(PayloadFactoryTest, SizesStayWithinBounds) {
  const PayloadFactory factory({.seed = 7, .min_bytes = 10 * 1024, .max_bytes = 3 * 1024 * 1024});
  for (int session = 0; session < 20; ++session) {
    for (uint64_t payload = 1; payload <= 50; ++payload) {
      const size_t size = factory.SizeFor(session, payload);
      EXPECT_GE(size, 10u * 1024);
      EXPECT_LE(size, 3u * 1024 * 1024);
    }
  }
}

TEST(PayloadFactoryTest, SizesAreSpreadLogUniformly) {
  // With log-uniform sizes between 1 KiB and 1 MiB, about a third of them
  // fall in each decade-ish third of the log range.
  const PayloadFactory factory({.seed = 3, .min_bytes = 1024, .max_bytes = 1024 * 1024});
  int low = 0, high = 0;
  constexpr int kSamples = 3000;
  for (int i = 0; i < kSamples; ++i) {
    const size_t size = factory.SizeFor(i / 100, 1 + i % 100);
    if (size < 1024 * 10) ++low;          // log-range fraction 1/3
    if (size > 1024 * 1024 / 10) ++high;  // log-range fraction 1/3
  }
  EXPECT_NEAR(low, kSamples / 3, kSamples / 15);
  EXPECT_NEAR(high, kSamples / 3, kSamples / 15);
}

TEST(PayloadFactoryTest, SameSeedGivesSameBytesAndFacts) {
  const PayloadFactoryOptions options{.seed = 42, .min_bytes = 2048, .max_bytes = 200 * 1024};
  const PayloadFactory a(options);
  const PayloadFactory b(options);
  // Ask in different orders: the result must not depend on call history.
  const std::string a1 = a.Make(3, 9).SerializeAsString();
  const std::string a2 = a.Make(1, 1).SerializeAsString();
  const std::string b2 = b.Make(1, 1).SerializeAsString();
  const std::string b1 = b.Make(3, 9).SerializeAsString();
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
  EXPECT_EQ(Diff(a.FactsOf(3, 9), b.FactsOf(3, 9)), "");
  const PayloadFactory::Payload both = a.MakeWithFacts(3, 9);
  EXPECT_EQ(both.content.SerializeAsString(), a1);
  EXPECT_EQ(Diff(both.facts, a.FactsOf(3, 9)), "");
}

TEST(PayloadFactoryTest, DifferentCoordinatesOrSeedsGiveDifferentBytes) {
  const PayloadFactory a({.seed = 1, .min_bytes = 2048, .max_bytes = 4096});
  const PayloadFactory b({.seed = 2, .min_bytes = 2048, .max_bytes = 4096});
  EXPECT_NE(a.Make(0, 1).events(), a.Make(0, 2).events());
  EXPECT_NE(a.Make(0, 1).events(), a.Make(1, 1).events());
  EXPECT_NE(a.Make(0, 1).events(), b.Make(0, 1).events());
}

TEST(PayloadFactoryTest, SerializedSizeIsExactlyTheChosenSize) {
  const PayloadFactory factory({.seed = 11, .min_bytes = 1024, .max_bytes = 3 * 1024 * 1024});
  for (int session = 0; session < 4; ++session) {
    for (uint64_t payload = 1; payload <= 25; ++payload) {
      const ingest::v1::PayloadContent content = factory.Make(session, payload);
      EXPECT_EQ(content.SerializeAsString().size(), factory.SizeFor(session, payload))
          << "session " << session << " payload " << payload;
      EXPECT_FALSE(content.messages().empty());
      EXPECT_FALSE(content.resources().empty());
      EXPECT_FALSE(content.errors().empty());
    }
  }
}

TEST(PayloadFactoryTest, ExactSizeAndValidJsonFromTheMinimumUp) {
  // Every size from the smallest supported one up, for the first payload
  // (page load, FullSnapshot) and a later one.
  for (size_t size = PayloadFactory::kMinSupportedBytes; size <= 1600; ++size) {
    const PayloadFactory factory({.seed = 5, .min_bytes = size, .max_bytes = size});
    for (const uint64_t payload : {1, 2, 7}) {
      const ingest::v1::PayloadContent content = factory.Make(int(size % 5), payload);
      ASSERT_EQ(content.SerializeAsString().size(), size) << "payload " << payload;
      ASSERT_TRUE(IsValidJson(content.events())) << size << ": " << content.events();
      ASSERT_TRUE(IsValidJson(content.messages())) << size << ": " << content.messages();
      ASSERT_TRUE(IsValidJson(content.errors())) << size << ": " << content.errors();
      ASSERT_TRUE(IsValidJson(content.resources())) << size << ": " << content.resources();
    }
  }
}

TEST(PayloadFactoryTest, ExactSizeAcrossVarintBoundaries) {
  // Totals around 16 KiB and 2 MiB cross the 2->3 and 3->4 byte length
  // prefix of `events`; every one of them must still be hit exactly.
  std::vector<size_t> sizes;
  for (size_t size = 16300; size <= 16500; ++size) sizes.push_back(size);
  for (size_t size = (1u << 21) - 12; size <= (1u << 21) + 12; ++size) sizes.push_back(size);
  for (const size_t size : sizes) {
    const PayloadFactory factory({.seed = 5, .min_bytes = size, .max_bytes = size});
    const ingest::v1::PayloadContent content = factory.Make(0, 1);
    EXPECT_EQ(content.SerializeAsString().size(), size);
    EXPECT_TRUE(IsValidJson(content.events())) << size;
    EXPECT_TRUE(IsValidJson(content.messages())) << size;
  }
}

TEST(PayloadFactoryTest, EventsAreCompressibleButNotTrivially) {
  const PayloadFactory factory({.seed = 9, .min_bytes = 256 * 1024, .max_bytes = 256 * 1024});
  const std::string events = factory.Make(0, 1).events();
  EXPECT_EQ(events.front(), '[');
  EXPECT_NE(events.find(R"({"type":3,"timestamp":)"), std::string::npos);

  const size_t size = ZstdCompress(events, 3).size();
  const double ratio = static_cast<double>(events.size()) / size;
  // Real rrweb JSON compresses a few times over; a run of one repeated
  // pattern would compress hundreds of times.
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 10.0);
}

// The ground truth: what the factory says it generated is what the
// pipeline's extractor reads.
TEST(PayloadFactoryTest, FactsAreWhatTheExtractorReads) {
  const PayloadFactory factory({.seed = 13, .min_bytes = 1024, .max_bytes = 512 * 1024});
  for (int session = 0; session < 12; ++session) {
    for (uint64_t payload = 1; payload <= 12; ++payload) {
      const PayloadFactory::Payload made = factory.MakeWithFacts(session, payload);
      const ingest::v1::PayloadFacts read = ExtractPayloadFacts(made.content);
      ASSERT_TRUE(read.parsed()) << read.unparsed_reason();
      EXPECT_EQ(Diff(made.facts, read), "") << "session " << session << " payload " << payload;
    }
  }
}

TEST(PayloadFactoryTest, FactsMatchTheExtractorBeyondTheClickCap) {
  // A few MB hold more clicks than the facts carry.
  const PayloadFactory factory(
      {.seed = 17, .min_bytes = 6 * 1024 * 1024, .max_bytes = 6 * 1024 * 1024});
  const PayloadFactory::Payload made = factory.MakeWithFacts(0, 2);
  EXPECT_GT(made.facts.click_count(), static_cast<uint64_t>(kMaxClicksInFacts));
  EXPECT_EQ(made.facts.clicks_size(), kMaxClicksInFacts);
  EXPECT_EQ(Diff(made.facts, ExtractPayloadFacts(made.content)), "");
}

TEST(PayloadFactoryTest, TimeRunsOnAcrossASessionsPayloads) {
  const PayloadFactory factory({.seed = 21, .min_bytes = 1024, .max_bytes = 64 * 1024});
  for (int session = 0; session < 5; ++session) {
    const int64_t start = factory.FactsOf(session, 1).first_event_ms();
    int64_t previous_last = 0;
    for (uint64_t payload = 1; payload <= 10; ++payload) {
      const PayloadFactory::Payload made = factory.MakeWithFacts(session, payload);
      const ingest::v1::PayloadFacts& facts = made.facts;
      const int64_t window = start + int64_t(payload - 1) * PayloadFactory::kPayloadSpanMs;
      EXPECT_GE(facts.first_event_ms(), window);
      EXPECT_LT(facts.last_event_ms(), window + PayloadFactory::kPayloadSpanMs);
      EXPECT_GT(facts.first_event_ms(), previous_last);
      previous_last = facts.last_event_ms();
      // In array order, never back in time.
      const std::vector<int64_t> timestamps = Timestamps(made.content.events());
      ASSERT_EQ(timestamps.size(), facts.event_count());
      for (size_t i = 1; i < timestamps.size(); ++i) {
        ASSERT_LE(timestamps[i - 1], timestamps[i]) << "event " << i;
      }
    }
  }
}

TEST(PayloadFactoryTest, PayloadsHoldTheWholeMix) {
  const PayloadFactory factory({.seed = 1, .min_bytes = 10 * 1024, .max_bytes = 256 * 1024});
  int idle = 0, with_pages = 0, console_errors = 0, warnings = 0, errors = 0, failed = 0,
      clicks = 0;
  for (int session = 0; session < 10; ++session) {
    for (uint64_t payload = 1; payload <= 10; ++payload) {
      const ingest::v1::PayloadFacts facts = factory.FactsOf(session, payload);
      ASSERT_EQ(facts.events_by_type_size(), 8);
      if (payload == 1) {
        // DomContentLoaded, Load, Meta, FullSnapshot.
        for (const int type : {0, 1, 2, 4}) EXPECT_GE(facts.events_by_type(type), 1u) << type;
        EXPECT_EQ(facts.pages_size(), 1);
      }
      EXPECT_GT(facts.events_by_type(3), facts.event_count() / 2);
      EXPECT_GE(facts.events_by_type(5), 1u);  // the padding at least
      EXPECT_GT(facts.interaction_count(), 0u);
      // A pause longer than the activity gap is not active time.
      if (facts.last_interaction_ms() - facts.first_interaction_ms() - facts.active_ms() >
          kActivityGapMs) {
        ++idle;
      }
      with_pages += facts.pages_size() > 0;
      console_errors += facts.console_errors() > 0;
      warnings += facts.console_warnings() > 0;
      errors += facts.errors() > 0;
      failed += facts.failed_resources() > 0;
      clicks += facts.click_count() > 0;
      EXPECT_LE(facts.failed_resources(), facts.resources());
    }
  }
  // Of 100 payloads, some but not all have each of these.
  for (const int count : {idle, with_pages, console_errors, warnings, errors, failed, clicks}) {
    EXPECT_GT(count, 5);
  }
  for (const int count : {idle, with_pages, errors, failed}) EXPECT_LT(count, 95);
}

TEST(PayloadFactoryTest, SomeSessionsRageClickSomeAcrossPayloads) {
  const PayloadFactory factory({.seed = 1, .min_bytes = 10 * 1024, .max_bytes = 128 * 1024});
  constexpr int kSessions = 30;
  constexpr uint64_t kPayloads = 10;
  int raging = 0, calm = 0, across = 0;
  for (int session = 0; session < kSessions; ++session) {
    std::vector<ingest::v1::PayloadFacts> facts;
    for (uint64_t payload = 1; payload <= kPayloads; ++payload) {
      facts.push_back(factory.FactsOf(session, payload));
    }
    std::vector<IdentifiedFacts> all;
    uint64_t separately = 0;
    for (uint64_t payload = 1; payload <= kPayloads; ++payload) {
      const IdentifiedFacts one{payload, &facts[payload - 1]};
      all.push_back(one);
      separately += SummarizeSession({one}, RageClickRule{}).rage_clicks();
    }
    const uint64_t together = SummarizeSession(all, RageClickRule{}).rage_clicks();
    (together > 0 ? raging : calm) += 1;
    // A burst split by a payload boundary only counts when the payloads are
    // folded together.
    across += together > separately;
  }
  EXPECT_GT(raging, 3);
  EXPECT_GT(calm, 3);
  EXPECT_GT(across, 0);
}

}  // namespace
}  // namespace ingest::loadgen
