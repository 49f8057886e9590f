#include "services/common/auth/secret_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace ingest {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, absl::string_view what,
                                           absl::string_view flag) {
  std::ifstream file(path);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", what, " ", path, ": check ", flag));
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace ingest
