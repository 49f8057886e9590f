#pragma once

// BrokerProxyService: the gRPC adapter of ingest.v1.BrokerProxy on the
// callback API. It authenticates (operator token: the token's name says who
// called, for logs and audit rows), hands the call to a worker thread (the
// cores block on Kafka and PostgreSQL, which gRPC's callback threads must
// not), and maps the cores' absl::Status to gRPC. Erasure and retention go
// to RetentionAdmin, everything else to BrokerProxyCore.
// Long calls (ListDeadLetters, RedriveSession, ReplaySession) get a deadline
// early enough to answer within the caller's.
//
// Threads: gRPC callback threads call the handlers; `workers` threads run
// the core and finish the reactors. The destructor joins the workers after
// finishing what is queued; destroy it only after the server has shut down.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "services/broker_proxy/broker_proxy_core.h"
#include "services/broker_proxy/broker_proxy_metrics.h"
#include "services/broker_proxy/operator_tokens.h"
#include "services/broker_proxy/retention_admin.h"

namespace ingest {

class BrokerProxyService final : public v1::BrokerProxy::CallbackService {
 public:
  // Every collaborator must outlive the service.
  BrokerProxyService(BrokerProxyCore& core, RetentionAdmin& retention,
                     const LiveOperatorTokens& tokens, BrokerProxyMetrics& metrics,
                     int workers = 4);
  ~BrokerProxyService() override;

  grpc::ServerUnaryReactor* EnsureTopics(grpc::CallbackServerContext* context,
                                         const v1::EnsureTopicsRequest* request,
                                         v1::EnsureTopicsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeTopic(grpc::CallbackServerContext* context,
                                          const v1::DescribeTopicRequest* request,
                                          v1::DescribeTopicResponse* response) override;
  grpc::ServerUnaryReactor* GetConsumerLag(grpc::CallbackServerContext* context,
                                           const v1::GetConsumerLagRequest* request,
                                           v1::GetConsumerLagResponse* response) override;
  grpc::ServerUnaryReactor* ListDeadLetters(grpc::CallbackServerContext* context,
                                            const v1::ListDeadLettersRequest* request,
                                            v1::ListDeadLettersResponse* response) override;
  grpc::ServerUnaryReactor* RedriveSession(grpc::CallbackServerContext* context,
                                           const v1::RedriveSessionRequest* request,
                                           v1::RedriveSessionResponse* response) override;
  grpc::ServerUnaryReactor* ReplaySession(grpc::CallbackServerContext* context,
                                          const v1::ReplaySessionRequest* request,
                                          v1::ReplaySessionResponse* response) override;
  grpc::ServerUnaryReactor* ResetOffsets(grpc::CallbackServerContext* context,
                                         const v1::ResetOffsetsRequest* request,
                                         v1::ResetOffsetsResponse* response) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* context,
                                       const v1::GetSessionRequest* request,
                                       v1::GetSessionResponse* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* context,
                                         const v1::ListSessionsRequest* request,
                                         v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* EraseSessions(grpc::CallbackServerContext* context,
                                          const v1::EraseSessionsRequest* request,
                                          v1::EraseSessionsResponse* response) override;
  grpc::ServerUnaryReactor* EnforceRetention(grpc::CallbackServerContext* context,
                                             const v1::EnforceRetentionRequest* request,
                                             v1::EnforceRetentionResponse* response) override;

 private:
  // Authenticates, then runs `work(operator_name)` (returning the response
  // or a status) on a worker thread and finishes the call with its outcome.
  template <typename Response, typename Work>
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context, const char* rpc,
                                   Response* response, Work work);
  void Finish(grpc::ServerUnaryReactor* reactor, const char* rpc, absl::Time start,
              const absl::Status& status);
  void RunWorker();

  BrokerProxyCore& core_;
  RetentionAdmin& retention_;
  const LiveOperatorTokens& tokens_;
  BrokerProxyMetrics& metrics_;
  absl::Mutex mutex_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace ingest
