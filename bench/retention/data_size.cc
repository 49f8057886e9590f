#include "bench/retention/data_size.h"

#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ingest::bench_retention {
namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 40;

constexpr std::pair<const char*, int64_t> kUnits[] = {
    {"b", 1}, {"kb", kKiB}, {"kib", kKiB}, {"mb", kMiB}, {"mib", kMiB}, {"gb", kGiB}, {"gib", kGiB},
};

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "size \"", text, "\" ", why, "; write a whole number and a unit, e.g. 100MB, 1GB, 10GB"));
}

}  // namespace

absl::StatusOr<int64_t> ParseDataSize(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  size_t digits = 0;
  while (digits < trimmed.size() && absl::ascii_isdigit(trimmed[digits])) ++digits;
  if (digits == 0) return Invalid(text, "does not start with a number");
  int64_t count = 0;
  if (!absl::SimpleAtoi(trimmed.substr(0, digits), &count)) return Invalid(text, "is too large");
  const std::string unit = absl::AsciiStrToLower(trimmed.substr(digits));
  for (const auto& [name, bytes] : kUnits) {
    if (unit != name) continue;
    if (count <= 0) return Invalid(text, "is not positive");
    if (count > kMaxBytes / bytes) return Invalid(text, "is above 1TB");
    return count * bytes;
  }
  return Invalid(text, unit.empty() ? "has no unit" : "has an unknown unit");
}

absl::StatusOr<std::vector<int64_t>> ParseDataSizeList(absl::string_view text) {
  std::vector<int64_t> sizes;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::StatusOr<int64_t> size = ParseDataSize(part);
    if (!size.ok()) return size.status();
    sizes.push_back(*size);
  }
  return sizes;
}

std::string DataSizeLabel(int64_t bytes) {
  for (const auto& [unit, scale] :
       {std::pair<const char*, int64_t>{"GB", kGiB}, {"MB", kMiB}, {"KB", kKiB}}) {
    if (bytes > 0 && bytes % scale == 0) return absl::StrCat(bytes / scale, unit);
  }
  return absl::StrCat(bytes, "B");
}

std::string DataSizeListLabel(absl::Span<const int64_t> sizes) {
  return absl::StrJoin(sizes, ",", [](std::string* out, int64_t bytes) {
    absl::StrAppend(out, DataSizeLabel(bytes));
  });
}

}  // namespace ingest::bench_retention
