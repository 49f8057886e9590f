#pragma once

// A piece of work inside one transaction (InTransaction), or under a
// session's lock_timeout put back afterwards (WithLockTimeout).

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"

namespace ingest {

enum class TransactionEnd { kCommit, kRollBack };

namespace transaction_internal {
inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}
}  // namespace transaction_internal

// `body` returns absl::Status or absl::StatusOr<T>; so does InTransaction:
// the body's result once the transaction ended as `end` says, or the first
// error (the body's, BEGIN's or COMMIT's), after a ROLLBACK.
template <typename Body>
std::invoke_result_t<Body&> InTransaction(PgConnection& db, Body&& body,
                                          TransactionEnd end = TransactionEnd::kCommit) {
  if (absl::Status begun = db.Exec("BEGIN"); !begun.ok()) return begun;
  std::invoke_result_t<Body&> result = body();
  absl::Status status = transaction_internal::StatusOf(result);
  if (status.ok()) status = db.Exec(end == TransactionEnd::kCommit ? "COMMIT" : "ROLLBACK");
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return status;
  }
  return result;
}

// Runs `body` (returning absl::Status or absl::StatusOr<T>) with the
// session's lock_timeout at `timeout` (zero: no limit), then puts back the
// one it had. A failure to put it back is returned when the body succeeded.
template <typename Body>
std::invoke_result_t<Body&> WithLockTimeout(PgConnection& db, absl::Duration timeout, Body&& body) {
  absl::StatusOr<PgResult> saved = db.Query("SELECT current_setting('lock_timeout')", {});
  if (!saved.ok()) return saved.status();
  const std::string previous = PQgetvalue(saved->get(), 0, 0);
  if (absl::Status set =
          db.Exec(absl::StrCat("SET lock_timeout = '", absl::ToInt64Milliseconds(timeout), "ms'"));
      !set.ok()) {
    return set;
  }
  std::invoke_result_t<Body&> result = body();
  const absl::Status restored =
      db.Query("SELECT set_config('lock_timeout', $1, false)", {PgParam::Text(previous)}).status();
  if (transaction_internal::StatusOf(result).ok() && !restored.ok()) return restored;
  return result;
}

}  // namespace ingest
