#pragma once

// A fresh, empty database per test on the server named by $PG_DSN (which
// `./dev test` starts). Dropped again when the object goes away.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"

namespace ingest {

class TestDatabase {
 public:
  // Fails when PG_DSN is unset or the server is unreachable.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();
  ~TestDatabase();

  // DSN of the new database.
  const std::string& dsn() const { return dsn_; }

  // A new connection to it.
  std::unique_ptr<PgConnection> Connect() const;

 private:
  TestDatabase(std::string admin_dsn, std::string name, std::string dsn)
      : admin_dsn_(std::move(admin_dsn)), name_(std::move(name)), dsn_(std::move(dsn)) {}

  std::string admin_dsn_;
  std::string name_;
  std::string dsn_;
};

}  // namespace ingest
