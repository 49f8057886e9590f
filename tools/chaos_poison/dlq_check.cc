#include "tools/chaos_poison/dlq_check.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/dead_letter_headers.h"

namespace ingest::chaos {
namespace {

constexpr size_t kMaxProblems = 10;

void Note(DeadLetterReport& report, std::string problem) {
  if (report.problems.size() < kMaxProblems) report.problems.push_back(std::move(problem));
}

}  // namespace

DeadLetterReport CheckDeadLetters(const PoisonPlan& plan, absl::Span<const TopicRecord> dlq) {
  DeadLetterReport report;
  report.expected = plan.expected_letter_count();

  // The plan's letters per session, in DLQ order (one session lives in one
  // partition, so offset order is the order the worker wrote them).
  std::map<std::string, std::vector<const TopicRecord*>> by_session;
  for (const TopicRecord& record : dlq) {
    const std::string session = record.Header(dlq_headers::kSessionId);
    if (plan.letters.count(session) == 0) continue;
    by_session[session].push_back(&record);
    ++report.found;
  }
  for (auto& [session, records] : by_session) {
    std::sort(records.begin(), records.end(), [](const TopicRecord* a, const TopicRecord* b) {
      return std::tie(a->partition, a->offset) < std::tie(b->partition, b->offset);
    });
  }

  for (const auto& [session, expected] : plan.letters) {
    const std::vector<const TopicRecord*>& got = by_session[session];
    for (size_t i = 0; i < expected.size(); ++i) {
      if (i >= got.size()) {
        ++report.missing;
        Note(report, absl::StrCat(session, ": letter ", i + 1, " (", expected[i].reason,
                                  ") missing from the DLQ"));
        continue;
      }
      const std::string reason = got[i]->Header(dlq_headers::kReason);
      if (reason != expected[i].reason || got[i]->value != expected[i].value ||
          got[i]->key != session) {
        ++report.wrong;
        Note(report, absl::StrCat(session, ": letter ", i + 1, " is ", reason, " at offset ",
                                  got[i]->offset, ", expected ", expected[i].reason,
                                  got[i]->value != expected[i].value ? " (bytes differ)" : "",
                                  got[i]->key != session ? " (key differs)" : ""));
      }
    }
    if (got.size() > expected.size()) {
      report.unexpected += static_cast<int>(got.size() - expected.size());
      Note(report, absl::StrCat(session, ": ", got.size() - expected.size(),
                                " more letters than expected"));
    }
  }
  return report;
}

}  // namespace ingest::chaos
