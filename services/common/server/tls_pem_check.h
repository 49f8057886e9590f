#pragma once

// Checks on the PEM files of a TLS server before they are handed to a TLS
// library that would fail on them: gRPC 1.51 does not check that a key
// matches its certificate, and a mismatched or half-written pair makes
// every new handshake fail (staged_tls_files.h). Errors name the files and
// say what to do, never quote the files' contents.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/server/tls_files.h"

namespace ingest {

// OK when `pem` holds one or more PEM certificates and nothing else that
// fails to parse (a file cut short in the middle of a certificate is
// refused). INVALID_ARGUMENT naming `file` and `flag` otherwise.
absl::Status CheckPemCertificates(absl::string_view pem, const std::string& file,
                                  absl::string_view flag);

// Checks a certificate chain (`cert_pem`, leaf first, as
// CheckPemCertificates) and an unencrypted PEM private key (`key_pem`) read
// from `files.cert_file` and `files.key_file`: the key must be the leaf's.
// The leaf's "subject issued by issuer, expires notAfter" when they match,
// for a log line; INVALID_ARGUMENT naming the files otherwise.
absl::StatusOr<std::string> CheckKeyPair(absl::string_view cert_pem, absl::string_view key_pem,
                                         const TlsFiles& files);

}  // namespace ingest
