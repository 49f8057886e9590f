#include "bench/retention/enforcement_timing.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace ingest::bench_retention {
namespace {

// The lines services/common/retention/retention_enforcer.cc reports.
constexpr absl::string_view kEnsured = "partitions ahead:";
constexpr absl::string_view kDropped = "dropped ";
constexpr absl::string_view kSessions = "expired sessions:";

}  // namespace

void SplitSteps(EnforcementTiming& timing) {
  // A day it could not drop took its attempts' time, reported by no line.
  if (!timing.report.incomplete.empty()) return;
  const EnforcementStep* ensured = nullptr;
  const EnforcementStep* last_drop = nullptr;
  const EnforcementStep* sessions = nullptr;
  for (const EnforcementStep& step : timing.steps) {
    if (absl::StartsWith(step.line, kEnsured)) ensured = &step;
    if (absl::StartsWith(step.line, kDropped)) last_drop = &step;
    if (absl::StartsWith(step.line, kSessions)) sessions = &step;
  }
  if (ensured == nullptr) return;
  timing.ensure = ensured->at;
  // No partition to drop: the drop step took no time.
  const absl::Duration dropped_at = last_drop != nullptr ? last_drop->at : ensured->at;
  timing.drop = dropped_at - ensured->at;
  if (sessions != nullptr) timing.sessions = sessions->at - dropped_at;
}

absl::StatusOr<EnforcementTiming> TimeEnforcement(PgConnection& db, absl::CivilDay today,
                                                  const std::string& requested_by) {
  EnforcementTiming timing;
  timing.started = absl::Now();
  absl::StatusOr<EnforcementReport> report =
      EnforceRetention(db, {.requested_by = requested_by,
                            .progress =
                                [&timing](const std::string& line) {
                                  timing.steps.push_back({absl::Now() - timing.started, line});
                                },
                            .today = today});
  timing.elapsed = absl::Now() - timing.started;
  if (!report.ok()) return report.status();
  timing.report = *std::move(report);
  SplitSteps(timing);
  return timing;
}

}  // namespace ingest::bench_retention
