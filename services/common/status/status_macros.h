#pragma once

// Early returns on errors, instead of `if (!x.ok()) return x.status();`
// written out at every call.
//
//   RETURN_IF_ERROR(db.Exec("BEGIN"));
//   ASSIGN_OR_RETURN(PgResult rows, db.Query(kSql, params));
//   ASSIGN_OR_RETURN(auto stub, Connect(target));
//
// RETURN_IF_ERROR takes an absl::Status and returns it from the enclosing
// function unless OK. ASSIGN_OR_RETURN evaluates an absl::StatusOr<T> once;
// on error it returns its status, otherwise it moves the value into `lhs` (a
// declaration or an existing variable). The enclosing function returns
// absl::Status or any absl::StatusOr<U>. `lhs` cannot hold an unparenthesized
// comma (write `auto` or an alias for such a type).

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RETURN_IF_ERROR(expr)                                              \
  do {                                                                     \
    if (::absl::Status ingest_status_macro_status = (expr);                \
        !ingest_status_macro_status.ok()) {                                \
      return ingest_status_macro_status;                                   \
    }                                                                      \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  INGEST_ASSIGN_OR_RETURN_IMPL(INGEST_STATUS_MACROS_CONCAT(ingest_status_or_, __LINE__), lhs, rexpr)

// Internal to the macros above.
#define INGEST_STATUS_MACROS_CONCAT_INNER(a, b) a##b
#define INGEST_STATUS_MACROS_CONCAT(a, b) INGEST_STATUS_MACROS_CONCAT_INNER(a, b)
#define INGEST_ASSIGN_OR_RETURN_IMPL(status_or, lhs, rexpr) \
  auto status_or = (rexpr);                                 \
  if (!status_or.ok()) return std::move(status_or).status(); \
  lhs = std::move(status_or).value()
