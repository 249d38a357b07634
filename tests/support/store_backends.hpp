#pragma once
// The store suite's one fixture: each typed test runs once on SQLite (a temp file) and once
// on PostgreSQL (a fresh database on the test server). Raw SQL checks (scalar, text) use
// only syntax both databases share.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "pg_test_database.hpp"
#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "storage/sqlite/sqlite_migrations.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "temp_dir.hpp"

// In a test or SetUp: fails when no PostgreSQL test server is configured.
#define BLAZEIOT_REQUIRE_PG_TEST_SERVER()                                                  \
  do {                                                                                     \
    switch (::blazeiot::test::pg_test_server()) {                                          \
      case ::blazeiot::test::PgTestServer::missing:                                        \
        FAIL() << ::blazeiot::test::kPgTestServerMissing;                                  \
      case ::blazeiot::test::PgTestServer::configured:                                     \
        break;                                                                             \
    }                                                                                      \
  } while (false)

namespace blazeiot::test {

// The suites' reference time: 2023-11-14, inside the PostgreSQL partitions they create.
inline constexpr EpochMs kT0 = 1'700'000'000'000;

class SqliteBackend {
 public:
  static constexpr const char* kName = "Sqlite";

  // Another Storage on the same database, as a second instance of the platform would have.
  std::unique_ptr<Storage> open() {
    return std::make_unique<SqliteStorage>((dir_.path() / "blazeiot.db").string());
  }

  static std::optional<std::int64_t> scalar(Storage& s, const std::string& sql) {
    return static_cast<SqliteStorage&>(s).database().read(
        [&](SqliteConnection& c) -> std::optional<std::int64_t> {
          auto q = c.prepare(sql);
          if (!q.step()) return std::nullopt;
          return q.column_opt_int(0);
        });
  }
  static std::optional<std::string> text(Storage& s, const std::string& sql) {
    return static_cast<SqliteStorage&>(s).database().read(
        [&](SqliteConnection& c) -> std::optional<std::string> {
          auto q = c.prepare(sql);
          if (!q.step() || q.is_null(0)) return std::nullopt;
          return q.column_text(0);
        });
  }
  // Statements without parameters, run as they are (an old schema, rows it held).
  static void exec(Storage& s, const std::string& sql) {
    static_cast<SqliteStorage&>(s).database().write([&](SqliteConnection& c) { c.exec(sql); });
  }
  static std::span<const Migration> migrations() { return sqlite_migrations(); }

 private:
  blazeiot::testing::TempDir dir_;
};

class PostgresBackend {
 public:
  static constexpr const char* kName = "Postgres";

  std::unique_ptr<Storage> open() { return std::make_unique<PostgresStorage>(db_.conninfo()); }
  const PgTestDatabase& database() const { return db_; }

  static std::optional<std::int64_t> scalar(Storage& s, const std::string& sql) {
    return static_cast<PostgresStorage&>(s).pool().run(
        [&](PgConnection& c) -> std::optional<std::int64_t> {
          PgResult q = c.query(sql);
          if (q.rows() == 0) return std::nullopt;
          return q.opt_int64(0, 0);
        });
  }
  static std::optional<std::string> text(Storage& s, const std::string& sql) {
    return static_cast<PostgresStorage&>(s).pool().run(
        [&](PgConnection& c) -> std::optional<std::string> {
          PgResult q = c.query(sql);
          if (q.rows() == 0 || q.is_null(0, 0)) return std::nullopt;
          return q.string(0, 0);
        });
  }
  static void exec(Storage& s, const std::string& sql) {
    static_cast<PostgresStorage&>(s).pool().run([&](PgConnection& c) { c.exec(sql); });
  }
  static std::span<const Migration> migrations() { return pg_migrations(); }

 private:
  PgTestDatabase db_;
};

template <class Backend>
class StoreTest : public ::testing::Test {
 protected:
  static constexpr bool kPostgres = std::is_same_v<Backend, PostgresBackend>;

  void SetUp() override {
    if constexpr (kPostgres) {
      BLAZEIOT_REQUIRE_PG_TEST_SERVER();
    }
    backend_.emplace();
    storage_ = backend_->open();
    schema_version_ = storage_->migrate();
    ASSERT_GT(schema_version_, 0);
  }
  void TearDown() override {
    storage_.reset();
    backend_.reset();
  }

  Storage& storage() { return *storage_; }
  std::unique_ptr<Storage> open_another() { return backend_->open(); }
  std::optional<std::int64_t> scalar(const std::string& sql) {
    return Backend::scalar(*storage_, sql);
  }
  std::optional<std::string> text(const std::string& sql) { return Backend::text(*storage_, sql); }

  int schema_version_ = 0;
  std::optional<Backend> backend_;
  std::unique_ptr<Storage> storage_;
};

struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using StoreBackends = ::testing::Types<SqliteBackend, PostgresBackend>;

}  // namespace blazeiot::test
