#include "tools/bench/gateway_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ingest::bench {

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

std::optional<absl::Duration> RetryAfter(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find("retry-after-ms");
  if (it == trailers.end()) return std::nullopt;
  int64_t ms = 0;
  if (!absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

absl::Duration BackpressureWait(std::optional<absl::Duration> retry_after) {
  return std::clamp(retry_after.value_or(absl::Milliseconds(20)), absl::Milliseconds(1),
                    absl::Seconds(1));
}

GatewayClient::GatewayClient(GatewayClientOptions options)
    : options_(std::move(options)), authorization_(absl::StrCat("Bearer ", options_.api_key)) {}

absl::StatusOr<std::unique_ptr<GatewayClient>> GatewayClient::Connect(
    const GatewayClientOptions& options, absl::Duration timeout) {
  if (options.channels < 1) return absl::InvalidArgumentError("channels must be at least 1");
  std::unique_ptr<GatewayClient> client(new GatewayClient(options));
  const absl::Time deadline = absl::Now() + timeout;
  for (int i = 0; i < options.channels; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(-1);
    arguments.SetMaxReceiveMessageSize(-1);
    // Its own subchannel pool, hence its own TCP connection.
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetInt("bench.channel", i);
    auto channel = grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(),
                                             arguments);
    if (!channel->WaitForConnected(absl::ToChronoTime(deadline))) {
      return absl::UnavailableError(absl::StrCat("no connection to the gateway at ",
                                                 options.address, " within ",
                                                 absl::FormatDuration(timeout)));
    }
    client->stubs_.push_back(v1::Ingest::NewStub(channel));
    client->channels_.push_back(std::move(channel));
  }
  return client;
}

void GatewayClient::Prepare(grpc::ClientContext& context, absl::Duration timeout) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context.AddMetadata("authorization", authorization_);
}

absl::StatusOr<std::vector<std::string>> GatewayClient::InitializeSessions(
    int count, const std::string& project_id, absl::Duration timeout) {
  struct Call {
    grpc::ClientContext context;
    v1::InitializeSessionRequest request;
    v1::InitializeSessionResponse response;
    grpc::Status status;
  };
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> ids(static_cast<size_t>(count));
  std::vector<int> todo;
  for (int i = 0; i < count; ++i) todo.push_back(i);

  while (!todo.empty()) {
    std::vector<std::unique_ptr<Call>> calls;
    absl::BlockingCounter pending(static_cast<int>(todo.size()));
    for (const int i : todo) {
      auto call = std::make_unique<Call>();
      Prepare(call->context, std::min(options_.call_timeout, deadline - absl::Now()));
      call->request.set_project_id(project_id);
      call->request.set_client_version("gateway_bench");
      call->request.set_environment("bench");
      call->request.set_client_id(absl::StrCat("bench-", i));
      Call* raw = call.get();
      stub(i).async()->InitializeSession(&raw->context, &raw->request, &raw->response,
                                         [raw, &pending](grpc::Status status) {
                                           raw->status = std::move(status);
                                           pending.DecrementCount();
                                         });
      calls.push_back(std::move(call));
    }
    pending.Wait();

    std::vector<int> again;
    absl::Duration backoff = absl::Milliseconds(50);
    for (size_t k = 0; k < todo.size(); ++k) {
      const Call& call = *calls[k];
      if (call.status.ok()) {
        if (call.response.session_id().empty()) {
          return absl::InternalError("InitializeSession answered OK with an empty session_id");
        }
        ids[static_cast<size_t>(todo[k])] = call.response.session_id();
      } else if ((call.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                  call.status.error_code() == grpc::StatusCode::UNAVAILABLE) &&
                 absl::Now() < deadline) {
        again.push_back(todo[k]);
        backoff = std::max(backoff, RetryAfter(call.context).value_or(backoff));
      } else {
        return FromGrpc(call.status, "InitializeSession");
      }
    }
    todo = std::move(again);
    if (!todo.empty()) absl::SleepFor(std::min(backoff, absl::Seconds(1)));
  }
  return ids;
}

}  // namespace ingest::bench
