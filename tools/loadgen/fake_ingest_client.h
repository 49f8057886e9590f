#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "tools/loadgen/ingest_client.h"

namespace ingest::loadgen {

// Test IngestClient. Records every request; answers from scripted queues of
// statuses, one per RPC (OK once a queue is empty). Session ids are "session-1", ... in
// call order. Thread-safe.
class FakeIngestClient final : public IngestClient {
 public:
  // Statuses for the next InitializeSession / PushPayload calls, in order.
  void ScriptInitialize(std::vector<absl::Status> statuses) {
    absl::MutexLock lock(&mu_);
    for (auto& s : statuses) init_script_.push_back(std::move(s));
  }
  void ScriptPush(std::vector<absl::Status> statuses) {
    absl::MutexLock lock(&mu_);
    for (auto& s : statuses) push_script_.push_back(std::move(s));
  }
  // Statuses for the next PushPayloadStream calls, in order.
  void ScriptStream(std::vector<absl::Status> statuses) {
    absl::MutexLock lock(&mu_);
    for (auto& s : statuses) stream_script_.push_back(std::move(s));
  }

  // One PushPayloadStream call as the fake received it.
  struct StreamedPush {
    ingest::v1::PayloadStreamHeader header;
    std::string content;
  };

  absl::StatusOr<std::string> InitializeSession(
      const ingest::v1::InitializeSessionRequest& request) override {
    absl::MutexLock lock(&mu_);
    init_requests_.push_back(request);
    const absl::Status status = Pop(init_script_);
    if (!status.ok()) return status;
    return absl::StrCat("session-", ++sessions_started_);
  }

  absl::Status PushPayload(
      const ingest::v1::PushPayloadRequest& request) override {
    absl::MutexLock lock(&mu_);
    push_requests_.push_back(request);
    return Pop(push_script_);
  }

  absl::Status PushPayloadStream(const ingest::v1::PayloadStreamHeader& header,
                                 absl::string_view content) override {
    absl::MutexLock lock(&mu_);
    stream_requests_.push_back({header, std::string(content)});
    return Pop(stream_script_);
  }

  std::vector<ingest::v1::InitializeSessionRequest> init_requests() const {
    absl::MutexLock lock(&mu_);
    return init_requests_;
  }
  std::vector<ingest::v1::PushPayloadRequest> push_requests() const {
    absl::MutexLock lock(&mu_);
    return push_requests_;
  }
  std::vector<StreamedPush> stream_requests() const {
    absl::MutexLock lock(&mu_);
    return stream_requests_;
  }

 private:
  static absl::Status Pop(std::deque<absl::Status>& script) {
    if (script.empty()) return absl::OkStatus();
    absl::Status status = std::move(script.front());
    script.pop_front();
    return status;
  }

  mutable absl::Mutex mu_;
  std::deque<absl::Status> init_script_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> push_script_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> stream_script_ ABSL_GUARDED_BY(mu_);
  std::vector<ingest::v1::InitializeSessionRequest> init_requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<ingest::v1::PushPayloadRequest> push_requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<StreamedPush> stream_requests_ ABSL_GUARDED_BY(mu_);
  int sessions_started_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ingest::loadgen
