#pragma once

// A libpq connection with errors as Status. Not thread-safe: one owner
// thread per connection.

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// One query parameter. Bytes() borrows its data (it must outlive the call);
// the others own their text.
class PgParam {
 public:
  static PgParam Text(std::string text) { return PgParam(std::move(text), {}, false, false); }
  static PgParam Int(int64_t value) { return Text(std::to_string(value)); }
  static PgParam Bool(bool value) { return Text(value ? "true" : "false"); }
  static PgParam Bytes(absl::string_view bytes) { return PgParam({}, bytes, true, false); }
  static PgParam Null() { return PgParam({}, {}, false, true); }

  const char* data() const { return is_null_ ? nullptr : binary_ ? borrowed_.data() : owned_.c_str(); }
  int length() const { return binary_ ? static_cast<int>(borrowed_.size()) : 0; }
  bool binary() const { return binary_; }

 private:
  PgParam(std::string owned, absl::string_view borrowed, bool binary, bool is_null)
      : owned_(std::move(owned)), borrowed_(borrowed), binary_(binary), is_null_(is_null) {}

  std::string owned_;
  absl::string_view borrowed_;
  bool binary_;
  bool is_null_;
};

// How result values come back: text (the default) or PostgreSQL's binary
// send format (bytea as raw bytes, integers big-endian).
enum class PgFormat { kText = 0, kBinary = 1 };

class PgConnection {
 public:
  // Connects with `dsn` (libpq conninfo or URI). The error says where it
  // tried to connect, without the password.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& dsn,
                                                               absl::Duration connect_timeout);
  ~PgConnection();

  // Runs one or more statements without parameters.
  absl::Status Exec(absl::string_view sql);

  // Runs one statement with parameters; the result rows come back in
  // `result_format` (text unless asked otherwise).
  absl::StatusOr<PgResult> Query(absl::string_view sql, const std::vector<PgParam>& params,
                                 PgFormat result_format = PgFormat::kText);

  // Runs `copy_sql` (a `COPY ... FROM STDIN` statement) and streams `data`
  // as its whole input, in pieces so libpq never buffers it all twice. The
  // caller encodes `data` in the format the statement names. Errors, the
  // server's included, come back through pg_status like any query's.
  absl::Status CopyIn(absl::string_view copy_sql, absl::string_view data);

  // False once the server connection is gone; reconnect with a new object.
  bool IsHealthy() const;

  PGconn* raw() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

}  // namespace ingest
