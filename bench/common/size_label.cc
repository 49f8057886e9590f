#include "bench/common/size_label.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/flags/cli.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
namespace {

constexpr int64_t kKB = 1024;
constexpr int64_t kMB = 1024 * kKB;

}  // namespace

absl::StatusOr<int64_t> ParseSize(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::string_view digits = trimmed;
  int64_t unit = 1;
  if (absl::EndsWithIgnoreCase(digits, "KB")) {
    unit = kKB;
    digits.remove_suffix(2);
  } else if (absl::EndsWithIgnoreCase(digits, "MB")) {
    unit = kMB;
    digits.remove_suffix(2);
  } else if (absl::EndsWithIgnoreCase(digits, "B")) {
    digits.remove_suffix(1);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("size \"", text, "\" needs a unit: B, KB or MB (e.g. 100KB)"));
  }
  int64_t count = 0;
  if (digits.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(digits[0])) ||
      !absl::SimpleAtoi(digits, &count) || count <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("size \"", text, "\" must be a positive whole number of B, KB or MB"));
  }
  if (count > std::numeric_limits<int64_t>::max() / unit) {
    return absl::InvalidArgumentError(absl::StrCat("size \"", text, "\" is too large"));
  }
  return count * unit;
}

absl::StatusOr<std::vector<int64_t>> ParseSizeList(absl::string_view text) {
  std::vector<int64_t> sizes;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    ASSIGN_OR_RETURN(int64_t size, ParseSize(part));
    sizes.push_back(size);
  }
  if (sizes.empty()) {
    return absl::InvalidArgumentError("the size list is empty; e.g. 10KB,100KB,1MB");
  }
  return sizes;
}

std::string SizeLabel(int64_t bytes) {
  if (bytes > 0 && bytes % kMB == 0) return absl::StrCat(bytes / kMB, "MB");
  if (bytes > 0 && bytes % kKB == 0) return absl::StrCat(bytes / kKB, "KB");
  return absl::StrCat(bytes, "B");
}

std::string SizeListLabel(absl::Span<const int64_t> sizes) {
  return absl::StrJoin(sizes, ",",
                       [](std::string* out, int64_t size) { out->append(SizeLabel(size)); });
}

absl::StatusOr<int64_t> ParseSizeOrZero(absl::string_view text) {
  if (absl::StripAsciiWhitespace(text) == "0") return 0;
  return ParseSize(text);
}

CLI::Option* AddSizeFlag(CLI::App& app, const std::string& name, int64_t& bytes,
                         const std::string& help, bool zero_allowed) {
  return cli::AddParsed<int64_t>(app, name, bytes, zero_allowed ? ParseSizeOrZero : ParseSize,
                                 "SIZE", bytes == 0 ? "0" : SizeLabel(bytes), help);
}

}  // namespace ingest::bench
