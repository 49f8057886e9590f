#include "services/broker_proxy/ingestctl/commands.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/render.h"
#include "services/broker_proxy/ingestctl/tls_hint.h"

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

// "no gaps", or "gaps: 3, 5..7".
std::string GapsText(const v1::GetSessionResponse& session) {
  if (session.gaps_size() == 0) return "no gaps";
  std::string out = "gaps: ";
  for (int i = 0; i < session.gaps_size(); ++i) {
    const v1::PayloadGap& gap = session.gaps(i);
    absl::StrAppend(&out, i > 0 ? ", " : "", gap.from_payload_id());
    if (gap.to_payload_id() != gap.from_payload_id()) {
      absl::StrAppend(&out, "..", gap.to_payload_id());
    }
  }
  return out;
}

// `dlq redrive --wait`: reads the session until the worker lifted the
// quarantine (exit 0), the quarantine no longer carries this redrive's id
// (the worker quarantined it again: exit 1), or the wait timed out (exit 1).
// Transient errors are shown and waited through.
int WaitForRedrive(const Invocation& invocation, const v1::RedriveSessionResponse& redrive,
                   BrokerProxyClient& client, Console& console, Pacer& pacer) {
  const std::string& session_id = invocation.redrive_session.session_id();
  // With --json, stdout holds the redrive's JSON alone.
  std::ostream& out = invocation.global.json ? console.err : console.out;
  const absl::Time until = pacer.Now() + invocation.redrive_wait_timeout;
  v1::GetSessionRequest request;
  request.set_session_id(session_id);
  for (;;) {
    if (!pacer.Wait(kRedriveWaitInterval)) {
      console.err << "ingestctl: dlq redrive: stopped waiting; the redrive goes on: run "
                  << "`ingestctl sessions show " << session_id << "`\n";
      return kExitError;
    }
    const absl::StatusOr<v1::GetSessionResponse> session = client.GetSession(request);
    if (!session.ok()) {
      console.err << FormatRpcError(invocation, session.status());
      if (!Transient(session.status())) return kExitError;
    } else if (session->status() != "quarantined") {
      out << "session " << session_id << " landed: " << session->payloads() << " payloads, "
          << GapsText(*session) << "\n";
      out.flush();
      return kExitOk;
    } else if (session->redrive_id() != redrive.redrive_id()) {
      out << "redrive did not lift the quarantine: "
          << (session->quarantine_reason().empty() ? "quarantined again"
                                                   : session->quarantine_reason())
          << (session->redrive_id().empty()
                  ? ""
                  : absl::StrCat(" (another redrive, ", session->redrive_id(), ", is under way)"))
          << "; run `ingestctl sessions show " << session_id << "`\n";
      out.flush();
      return kExitError;
    }
    if (pacer.Now() >= until) {
      out << "redrive " << redrive.redrive_id() << " did not land within --wait_timeout="
          << absl::FormatDuration(invocation.redrive_wait_timeout) << "; session " << session_id
          << " is still quarantined: run `ingestctl sessions show " << session_id << "`\n";
      out.flush();
      return kExitError;
    }
  }
}

// `sessions list`: one page, or every page with --all (a table of them all,
// or with --json one line per page as it arrives). A relative --since is
// resolved against the pacer's clock once, so every page has the same bound.
int ListSessions(const Invocation& invocation, BrokerProxyClient& client, Console& console,
                 Pacer& pacer) {
  v1::ListSessionsRequest request = invocation.list_sessions;
  if (invocation.list_sessions_since.has_value()) {
    request.set_since_unix_ms(
        std::max<int64_t>(1, absl::ToUnixMillis(pacer.Now() - *invocation.list_sessions_since)));
  }
  const auto render = [&](const v1::ListSessionsResponse& r) {
    return RenderSessionList(request, r);
  };
  if (!invocation.list_sessions_all) {
    return Print(invocation, client.ListSessions(request), console, render);
  }
  v1::ListSessionsResponse all;
  for (;;) {
    const absl::StatusOr<v1::ListSessionsResponse> page = client.ListSessions(request);
    if (!page.ok()) {
      // What was listed before the error is still worth printing.
      if (!invocation.global.json && all.sessions_size() > 0) console.out << render(all);
      console.out.flush();
      console.err << FormatRpcError(invocation, page.status());
      return ExitCodeFor(page.status());
    }
    if (invocation.global.json) {
      console.out << RenderJson(*page);
    } else {
      all.mutable_sessions()->MergeFrom(page->sessions());
    }
    if (page->next_page_token().empty()) break;
    if (page->next_page_token() == request.page_token()) {
      console.err << "ingestctl: sessions list: the server answered the same page token twice; "
                     "stopping\n";
      return kExitError;
    }
    request.set_page_token(page->next_page_token());
  }
  if (!invocation.global.json) console.out << render(all);
  console.out.flush();
  return kExitOk;
}

}  // namespace

std::string FormatRpcError(const Invocation& invocation, const absl::Status& status) {
  std::string line =
      absl::StrCat("ingestctl: ", CommandName(invocation.command), ": ",
                   absl::StatusCodeToString(status.code()), ": ", status.message(), "\n");
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (std::optional<std::string> tls = TlsHint(invocation.global, status.message())) {
        absl::StrAppend(&line, "hint: ", *tls, "\n");
      } else {
        absl::StrAppend(&line, "hint: is broker-proxy running at ", invocation.global.server,
                        "? Set --server or INGESTCTL_SERVER.\n");
      }
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
                      absl::FormatDuration(invocation.global.timeout));
      if (invocation.command == Command::kRetentionEnforce) {
        absl::StrAppend(&line,
                        "; the run goes on in broker-proxy (its log says when it ends); running "
                        "it again is safe");
      } else if (invocation.command == Command::kSessionsDelete &&
                 !invocation.erase_sessions.dry_run()) {
        absl::StrAppend(&line,
                        "; broker-proxy may still complete the erasure: run the same delete with "
                        "--dry-run to see what is left (erasing again is safe)");
      }
      absl::StrAppend(&line, ".\n");
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
    case Command::kDlqRedrive: {
      const absl::StatusOr<v1::RedriveSessionResponse> response =
          client.RedriveSession(invocation.redrive_session);
      const int code =
          Print(invocation, response, console, [&](const v1::RedriveSessionResponse& r) {
            return RenderRedrive(invocation.redrive_session, r);
          });
      if (code != kExitOk || !invocation.redrive_wait || invocation.redrive_session.dry_run()) {
        return code;
      }
      return WaitForRedrive(invocation, *response, client, console, pacer);
    }
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
    case Command::kSessionsList:
      return ListSessions(invocation, client, console, pacer);
    case Command::kSessionsDelete:
      return Print(invocation, client.EraseSessions(invocation.erase_sessions), console,
                   [&](const v1::EraseSessionsResponse& r) {
                     return RenderErasure(invocation.erase_sessions, r);
                   });
    case Command::kRetentionEnforce:
      return Print(invocation, client.EnforceRetention(invocation.enforce_retention), console,
                   RenderRetention);
  }
  return kExitError;
}

}  // namespace ingest::ingestctl
