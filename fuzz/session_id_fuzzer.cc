// Session ids from the network (every call but InitializeSession carries
// one): parsing and HMAC verification must refuse anything this deployment
// did not issue, never crash, and agree with each other.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "services/gateway/session_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ingest::SessionIds* const ids = new ingest::SessionIds("fuzz-secret-0123456789abcdef");
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  (void)ingest::ValidateProjectId(input);
  const absl::StatusOr<std::string> project = ids->ProjectOf(input);
  if (project.ok()) {
    // Only an id this secret signed parses: its project owns it.
    if (!ids->CheckOwnedBy(input, *project).ok()) std::abort();
  }
  (void)ids->CheckOwnedBy(input, "fuzz-project");

  // An id issued for a valid project round-trips.
  if (ingest::ValidateProjectId(input).ok()) {
    const std::string issued = ids->New(input);
    const absl::StatusOr<std::string> owner = ids->ProjectOf(issued);
    if (!owner.ok() || *owner != input) std::abort();
  }
  return 0;
}
