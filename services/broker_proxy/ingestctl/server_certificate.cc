#include "services/broker_proxy/ingestctl/server_certificate.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace ingest::ingestctl {
namespace {

// The chain seen by CapturingVerifier; written on a gRPC thread.
struct Captured {
  absl::Mutex mutex;
  std::string chain ABSL_GUARDED_BY(mutex);
};

// Keeps the server's chain and refuses the connection: the handshake never
// completes, so no call is made on it.
class CapturingVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit CapturingVerifier(std::shared_ptr<Captured> captured) : captured_(std::move(captured)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    {
      absl::MutexLock lock(&captured_->mutex);
      captured_->chain = std::string(request->peer_cert_full_chain().data(),
                                     request->peer_cert_full_chain().size());
    }
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "certificate read only");
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const std::shared_ptr<Captured> captured_;
};

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Frees the stack only: its certificates belong to a std::vector<X509Ptr>.
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};

// Every certificate in `pem`, in order.
std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> certificates;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (bio == nullptr) return certificates;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(cert);
  }
  return certificates;
}

// RFC 2253 text of `name` ("CN=session-ingest local ca").
std::string NameText(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string TimeText(const ASN1_TIME* time) {
  struct tm parts = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return "?";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromTimeT(timegm(&parts)),
                          absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::string> FetchServerCertificateChain(const std::string& server,
                                                        absl::Duration timeout) {
  auto captured = std::make_shared<Captured>();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_verify_server_certs(false);  // CapturingVerifier refuses every server
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<CapturingVerifier>(captured));
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(server, grpc::experimental::TlsCredentials(options), args);
  // Connects until the deadline or a handshake; CapturingVerifier fails each.
  const auto deadline = absl::ToChronoTime(absl::Now() + timeout);
  while (std::chrono::system_clock::now() < deadline) {
    {
      absl::MutexLock lock(&captured->mutex);
      if (!captured->chain.empty()) return captured->chain;
    }
    const grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
    channel->WaitForStateChange(state, std::min(deadline, std::chrono::system_clock::now() +
                                                              std::chrono::milliseconds(50)));
  }
  absl::MutexLock lock(&captured->mutex);
  if (!captured->chain.empty()) return captured->chain;
  return absl::UnavailableError(absl::StrCat("no TLS certificate from ", server));
}

std::optional<std::string> ExplainCertificateRefusal(const std::string& chain_pem,
                                                     const std::string& ca_pem,
                                                     const std::string& host, absl::Time now) {
  std::vector<X509Ptr> chain = ReadCertificates(chain_pem);
  std::vector<X509Ptr> cas = ReadCertificates(ca_pem);
  if (chain.empty()) return std::nullopt;
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                          &X509_STORE_CTX_free);
  if (store == nullptr || untrusted == nullptr || context == nullptr) return std::nullopt;
  for (const X509Ptr& ca : cas) X509_STORE_add_cert(store.get(), ca.get());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  X509* leaf = chain.front().get();
  if (X509_STORE_CTX_init(context.get(), store.get(), leaf, untrusted.get()) != 1) {
    return std::nullopt;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(param, absl::ToTimeT(now));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  if (X509_verify_cert(context.get()) == 1) return std::nullopt;
  const int error = X509_STORE_CTX_get_error(context.get());
  // The certificate the error is about: the leaf, an expired intermediate,
  // or the self-signed root of another CA that the server sends along.
  X509* current = X509_STORE_CTX_get_current_cert(context.get());
  if (current == nullptr) current = leaf;
  std::string detail;
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      detail = absl::StrCat("not after ", TimeText(X509_get0_notAfter(current)));
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      detail = absl::StrCat("not before ", TimeText(X509_get0_notBefore(current)));
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      detail = absl::StrCat("issuer ", NameText(X509_get_issuer_name(current)));
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      detail = absl::StrCat("not for ", host);
      break;
    default:
      break;
  }
  std::string reason = X509_verify_cert_error_string(error);
  if (!detail.empty()) absl::StrAppend(&reason, " (", detail, ")");
  return reason;
}

}  // namespace ingest::ingestctl
