#pragma once

// One real EnforceRetention (services/common/retention), timed as a whole
// and by step. The steps are told apart by the progress lines the enforcer
// reports as each finishes ("partitions ahead: ...", "dropped the
// partitions of <day> ...", "expired sessions: ..."): if their wording
// changes, the step times read "not measured" (-1) while the total stays
// right. A run that could not drop a day still returns a report, with
// `incomplete` set (retention_enforcer.h).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/retention_enforcer.h"

namespace ingest::bench_retention {

// A progress line and when it came, from the start of the run.
struct EnforcementStep {
  absl::Duration at;
  std::string line;
};

struct EnforcementTiming {
  EnforcementReport report;
  absl::Time started;
  absl::Duration elapsed;  // the whole EnforceRetention call
  // Creating partitions ahead; dropping the expired day partitions; deleting
  // the expired sessions' rows in batches. -1 s: not told apart.
  absl::Duration ensure = absl::Seconds(-1);
  absl::Duration drop = absl::Seconds(-1);
  absl::Duration sessions = absl::Seconds(-1);
  std::vector<EnforcementStep> steps;
};

// Fills ensure, drop and sessions of `timing` from its steps; leaves them
// unset (-1) for an incomplete run, whose failed drop no line times.
void SplitSteps(EnforcementTiming& timing);

// Runs EnforceRetention (not a dry run) on `db` as if today were `today`:
// every day partition before it is dropped, every session whose day is
// before it deleted. The connection's own lock_timeout is restored after.
absl::StatusOr<EnforcementTiming> TimeEnforcement(PgConnection& db, absl::CivilDay today,
                                                  const std::string& requested_by);

}  // namespace ingest::bench_retention
