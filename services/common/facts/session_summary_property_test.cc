// Folding a session payload by payload gives the summary of one payload
// holding all its content: random rrweb sessions, split at random points.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/session_summary.h"

namespace ingest {
namespace {

constexpr uint64_t kSeed = 0x5e551011;
constexpr int kSessions = 200;

class Generator {
 public:
  explicit Generator(uint64_t seed) : random_(seed) {}

  // In [lo, hi]; modulo keeps it the same on every standard library.
  int64_t Uniform(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(random_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Percent(int p) { return Uniform(0, 99) < p; }

  // rrweb events with timestamps mostly increasing, sometimes jumping past
  // the activity gap or going back; clicks in bursts around a few spots
  // (so rage clusters happen) and Meta hrefs from a small set (so repeats
  // happen).
  std::vector<std::string> Events() {
    std::vector<std::string> events;
    int64_t t = 1'700'000'000'000 + Uniform(0, 1'000'000);
    const int n = static_cast<int>(Uniform(0, 250));
    for (int i = 0; i < n; ++i) {
      const int64_t step = Uniform(0, 99);
      if (step < 78) {
        t += Uniform(0, 2500);
      } else if (step < 88) {
        t += Uniform(kActivityGapMs + 1, 60'000);
      } else if (step < 94) {
        t -= Uniform(1, 5000);
      } else {
        t += Uniform(kActivityGapMs - 500, kActivityGapMs + 500);
      }
      const int64_t kind = Uniform(0, 99);
      if (kind < 8) {
        static const char* const kHrefs[] = {"https://a.test/", "https://a.test/b",
                                             "https://a.test/c?q=1"};
        events.push_back(Event(4, t, absl::StrCat(R"({"href":")", kHrefs[Uniform(0, 2)],
                                                  R"(","width":1280,"height":720})")));
      } else if (kind < 12) {
        events.push_back(Event(2, t, R"({"node":{"type":0,"childNodes":[],"id":1},)"
                                     R"("initialOffset":{"left":0,"top":0}})"));
      } else if (kind < 16) {
        events.push_back(Event(5, t, R"({"tag":"track","payload":{"n":1}})"));
      } else if (kind < 18) {
        events.push_back(Event(6, t, R"({"plugin":"rrweb/console@1","payload":{}})"));
      } else if (kind < 20) {
        events.push_back(Event(static_cast<int>(Uniform(0, 1)), t, "{}"));
      } else if (kind < 22) {
        events.push_back(absl::StrCat(R"({"type":)", Percent(50) ? "9" : R"("x")",
                                      R"(,"timestamp":)", t, "}"));
      } else if (kind < 24) {
        events.push_back(R"({"type":3,"data":{"source":1,"positions":[]}})");  // no timestamp
      } else if (kind < 45) {
        const int64_t spot = Uniform(0, 2);
        const int64_t bursts = Uniform(1, 7);
        for (int64_t b = 0; b < bursts; ++b) {
          if (b > 0) t += Uniform(50, 1500);
          events.push_back(Mouse(t, 2, static_cast<int>(100 + spot * 40 + Uniform(-6, 6)),
                                 static_cast<int>(300 + Uniform(-6, 6))));
        }
      } else if (kind < 60) {
        events.push_back(
            Event(3, t, R"({"source":1,"positions":[{"x":1,"y":2,"id":3,"timeOffset":0}]})"));
      } else if (kind < 68) {
        events.push_back(Event(3, t, R"({"source":3,"id":1,"x":0,"y":200})"));
      } else if (kind < 74) {
        events.push_back(Event(3, t, R"({"source":5,"text":"a","isChecked":false,"id":4})"));
      } else if (kind < 77) {
        events.push_back(Event(3, t, R"({"source":6,"positions":[]})"));
      } else if (kind < 79) {
        events.push_back(Event(3, t, R"({"source":12,"positions":[]})"));
      } else if (kind < 85) {
        events.push_back(
            Event(3, t, R"({"source":0,"adds":[],"removes":[],"texts":[],"attributes":[]})"));
      } else {
        static const int kOtherMouse[] = {0, 1, 3, 4, 5, 6, 7, 9};
        events.push_back(Mouse(t, kOtherMouse[Uniform(0, 7)], 5, 5));
      }
    }
    return events;
  }

  std::vector<std::string> Messages() {
    static const char* const kTypes[] = {"log", "error", "warn", "Warning", "info", "ERROR"};
    std::vector<std::string> messages;
    for (int64_t i = Uniform(0, 20); i > 0; --i) {
      messages.push_back(absl::StrCat(R"({"type":")", kTypes[Uniform(0, 5)],
                                      R"(","value":["x"],"time":1})"));
    }
    return messages;
  }

  std::vector<std::string> Errors() {
    std::vector<std::string> errors;
    for (int64_t i = Uniform(0, 5); i > 0; --i) errors.push_back(R"({"event":"TypeError"})");
    return errors;
  }

  std::vector<std::string> Resources() {
    static const int kStatuses[] = {200, 204, 304, 404, 500};
    std::vector<std::string> resources;
    for (int64_t i = Uniform(0, 15); i > 0; --i) {
      const int status = kStatuses[Uniform(0, 4)];
      resources.push_back(
          Percent(50) ? absl::StrCat(R"({"name":"r","responseStatus":)", status, "}")
                      : absl::StrCat(R"({"name":"r","response":{"status":)", status, "}}"));
    }
    return resources;
  }

  // `items` cut into `parts` consecutive runs (some maybe empty).
  std::vector<std::vector<std::string>> Split(const std::vector<std::string>& items, int parts) {
    std::vector<size_t> cuts;
    for (int i = 1; i < parts; ++i) cuts.push_back(Uniform(0, static_cast<int64_t>(items.size())));
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(items.size());
    std::vector<std::vector<std::string>> runs;
    size_t begin = 0;
    for (size_t end : cuts) {
      runs.emplace_back(items.begin() + begin, items.begin() + end);
      begin = end;
    }
    return runs;
  }

  // A list as an input's bytes: a bare array or wrapped under `key`; an
  // empty list sometimes as no bytes at all.
  std::string Encode(const std::vector<std::string>& items, const std::string& key) {
    if (items.empty() && Percent(30)) return "";
    const std::string array = absl::StrCat("[", absl::StrJoin(items, ","), "]");
    return Percent(50) ? array : absl::StrCat(R"({")", key, R"(":)", array, "}");
  }

 private:
  static std::string Event(int type, int64_t t, const std::string& data) {
    return absl::StrCat(R"({"type":)", type, R"(,"timestamp":)", t, R"(,"data":)", data, "}");
  }
  static std::string Mouse(int64_t t, int kind, int x, int y) {
    return Event(3, t, absl::StrCat(R"({"source":2,"type":)", kind, R"(,"id":7,"x":)", x,
                                    R"(,"y":)", y, "}"));
  }

  std::mt19937_64 random_;
};

v1::SessionSummary Summarize(const std::vector<v1::PayloadFacts>& facts) {
  std::vector<IdentifiedFacts> payloads;
  for (size_t i = 0; i < facts.size(); ++i) payloads.push_back({i + 1, &facts[i]});
  return SummarizeSession(payloads, RageClickRule());
}

TEST(SessionSummaryPropertyTest, FoldingPartsEqualsFoldingTheWhole) {
  Generator generate(kSeed);
  int joined_active = 0;     // sessions whose active time joined across payloads
  int spanning_rage = 0;     // ... whose rage cluster spanned payloads
  int boundary_repeats = 0;  // ... whose page repeat fell on a payload boundary
  uint64_t rage_clicks = 0;
  for (int session = 0; session < kSessions; ++session) {
    const std::vector<std::string> events = generate.Events();
    const std::vector<std::string> messages = generate.Messages();
    const std::vector<std::string> errors = generate.Errors();
    const std::vector<std::string> resources = generate.Resources();
    const int parts = static_cast<int>(generate.Uniform(1, 8));
    const auto event_runs = generate.Split(events, parts);
    const auto message_runs = generate.Split(messages, parts);
    const auto error_runs = generate.Split(errors, parts);
    const auto resource_runs = generate.Split(resources, parts);

    std::vector<v1::PayloadFacts> part_facts;
    for (int p = 0; p < parts; ++p) {
      v1::PayloadContent content;
      content.set_events(generate.Encode(event_runs[p], "events"));
      content.set_messages(generate.Encode(message_runs[p], "messages"));
      content.set_errors(generate.Encode(error_runs[p], "errors"));
      content.set_resources(generate.Encode(resource_runs[p], "resources"));
      part_facts.push_back(ExtractPayloadFacts(content));
      ASSERT_TRUE(part_facts.back().parsed()) << "seed " << kSeed << " session " << session;
      ASSERT_LT(part_facts.back().click_count(), static_cast<uint64_t>(kMaxClicksInFacts));
    }
    v1::PayloadContent whole;
    whole.set_events(absl::StrCat("[", absl::StrJoin(events, ","), "]"));
    whole.set_messages(absl::StrCat("[", absl::StrJoin(messages, ","), "]"));
    whole.set_errors(absl::StrCat("[", absl::StrJoin(errors, ","), "]"));
    whole.set_resources(absl::StrCat("[", absl::StrJoin(resources, ","), "]"));
    const v1::PayloadFacts whole_facts = ExtractPayloadFacts(whole);
    ASSERT_TRUE(whole_facts.parsed());

    v1::SessionSummary folded = Summarize(part_facts);
    v1::SessionSummary at_once = Summarize({whole_facts});
    EXPECT_EQ(folded.payloads(), static_cast<uint64_t>(parts));
    EXPECT_EQ(folded.last_payload_id(), static_cast<uint64_t>(parts));
    // Only the payload bookkeeping may differ.
    folded.clear_payloads();
    folded.clear_last_payload_id();
    at_once.clear_payloads();
    at_once.clear_last_payload_id();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(folded, at_once))
        << "seed " << kSeed << " session " << session << " parts " << parts
        << "\nfolded payload by payload:\n"
        << folded.DebugString() << "\nfolded at once:\n"
        << at_once.DebugString();

    int64_t part_active = 0;
    uint64_t part_rage = 0;
    uint64_t part_pages = 0;
    for (const v1::PayloadFacts& facts : part_facts) {
      const v1::SessionSummary alone = Summarize({facts});
      part_active += alone.active_ms();
      part_rage += alone.rage_clicks();
      part_pages += alone.pages_visited();
    }
    joined_active += part_active != at_once.active_ms();
    spanning_rage += part_rage != at_once.rage_clicks();
    boundary_repeats += part_pages != at_once.pages_visited();
    rage_clicks += at_once.rage_clicks();
  }
  // The sessions exercise what crosses payload boundaries.
  EXPECT_GT(joined_active, 10);
  EXPECT_GT(spanning_rage, 3);
  EXPECT_GT(boundary_repeats, 3);
  EXPECT_GT(rage_clicks, 20u);
}

}  // namespace
}  // namespace ingest
