#pragma once
// A fresh PostgreSQL database per test, on the server named by BLAZEIOT_TEST_PG (the
// conninfo of a role that may create databases; scripts/postgres-test-server.sh starts one).
// Unset is a mistake and makes the PostgreSQL tests fail (for a SQLite-only local run, use
// gtest's own --gtest_filter=-*Postgres*).
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "storage/postgres/pg_connection.hpp"

namespace blazeiot::test {

enum class PgTestServer { configured, missing };

inline PgTestServer pg_test_server() {
  const char* v = std::getenv("BLAZEIOT_TEST_PG");
  if (!v || !*v) return PgTestServer::missing;
  return PgTestServer::configured;
}

inline constexpr const char* kPgTestServerMissing =
    "BLAZEIOT_TEST_PG is not set, so the PostgreSQL half of the store suite cannot run. "
    "Start a server with `scripts/postgres-test-server.sh start` and export its URI as "
    "BLAZEIOT_TEST_PG (scripts/test.sh does this).";

// conninfo (URI or key=value) with the database replaced, as a key=value string.
inline std::string with_database(const std::string& conninfo, const std::string& dbname) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), PQconninfoFree);
  if (!options) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    throw std::runtime_error("bad BLAZEIOT_TEST_PG: " + message);
  }
  auto quoted = [](std::string_view v) {
    std::string out = "'";
    for (char ch : v) {
      if (ch == '\'' || ch == '\\') out += '\\';
      out += ch;
    }
    return out + "'";
  };
  std::string out = "dbname=" + quoted(dbname);
  for (PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (!o->val || std::string_view(o->keyword) == "dbname") continue;
    out += std::string(" ") + o->keyword + "=" + quoted(o->val);
  }
  return out;
}

class PgTestDatabase {
 public:
  PgTestDatabase() {
    const char* server = std::getenv("BLAZEIOT_TEST_PG");
    if (pg_test_server() != PgTestServer::configured) throw std::runtime_error(kPgTestServerMissing);
    admin_ = server;
    std::random_device random;
    name_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(random());
    PgConnection(admin_).exec("CREATE DATABASE " + name_);
    conninfo_ = with_database(admin_, name_);
  }
  ~PgTestDatabase() {
    try {
      PgConnection(admin_).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // A leftover database on a throwaway server is harmless.
    }
  }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& conninfo() const { return conninfo_; }
  const std::string& admin_conninfo() const { return admin_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_;
  std::string name_;
  std::string conninfo_;
};

}  // namespace blazeiot::test
