#pragma once

// One flat JSON object per line (JSON Lines), for bench/results/*/*.jsonl.
// Enough JSON for numbers, strings, booleans and lists of number pairs (a
// plot's points); no nested objects.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace ingest::bench {

// Builds {"key":value,...} in insertion order. Keys are written as given
// (callers use plain identifiers); string values are escaped. Not
// thread-safe.
class JsonLine {
 public:
  JsonLine& Add(absl::string_view key, absl::string_view value);
  JsonLine& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonLine& Add(absl::string_view key, int64_t value);
  JsonLine& Add(absl::string_view key, int value) { return Add(key, int64_t{value}); }
  // Non-finite values (NaN, infinities) are written as null.
  JsonLine& Add(absl::string_view key, double value);
  JsonLine& Add(absl::string_view key, bool value);
  // [[x,y],...]; non-finite numbers as null.
  JsonLine& AddPoints(absl::string_view key, const std::vector<std::pair<double, double>>& points);
  // [x,...]; non-finite numbers as null (one value per run of a measurement).
  JsonLine& AddNumbers(absl::string_view key, const std::vector<double>& values);
  // `json` written as is: a nested value the caller built (another
  // JsonLine's Build(), an array). It must be valid JSON.
  JsonLine& AddRaw(absl::string_view key, absl::string_view json);

  // The object, without a trailing newline.
  std::string Build() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);

  std::string body_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace ingest::bench
