#include "bench/common/results_file.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace ingest::bench {

absl::Status ResultsFile::Open(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  out_.open(path, std::ios::app);
  if (!out_) return absl::FailedPreconditionError(absl::StrCat("cannot append to ", path));
  return absl::OkStatus();
}

void ResultsFile::Write(absl::string_view line) {
  if (!out_.is_open()) return;
  out_ << line << '\n';
  out_.flush();
}

void ResultsFile::Write(const google::protobuf::Message& result) { Write(ToJsonLine(result)); }

std::string ToJsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a message built in this process cannot fail (no Any of an
  // unknown type); a failure would leave `json` empty, which a reader sees.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace ingest::bench
