#pragma once

// IngestService: the gRPC adapter of ingest.v1.Ingest on the callback API.
// No thread waits while Kafka acknowledges: each call returns its reactor
// at once and is finished from the producer's delivery callback.
//
// It converts call metadata and statuses; validation and task building live
// in request_validation / task_builder, producing in TaskPublisher.

#include <string>

#include "ingest/v1/ingest.grpc.pb.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/request_validation.h"
#include "services/gateway/task_publisher.h"

namespace ingest {

class IngestService final : public v1::Ingest::CallbackService {
 public:
  // `publisher` and `metrics` must outlive the service.
  IngestService(TaskPublisher& publisher, GatewayMetrics& metrics, std::string gateway_id,
                RequestLimits limits)
      : publisher_(publisher),
        metrics_(metrics),
        gateway_id_(std::move(gateway_id)),
        limits_(limits) {}

  grpc::ServerUnaryReactor* InitializeSession(grpc::CallbackServerContext* context,
                                              const v1::InitializeSessionRequest* request,
                                              v1::InitializeSessionResponse* response) override;

  grpc::ServerUnaryReactor* PushPayload(grpc::CallbackServerContext* context,
                                        const v1::PushPayloadRequest* request,
                                        v1::PushPayloadResponse* response) override;

 private:
  TaskPublisher& publisher_;
  GatewayMetrics& metrics_;
  const std::string gateway_id_;
  const RequestLimits limits_;
};

}  // namespace ingest
