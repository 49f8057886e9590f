#include "services/broker_proxy/ingestctl/commands.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/render.h"

namespace ingest::ingestctl {
namespace {

// Prints `response` (table from `render`, or JSON) or the error; the exit code.
template <typename Response, typename Render>
int Print(const Invocation& invocation, const absl::StatusOr<Response>& response,
          Console& console, Render render) {
  if (!response.ok()) {
    console.err << FormatRpcError(invocation, response.status());
    return ExitCodeFor(response.status());
  }
  console.out << (invocation.global.json ? RenderJson(*response) : render(*response));
  console.out.flush();
  return kExitOk;
}

bool Transient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

// `lag --watch`: redraws until the pacer says stop. Transient errors (the
// proxy restarting) are shown and watched through; others end the watch.
int WatchLag(const Invocation& invocation, BrokerProxyClient& client, Console& console,
             Pacer& pacer) {
  const absl::Duration interval = *invocation.watch;
  do {
    const absl::StatusOr<v1::GetConsumerLagResponse> response =
        client.GetConsumerLag(invocation.consumer_lag);
    if (!invocation.global.json) {
      console.out << (console.clear_screen ? "\x1b[H\x1b[2J" : "\n");
      console.out << "Every " << absl::FormatDuration(interval) << ": ingestctl lag   "
                  << absl::FormatTime("%Y-%m-%d %H:%M:%S", pacer.Now(), absl::LocalTimeZone())
                  << "   (Ctrl-C to stop)\n\n";
    }
    if (!response.ok()) {
      console.err << FormatRpcError(invocation, response.status());
      if (!Transient(response.status())) return ExitCodeFor(response.status());
    } else {
      console.out << (invocation.global.json ? RenderJson(*response)
                                             : RenderConsumerLag(*response));
    }
    console.out.flush();
  } while (pacer.Wait(interval));
  return kExitOk;
}

}  // namespace

std::string FormatRpcError(const Invocation& invocation, const absl::Status& status) {
  std::string line =
      absl::StrCat("ingestctl: ", CommandName(invocation.command), ": ",
                   absl::StatusCodeToString(status.code()), ": ", status.message(), "\n");
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      absl::StrAppend(&line, "hint: is broker-proxy running at ", invocation.global.server,
                      "? Set --server or INGESTCTL_SERVER.\n");
      break;
    case absl::StatusCode::kUnauthenticated:
      absl::StrAppend(&line,
                      "hint: check the token (--token, --token_file, INGESTCTL_TOKEN or "
                      "INGESTCTL_TOKEN_FILE)",
                      invocation.global.token.empty() && invocation.global.token_file.empty()
                          ? "; none was given"
                          : "",
                      ".\n");
      break;
    case absl::StatusCode::kDeadlineExceeded:
      absl::StrAppend(&line, "hint: no answer within --timeout=",
                      absl::FormatDuration(invocation.global.timeout), ".\n");
      break;
    case absl::StatusCode::kUnimplemented:
      absl::StrAppend(&line, "hint: this broker-proxy does not serve '",
                      CommandName(invocation.command), "' yet.\n");
      break;
    default:
      break;
  }
  return line;
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  return absl::IsFailedPrecondition(status) ? kExitRefused : kExitError;
}

int RunCommand(const Invocation& invocation, BrokerProxyClient& client, Console& console,
               Pacer& pacer) {
  switch (invocation.command) {
    case Command::kTopicsEnsure:
      return Print(invocation, client.EnsureTopics(invocation.ensure_topics), console,
                   RenderEnsureTopics);
    case Command::kTopicsDescribe:
      return Print(invocation, client.DescribeTopic(invocation.describe_topic), console,
                   [](const v1::DescribeTopicResponse& r) { return RenderTopic(r.topic()); });
    case Command::kLag:
      if (invocation.watch.has_value()) return WatchLag(invocation, client, console, pacer);
      return Print(invocation, client.GetConsumerLag(invocation.consumer_lag), console,
                   RenderConsumerLag);
    case Command::kDlqList:
      return Print(invocation, client.ListDeadLetters(invocation.list_dead_letters), console,
                   RenderDeadLetters);
    case Command::kDlqRedrive:
      return Print(invocation, client.RedriveSession(invocation.redrive_session), console,
                   [&](const v1::RedriveSessionResponse& r) {
                     return RenderRedrive(invocation.redrive_session, r);
                   });
    case Command::kReplay:
      return Print(invocation, client.ReplaySession(invocation.replay_session), console,
                   [&](const v1::ReplaySessionResponse& r) {
                     return RenderReplay(invocation.replay_session, r);
                   });
    case Command::kOffsetsReset:
      return Print(invocation, client.ResetOffsets(invocation.reset_offsets), console,
                   RenderResetOffsets);
    case Command::kSessionsShow:
      return Print(invocation, client.GetSession(invocation.get_session), console,
                   RenderSession);
  }
  return kExitError;
}

}  // namespace ingest::ingestctl
