#include "client/cpp/client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/cpp/client_core.h"
#include "client/cpp/session_impl.h"
#include "client/cpp/unary_call.h"
#include "services/common/status/status_macros.h"

namespace ingest::client {
namespace {

class ClientImpl final : public Client {
 public:
  explicit ClientImpl(ClientOptions options)
      : core_(std::make_shared<ClientCore>(std::move(options))) {}

  // Sessions may keep the core alive; its calls end here all the same.
  ~ClientImpl() override { core_->Shutdown(); }

  absl::StatusOr<std::unique_ptr<Session>> StartSession(
      const v1::InitializeSessionRequest& request) override {
    ASSIGN_OR_RETURN(v1::InitializeSessionResponse response,
                     CallUnary<v1::InitializeSessionResponse>(*core_, "InitializeSession", request,
                                                              "the new session"));
    if (response.session_id().empty()) {
      return absl::InternalError(
          "InitializeSession: the gateway answered without a session_id; is the target an "
          "ingest gateway?");
    }
    return std::make_unique<SessionImpl>(core_, response.session_id(), 1);
  }

  std::unique_ptr<Session> ResumeSession(std::string session_id,
                                         uint64_t next_payload_id) override {
    return std::make_unique<SessionImpl>(core_, std::move(session_id),
                                         std::max<uint64_t>(next_payload_id, 1));
  }

  absl::StatusOr<uint32_t> PushBackendErrors(
      const v1::PushBackendErrorsRequest& request) override {
    ASSIGN_OR_RETURN(v1::PushBackendErrorsResponse response,
                     CallUnary<v1::PushBackendErrorsResponse>(*core_, "PushBackendErrors", request,
                                                              "the backend errors"));
    return response.records();
  }

  absl::StatusOr<uint32_t> PushMetrics(const v1::PushMetricsRequest& request) override {
    ASSIGN_OR_RETURN(
        v1::PushMetricsResponse response,
        CallUnary<v1::PushMetricsResponse>(*core_, "PushMetrics", request, "the metrics"));
    return response.records();
  }

  AsyncStats async_stats() const override {
    const AsyncBudget& budget = core_->budget();
    return AsyncStats{budget.bytes_in_flight(), budget.calls_in_flight(), budget.peak_bytes(),
                      budget.peak_calls()};
  }

 private:
  const std::shared_ptr<ClientCore> core_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  RETURN_IF_ERROR(ValidateClientOptions(options));
  if (options.credentials == nullptr && !options.tls.ca_file.empty()) {
    ASSIGN_OR_RETURN(options.credentials, TlsCredentials(options.tls));
  }
  return std::make_unique<ClientImpl>(std::move(options));
}

}  // namespace ingest::client
