#include "services/common/kafka/first_position.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ingest {

FirstPosition FirstPositionOf(const RecordHeaders& headers, FirstPosition here) {
  const std::string* partition = FindHeader(headers, first_position_headers::kPartition);
  const std::string* offset = FindHeader(headers, first_position_headers::kOffset);
  FirstPosition named;
  if (partition == nullptr || offset == nullptr ||
      !absl::SimpleAtoi(*partition, &named.partition) ||
      !absl::SimpleAtoi(*offset, &named.offset) || !named.known()) {
    return here;
  }
  return named;
}

void AppendFirstPosition(FirstPosition position, RecordHeaders& headers) {
  headers.emplace_back(first_position_headers::kPartition, absl::StrCat(position.partition));
  headers.emplace_back(first_position_headers::kOffset, absl::StrCat(position.offset));
}

}  // namespace ingest
