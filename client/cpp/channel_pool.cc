#include "client/cpp/channel_pool.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace ingest::client {
namespace {

// A gRPC channel argument in milliseconds, clamped to int.
int Milliseconds(absl::Duration duration) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(duration), 0, std::numeric_limits<int>::max()));
}

}  // namespace

std::unique_ptr<ChannelPool> ChannelPool::Create(const ClientOptions& options) {
  std::unique_ptr<ChannelPool> pool(new ChannelPool(absl::StrCat("Bearer ", options.api_key)));
  const std::shared_ptr<grpc::ChannelCredentials> credentials =
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials();
  const int max_backoff_ms = Milliseconds(options.max_reconnect_backoff);
  for (const std::string& name : options.targets) {
    Target target;
    target.name = name;
    for (int i = 0; i < options.channels_per_target; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(max_backoff_ms, 100));
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
      // Despite its name, gRPC (1.51's subchannel.cc and later) uses this only
      // as the connect timeout: an attempt's deadline is the later of the
      // next backoff time and now + this. Never the short backoff: 100 ms cut
      // TLS handshakes short on a busy machine and never let a gateway a few
      // hundred ms away be reached (slow_link_test).
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, Milliseconds(options.connect_timeout));
      // Payload responses are small; requests may be up to the unary limit.
      args.SetMaxSendMessageSize(-1);
      Channel channel;
      channel.channel = grpc::CreateCustomChannel(name, credentials, args);
      channel.generic = std::make_unique<grpc::GenericStub>(channel.channel);
      channel.typed = v1::Ingest::NewStub(channel.channel);
      target.channels.push_back(std::move(channel));
    }
    pool->targets_.push_back(std::move(target));
  }
  return pool;
}

ChannelPool::Stubs ChannelPool::Next(int target) {
  Target& t = targets_[static_cast<size_t>(target)];
  Channel& channel = t.channels[t.next->fetch_add(1, std::memory_order_relaxed) % t.channels.size()];
  return Stubs{channel.generic.get(), channel.typed.get()};
}

void ChannelPool::Prepare(grpc::ClientContext& context, absl::Duration timeout) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context.AddMetadata("authorization", authorization_);
}

}  // namespace ingest::client
