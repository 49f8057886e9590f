#pragma once

// Saying what was being done when something failed, keeping the code.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ingest {

// `status` with its message after "<context>: " and before `hint` (what to
// do about it, e.g. "; is the stack up?"), same code. OK stays OK.
inline absl::Status WithContext(const absl::Status& status, absl::string_view context,
                                absl::string_view hint = "") {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message(), hint));
}

// `result`, or its error with "<context>: " in front and `hint` after.
template <typename T>
absl::StatusOr<T> WithContext(absl::StatusOr<T> result, absl::string_view context,
                              absl::string_view hint = "") {
  if (result.ok()) return result;
  return WithContext(result.status(), context, hint);
}

}  // namespace ingest
