#include "services/broker_proxy/broker_proxy_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/logging/log.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status/grpc_status.h"

namespace ingest {
namespace {

std::string Authorization(const grpc::CallbackServerContext& context) {
  return MetadataValue(context, "authorization");
}

// `budget` from now, or less: early enough to answer within the caller's
// deadline.
absl::Time WorkDeadline(const grpc::CallbackServerContext& context, absl::Duration budget) {
  absl::Time deadline = absl::Now() + budget;
  const auto client_deadline = context.deadline();
  if (client_deadline < std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
    deadline = std::min(deadline, absl::FromChrono(client_deadline) - absl::Milliseconds(500));
  }
  return deadline;
}

}  // namespace

BrokerProxyService::BrokerProxyService(BrokerProxyCore& core, RetentionAdmin& retention,
                                       const LiveOperatorTokens& tokens,
                                       BrokerProxyMetrics& metrics, int workers)
    : core_(core), retention_(retention), tokens_(tokens), metrics_(metrics) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { RunWorker(); });
}

BrokerProxyService::~BrokerProxyService() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void BrokerProxyService::RunWorker() {
  for (;;) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](BrokerProxyService* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued is done
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

void BrokerProxyService::Finish(grpc::ServerUnaryReactor* reactor, const char* rpc,
                                absl::Time start, const absl::Status& status) {
  const absl::Duration latency = absl::Now() - start;
  metrics_.RequestFinished(rpc, status.code(), latency);
  if (!status.ok()) {
    log::Warn("broker_proxy.call_failed", {{"rpc", rpc},
                                           {"code", absl::StatusCodeToString(status.code())},
                                           {"error", std::string(status.message())}});
  } else {
    log::Info("broker_proxy.call", {{"rpc", rpc}, {"ms", absl::ToInt64Milliseconds(latency)}});
  }
  reactor->Finish(ToGrpcStatus(status));
}

template <typename Response, typename Work>
grpc::ServerUnaryReactor* BrokerProxyService::Handle(grpc::CallbackServerContext* context,
                                                     const char* rpc, Response* response,
                                                     Work work) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> caller = tokens_.Authenticate(Authorization(*context));
  if (!caller.ok()) {
    Finish(reactor, rpc, start, caller.status());
    return reactor;
  }
  absl::MutexLock lock(&mutex_);
  queue_.push_back(
      [this, reactor, rpc, start, response, work = std::move(work), caller = *std::move(caller)] {
        absl::StatusOr<Response> result = work(caller);
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, rpc, start, result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* BrokerProxyService::EnsureTopics(grpc::CallbackServerContext* context,
                                                           const v1::EnsureTopicsRequest* request,
                                                           v1::EnsureTopicsResponse* response) {
  return Handle(context, "EnsureTopics", response,
                [this, request](const std::string&) { return core_.EnsureTopics(*request); });
}

grpc::ServerUnaryReactor* BrokerProxyService::DescribeTopic(
    grpc::CallbackServerContext* context, const v1::DescribeTopicRequest* request,
    v1::DescribeTopicResponse* response) {
  return Handle(context, "DescribeTopic", response,
                [this, request](const std::string&) { return core_.DescribeTopic(*request); });
}

grpc::ServerUnaryReactor* BrokerProxyService::GetConsumerLag(
    grpc::CallbackServerContext* context, const v1::GetConsumerLagRequest* request,
    v1::GetConsumerLagResponse* response) {
  return Handle(context, "GetConsumerLag", response, [this, request](const std::string&) {
    return core_.GetConsumerLag(*request, absl::Now());
  });
}

grpc::ServerUnaryReactor* BrokerProxyService::ListDeadLetters(
    grpc::CallbackServerContext* context, const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  // Reading stops at the admin timeout, or early enough to answer within
  // the caller's deadline (what was read then comes with a page token).
  const absl::Time deadline = WorkDeadline(*context, core_.options().admin_timeout);
  return Handle(context, "ListDeadLetters", response,
                [this, request, deadline](const std::string&) {
                  return core_.ListDeadLetters(*request, deadline);
                });
}

grpc::ServerUnaryReactor* BrokerProxyService::RedriveSession(
    grpc::CallbackServerContext* context, const v1::RedriveSessionRequest* request,
    v1::RedriveSessionResponse* response) {
  const absl::Time deadline = WorkDeadline(*context, core_.options().redrive_timeout);
  return Handle(context, "RedriveSession", response,
                [this, request, deadline](const std::string& operator_name) {
                  return core_.RedriveSession(*request, operator_name, deadline);
                });
}

grpc::ServerUnaryReactor* BrokerProxyService::ReplaySession(
    grpc::CallbackServerContext* context, const v1::ReplaySessionRequest* request,
    v1::ReplaySessionResponse* response) {
  const absl::Time deadline = WorkDeadline(*context, core_.options().redrive_timeout);
  return Handle(context, "ReplaySession", response,
                [this, request, deadline](const std::string& operator_name) {
                  return core_.ReplaySession(*request, operator_name, deadline);
                });
}

grpc::ServerUnaryReactor* BrokerProxyService::ResetOffsets(grpc::CallbackServerContext* context,
                                                           const v1::ResetOffsetsRequest* request,
                                                           v1::ResetOffsetsResponse* response) {
  return Handle(context, "ResetOffsets", response,
                [this, request](const std::string& operator_name) {
                  return core_.ResetOffsets(*request, operator_name);
                });
}

grpc::ServerUnaryReactor* BrokerProxyService::GetSession(grpc::CallbackServerContext* context,
                                                         const v1::GetSessionRequest* request,
                                                         v1::GetSessionResponse* response) {
  return Handle(context, "GetSession", response,
                [this, request](const std::string&) { return core_.GetSession(*request); });
}

grpc::ServerUnaryReactor* BrokerProxyService::ListSessions(grpc::CallbackServerContext* context,
                                                           const v1::ListSessionsRequest* request,
                                                           v1::ListSessionsResponse* response) {
  return Handle(context, "ListSessions", response,
                [this, request](const std::string&) { return core_.ListSessions(*request); });
}

grpc::ServerUnaryReactor* BrokerProxyService::EraseSessions(grpc::CallbackServerContext* context,
                                                            const v1::EraseSessionsRequest* request,
                                                            v1::EraseSessionsResponse* response) {
  return Handle(context, "EraseSessions", response,
                [this, request](const std::string& operator_name) {
                  return retention_.EraseSessions(*request, operator_name);
                });
}

grpc::ServerUnaryReactor* BrokerProxyService::EnforceRetention(
    grpc::CallbackServerContext* context, const v1::EnforceRetentionRequest* request,
    v1::EnforceRetentionResponse* response) {
  return Handle(context, "EnforceRetention", response,
                [this, request](const std::string& operator_name) {
                  return retention_.EnforceRetention(*request, operator_name);
                });
}

}  // namespace ingest
