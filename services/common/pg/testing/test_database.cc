#include "services/common/pg/testing/test_database.h"

#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  const char* admin_dsn = std::getenv("PG_DSN");
  if (admin_dsn == nullptr || *admin_dsn == '\0') {
    return absl::FailedPreconditionError(
        "PG_DSN is not set: run the tests through `./dev test`, which starts PostgreSQL");
  }
  ASSIGN_OR_RETURN(auto admin, PgConnection::Connect(admin_dsn, absl::Seconds(10)));
  absl::BitGen random;
  const std::string name = absl::StrCat("test_", absl::Uniform<uint64_t>(random));
  absl::Status status = admin->Exec(absl::StrCat("CREATE DATABASE ", name));
  if (!status.ok()) return status;
  // A later dbname keyword overrides the one in the admin DSN.
  std::string dsn = absl::StrCat(admin_dsn, " dbname=", name);
  return std::unique_ptr<TestDatabase>(new TestDatabase(admin_dsn, name, std::move(dsn)));
}

TestDatabase::~TestDatabase() {
  auto admin = PgConnection::Connect(admin_dsn_, absl::Seconds(10));
  if (admin.ok()) (void)(*admin)->Exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
}

std::unique_ptr<PgConnection> TestDatabase::Connect() const {
  auto connection = PgConnection::Connect(dsn_, absl::Seconds(10));
  return connection.ok() ? std::move(connection).value() : nullptr;
}

}  // namespace ingest
