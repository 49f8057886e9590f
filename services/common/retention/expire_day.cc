#include "services/common/retention/expire_day.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ingest {

absl::CivilDay UtcDay(absl::Time time) { return absl::ToCivilDay(time, absl::UTCTimeZone()); }

ExpireDay ExpireDay::Of(absl::Time received_at, int retention_days) {
  return OnDay(UtcDay(received_at) + retention_days);
}

absl::StatusOr<ExpireDay> ExpireDay::Parse(absl::string_view text) {
  if (text == "infinity") return Never();
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a day: write it as YYYY-MM-DD (UTC)"));
  }
  return OnDay(day);
}

std::string ExpireDay::ToString() const {
  if (never_) return "infinity";
  return absl::StrFormat("%04d-%02d-%02d", day_.year(), day_.month(), day_.day());
}

int32_t ExpireDay::PgBinaryDays() const {
  if (never_) return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(day_ - absl::CivilDay(2000, 1, 1));
}

}  // namespace ingest
