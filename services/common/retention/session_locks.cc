#include "services/common/retention/session_locks.h"

#include "absl/strings/str_cat.h"

namespace ingest {

// Arbitrary constant naming these locks (the first of the two keys).
constexpr int kSessionLockClass = 0x5e55;

std::string LockSessionsSql(bool exclusive) {
  return absl::StrCat("SELECT count(",
                      exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared", "(",
                      kSessionLockClass,
                      ", k.key)) FROM (SELECT DISTINCT hashtext(s) AS key "
                      "FROM unnest($1::text[]) AS s ORDER BY 1) AS k");
}

}  // namespace ingest
