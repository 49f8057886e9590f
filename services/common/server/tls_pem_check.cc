#include "services/common/server/tls_pem_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// OpenSSL's error queue is per thread: leave nothing on it for the next
// user of this thread to misread.
struct ClearErrorsOnExit {
  ~ClearErrorsOnExit() { ERR_clear_error(); }
};

Bio MemoryBio(absl::string_view text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
}

// An encrypted key gets no password (OpenSSL would otherwise prompt on the
// terminal): it fails to load, which is reported.
int NoPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*data*/) { return 0; }

std::string Text(Bio& bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string NameOf(const X509_NAME* name) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return Text(bio);
}

std::string Describe(X509* leaf) {
  Bio expiry(BIO_new(BIO_s_mem()), &BIO_free);
  ASN1_TIME_print(expiry.get(), X509_get0_notAfter(leaf));
  return absl::StrCat(NameOf(X509_get_subject_name(leaf)), " issued by ",
                      NameOf(X509_get_issuer_name(leaf)), ", expires ", Text(expiry));
}

// The first certificate of `pem`, once every block of it parsed; null if
// one did not or there is none.
Certificate ParseCertificates(absl::string_view pem) {
  Bio bio = MemoryBio(pem);
  Certificate leaf(PEM_read_bio_X509(bio.get(), nullptr, &NoPassword, nullptr), &X509_free);
  if (leaf == nullptr) return leaf;
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, &NoPassword, nullptr)) X509_free(next);
  // The loop ends at the end of the text (no further BEGIN line) or at a
  // block that does not parse.
  const unsigned long error = ERR_peek_last_error();
  if (ERR_GET_LIB(error) != ERR_LIB_PEM || ERR_GET_REASON(error) != PEM_R_NO_START_LINE) {
    return Certificate(nullptr, &X509_free);
  }
  return leaf;
}

}  // namespace

absl::Status CheckPemCertificates(absl::string_view pem, const std::string& file,
                                  absl::string_view flag) {
  ClearErrorsOnExit clear_errors;
  if (ParseCertificates(pem) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "no PEM certificate in ", file,
      " (or one cut short: half written, or not PEM?): write the whole file, or check ", flag));
}

absl::StatusOr<std::string> CheckKeyPair(absl::string_view cert_pem, absl::string_view key_pem,
                                         const TlsFiles& files) {
  ClearErrorsOnExit clear_errors;
  Certificate leaf = ParseCertificates(cert_pem);
  if (leaf == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no PEM certificate in ", files.cert_file,
        " (or one cut short: half written, or not PEM?): write the whole file, or check "
        "--tls_cert_file"));
  }
  Bio key_bio = MemoryBio(key_pem);
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &NoPassword, nullptr), &EVP_PKEY_free);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no unencrypted PEM private key in ", files.key_file,
        " (half written, encrypted, or not PEM?): write the whole file, or check --tls_key_file"));
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the key in ", files.key_file, " does not match the certificate in ", files.cert_file,
        ": write both files (the new key and its certificate); they are re-read within "
        "--tls_reload_interval"));
  }
  return Describe(leaf.get());
}

}  // namespace ingest
