#pragma once

// ChannelPool: the gRPC channels of a Client — `channels_per_target`
// separate HTTP/2 connections to each target — and what every call puts on
// its context (deadline, `authorization: Bearer <key>`).
//
// Each channel gets a local subchannel pool, so the connections to a target
// are really separate (gRPC would otherwise share one among channels with
// equal arguments), and a short reconnect backoff, so a target that comes
// back is used by the next attempt instead of after gRPC's own backoff (up
// to 2 minutes by default). The connect timeout is `connect_timeout`, kept
// apart from that backoff (gRPC's GRPC_ARG_MIN_RECONNECT_BACKOFF_MS).
//
// Immutable after Create; thread-safe (stubs and channels are).

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/cpp/options.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "ingest/v1/ingest.grpc.pb.h"

namespace ingest::client {

class ChannelPool {
 public:
  // Creates the channels (they connect lazily, on the first call).
  static std::unique_ptr<ChannelPool> Create(const ClientOptions& options);

  int target_count() const { return static_cast<int>(targets_.size()); }
  const std::string& target(int index) const { return targets_[static_cast<size_t>(index)].name; }

  // The stubs of the next channel of `target` (round-robin).
  struct Stubs {
    grpc::GenericStub* generic;
    v1::Ingest::Stub* typed;
  };
  Stubs Next(int target);

  // Sets the deadline (now + `timeout`) and the authorization metadata.
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const;

 private:
  struct Channel {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> generic;
    std::unique_ptr<v1::Ingest::Stub> typed;
  };
  struct Target {
    std::string name;
    std::vector<Channel> channels;
    std::unique_ptr<std::atomic<uint32_t>> next = std::make_unique<std::atomic<uint32_t>>(0);
  };

  explicit ChannelPool(std::string authorization) : authorization_(std::move(authorization)) {}

  const std::string authorization_;
  std::vector<Target> targets_;
};

}  // namespace ingest::client
