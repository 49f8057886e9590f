#include "bench/common/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace ingest::bench {

std::string FormatSignificant(double value, int digits) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  if (value == 0) return "0";
  const double magnitude = std::floor(std::log10(std::fabs(value)));
  int decimals = std::max(0, digits - 1 - static_cast<int>(magnitude));
  // 9.996 with 2 decimals rounds up to 10.00: one digit too many.
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  if (decimals > 0 && std::fabs(rounded) >= std::pow(10.0, magnitude + 1)) {
    --decimals;
  }
  std::string text = absl::StrFormat("%.*f", decimals, value);
  if (text == "-0") text = "0";
  return text;
}

google::protobuf::Value Nullable(double value) {
  google::protobuf::Value result;
  if (std::isfinite(value)) {
    result.set_number_value(value);
  } else {
    result.set_null_value(google::protobuf::NULL_VALUE);
  }
  return result;
}

std::optional<double> NumberOf(const google::protobuf::Value& value) {
  if (value.kind_case() != google::protobuf::Value::kNumberValue) return std::nullopt;
  return value.number_value();
}

}  // namespace ingest::bench
