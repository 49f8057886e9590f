#include "services/common/auth/bearer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ingest {

absl::StatusOr<absl::string_view> BearerCredential(absl::string_view authorization,
                                                   absl::string_view name,
                                                   absl::string_view placeholder) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "missing ", name, ": send metadata `authorization: Bearer <", placeholder, ">`"));
  }
  absl::string_view credential = authorization;
  if (!absl::ConsumePrefix(&credential, "Bearer ") &&
      !absl::ConsumePrefix(&credential, "bearer ")) {
    return absl::UnauthenticatedError(
        absl::StrCat("authorization metadata must be `Bearer <", placeholder, ">`"));
  }
  return absl::StripAsciiWhitespace(credential);
}

}  // namespace ingest
