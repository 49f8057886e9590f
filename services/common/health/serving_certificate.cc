#include "services/common/health/serving_certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth/secret_file.h"
#include "services/common/logging/log.h"
#include "services/common/server/tls_pem_check.h"

namespace ingest {

struct ServingCertificate::KeyPair {
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;  // intermediates after the leaf, if any
  EVP_PKEY* key = nullptr;
  std::string description;

  KeyPair() = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

Bio ReadBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
}

// An encrypted key gets no password (OpenSSL would otherwise prompt on the
// terminal): it fails to load, which is reported.
int NoPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*data*/) { return 0; }

}  // namespace

absl::StatusOr<std::unique_ptr<ServingCertificate>> ServingCertificate::Load(
    const TlsFiles& files) {
  std::unique_ptr<ServingCertificate> certificate(new ServingCertificate(files));
  ServingCertificate* raw = certificate.get();
  auto watcher = SecretFileWatcher::Start(
      files.cert_file,
      {.interval = files.reload_interval, .what = "TLS certificate", .flag = "--tls_cert_file"},
      [raw](const std::string& cert_pem) { return raw->Install(cert_pem); });
  if (!watcher.ok()) return watcher.status();
  certificate->watcher_ = *std::move(watcher);
  return certificate;
}

ServingCertificate::ServingCertificate(TlsFiles files) : files_(std::move(files)) {}

ServingCertificate::~ServingCertificate() = default;

absl::Status ServingCertificate::Install(const std::string& cert_pem) {
  auto pair = std::make_shared<KeyPair>();
  // OpenSSL's error queue is per thread: leave nothing on it for the next
  // handshake on this thread to misread.
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear_errors;

  absl::StatusOr<std::string> key_pem =
      ReadSecretFile(files_.key_file, "the TLS key", "--tls_key_file");
  if (!key_pem.ok()) return key_pem.status();
  // The checks the gRPC servers' staging makes (tls_pem_check.h): whole
  // PEM, the key the leaf's; what is parsed below then parses.
  absl::StatusOr<std::string> description = CheckKeyPair(cert_pem, *key_pem, files_);
  if (!description.ok()) return description.status();
  pair->description = *std::move(description);

  Bio certs = ReadBio(cert_pem);
  pair->leaf = PEM_read_bio_X509(certs.get(), nullptr, &NoPassword, nullptr);
  pair->chain = sk_X509_new_null();
  while (X509* next = PEM_read_bio_X509(certs.get(), nullptr, &NoPassword, nullptr)) {
    sk_X509_push(pair->chain, next);
  }
  Bio key = ReadBio(*key_pem);
  pair->key = PEM_read_bio_PrivateKey(key.get(), nullptr, &NoPassword, nullptr);
  if (pair->leaf == nullptr || pair->key == nullptr) {
    return absl::InternalError(absl::StrCat("OpenSSL could not load ", files_.cert_file, " and ",
                                            files_.key_file, " after checking them"));
  }
  log::Info("tls.certificate_loaded",
            {{"cert_file", files_.cert_file}, {"certificate", pair->description}});
  absl::MutexLock lock(&mu_);
  current_ = std::move(pair);
  return absl::OkStatus();
}

std::shared_ptr<const ServingCertificate::KeyPair> ServingCertificate::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void ServingCertificate::ServeOn(SSL_CTX* context) {
  SSL_CTX_set_cert_cb(context, &ServingCertificate::SelectCertificate, this);
}

int ServingCertificate::SelectCertificate(SSL* ssl, void* self) {
  const std::shared_ptr<const KeyPair> pair = static_cast<ServingCertificate*>(self)->current();
  // Takes its own references: the pair may be replaced right after.
  return SSL_use_cert_and_key(ssl, pair->leaf, pair->key, pair->chain, /*override=*/1) == 1 ? 1 : 0;
}

absl::Status ServingCertificate::CheckNow() { return watcher_->CheckNow(); }

std::string ServingCertificate::Describe() const { return current()->description; }

}  // namespace ingest
