#include "bench/common/http_get.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
namespace {

using UrlHandle = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;
using EasyHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

}  // namespace

absl::Status CheckHttpUrl(absl::string_view url) {
  const UrlHandle parsed(curl_url(), curl_url_cleanup);
  char* scheme = nullptr;
  char* port = nullptr;
  const bool ok =
      curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0) == CURLUE_OK &&
      curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      std::string(scheme) == "http" &&
      curl_url_get(parsed.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK;
  curl_free(scheme);
  curl_free(port);
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("not an http://HOST:PORT/PATH URL: \"", url, "\""));
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& url, absl::Duration timeout) {
  RETURN_IF_ERROR(CheckHttpUrl(url));
  static const CURLcode initialized = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (initialized != CURLE_OK) return absl::InternalError("curl_global_init failed");
  const EasyHandle curl(curl_easy_init(), curl_easy_cleanup);
  HttpResponse response;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout / absl::Milliseconds(1)));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  const CURLcode result = curl_easy_perform(curl.get());
  if (result != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(curl_easy_strerror(result), ": ", url));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace ingest::bench
