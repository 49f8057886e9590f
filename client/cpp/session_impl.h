#pragma once

// SessionImpl: the Session of the SDK, over a ClientCore (internal; made by
// the Client). Its only state is the session id and the next payload id
// (atomic); everything else is the core's.

#include <atomic>
#include <memory>
#include <string>

#include "client/cpp/client_core.h"
#include "client/cpp/session.h"

namespace ingest::client {

class SessionImpl final : public Session {
 public:
  SessionImpl(std::shared_ptr<ClientCore> core, std::string session_id, uint64_t next_payload_id)
      : core_(std::move(core)), id_(std::move(session_id)), next_payload_id_(next_payload_id) {}

  const std::string& id() const override { return id_; }
  uint64_t next_payload_id() const override { return next_payload_id_.load(); }

  absl::StatusOr<PushResult> Push(v1::PayloadContent content,
                                  const PushOptions& options) override;
  void PushAsync(v1::PayloadContent content, const PushOptions& options,
                 PushCallback done) override;
  absl::StatusOr<PushResult> PushWithId(uint64_t payload_id, v1::PayloadContent content,
                                        const PushOptions& options) override;

  absl::StatusOr<v1::RecordPosition> Identify(v1::IdentifySessionRequest request) override;
  absl::StatusOr<v1::RecordPosition> AddProperties(
      v1::AddSessionPropertiesRequest request) override;
  absl::StatusOr<v1::RecordPosition> AddFeedback(v1::AddSessionFeedbackRequest request) override;
  absl::StatusOr<uint32_t> PushBackendErrors(v1::PushBackendErrorsRequest request) override;
  absl::StatusOr<uint32_t> PushMetrics(v1::PushMetricsRequest request) override;

 private:
  // Sends payload `payload_id`; `done` as for PushAsync.
  void StartPush(uint64_t payload_id, v1::PayloadContent content, const PushOptions& options,
                 PushCallback done);
  absl::StatusOr<PushResult> PushAndWait(uint64_t payload_id, v1::PayloadContent content,
                                         const PushOptions& options);
  std::string Subject(absl::string_view what) const;

  const std::shared_ptr<ClientCore> core_;
  const std::string id_;
  std::atomic<uint64_t> next_payload_id_;
};

}  // namespace ingest::client
