#pragma once

// The last day (UTC) a session's rows are kept: the day its first record was
// received plus its project's retention. Every row of a session carries its
// session's day (sessions.expire_day), and the large tables are partitioned
// by it, so expiring a day is dropping its partitions (README.md). Rows
// stored before retention existed have none: "infinity" (Never()).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ingest {

class ExpireDay {
 public:
  // The day `received_at` falls on in UTC, plus `retention_days`.
  static ExpireDay Of(absl::Time received_at, int retention_days);
  static ExpireDay OnDay(absl::CivilDay day) { return ExpireDay(day, false); }
  static ExpireDay Never() { return ExpireDay(absl::CivilDay(), true); }
  // PostgreSQL's text form of a date: "2026-12-07" or "infinity".
  static absl::StatusOr<ExpireDay> Parse(absl::string_view text);

  bool never() const { return never_; }
  absl::CivilDay day() const { return day_; }  // meaningless when never()

  // PostgreSQL's text form (a query parameter, a partition bound).
  std::string ToString() const;
  // PostgreSQL's binary form of a date (a binary COPY column): days since
  // 2000-01-01, INT32_MAX for infinity.
  int32_t PgBinaryDays() const;

  friend bool operator==(const ExpireDay& a, const ExpireDay& b) {
    return a.never_ == b.never_ && (a.never_ || a.day_ == b.day_);
  }
  friend bool operator!=(const ExpireDay& a, const ExpireDay& b) { return !(a == b); }

 private:
  ExpireDay(absl::CivilDay day, bool never) : day_(day), never_(never) {}

  absl::CivilDay day_;
  bool never_;
};

// Today in UTC, the calendar retention counts in.
absl::CivilDay UtcDay(absl::Time time);

}  // namespace ingest
