#pragma once
// Writes readings into sensor_data with multi-row INSERT statements. Most of SQLite's cost
// for a one-row INSERT is per statement, not per row: starting the VDBE program, opening the
// table and its three index cursors, and (the table is AUTOINCREMENT) reading and rewriting
// the sqlite_sequence row. A chunk of rows per statement pays that once per chunk.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/entities.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {

class SqliteReadingInserter {
 public:
  // 32 rows x 8 parameters: well inside SQLite's parameter limit, and past ~32 rows the
  // per-statement cost is already amortised.
  static constexpr std::size_t kRowsPerStatement = 32;

  explicit SqliteReadingInserter(SqliteConnection& c);

  // Inserts inside the caller's transaction, grouped by source: one source's readings keep
  // their order (their ids ascend with the span), and come one after the other. The readings'
  // text is bound without copying, so they must not change during the call.
  void insert(std::span<const Reading> readings);

 private:
  // The order to insert in: readings grouped by source, each group in span order, the
  // groups of one gateway together.
  const std::vector<std::uint32_t>& grouped_by_source(std::span<const Reading> readings);

  SqliteStatement chunk_;   // kRowsPerStatement rows
  SqliteStatement single_;  // the rest of a batch, one row at a time
  // Reused between batches (the writer is one thread).
  std::unordered_map<std::string_view, std::uint32_t> group_of_source_;
  std::unordered_map<std::string_view, std::uint32_t> rank_of_gateway_;
  std::vector<std::uint32_t> group_;
  std::vector<std::uint32_t> group_start_;
  std::vector<std::uint32_t> group_rank_;  // groups are inserted in rank order
  std::vector<std::uint32_t> group_order_;
  std::vector<std::uint32_t> rank_start_;
  std::vector<std::uint32_t> order_;
};

}  // namespace blazeiot
