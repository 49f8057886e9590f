#include "services/common/health/https_get.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

// "Issuer:..." of the first (the server's) certificate curl saw.
std::string IssuerOf(CURL* curl) {
  curl_certinfo* chain = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &chain) != CURLE_OK || chain == nullptr ||
      chain->num_of_certs < 1) {
    return "";
  }
  for (curl_slist* field = chain->certinfo[0]; field != nullptr; field = field->next) {
    if (absl::StartsWith(field->data, "Issuer:")) return field->data + sizeof("Issuer:") - 1;
  }
  return "";
}

}  // namespace

absl::StatusOr<HttpsResponse> HttpsGet(int port, const std::string& path,
                                       const std::string& ca_file, absl::Duration timeout) {
  static const CURLcode initialized = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (initialized != CURLE_OK) return absl::InternalError("curl_global_init failed");
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                 &curl_easy_cleanup);
  const std::string url = absl::StrCat("https://127.0.0.1:", port, path);
  HttpsResponse response;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CAPATH, nullptr);  // only ca_file
  curl_easy_setopt(curl.get(), CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout / absl::Milliseconds(1)));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  if (const CURLcode result = curl_easy_perform(curl.get()); result != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(curl_easy_strerror(result), ": ", url));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  response.issuer = IssuerOf(curl.get());
  return response;
}

}  // namespace ingest
