#include "storage/sqlite/sqlite_reading_inserter.hpp"

#include <optional>
#include <string>
#include <utility>

namespace blazeiot {
namespace {

constexpr int kParamsPerRow = 8;

std::string insert_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO sensor_data(source_type, source_id, gateway_id, type, value, data,"
      " timestamp, device_timestamp) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?)";
  return sql;
}

std::optional<std::string_view> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::string_view(s);
}

// Binds one reading to the parameters after `base` (row k of a statement: base = k * 8).
void bind_row(SqliteStatement& st, int base, const Reading& r) {
  st.bind_static(base + 1, to_string(r.source_type))
      .bind_static(base + 2, r.source_id)
      .bind_static(base + 3, non_empty(r.gateway_id))
      .bind_static(base + 4, non_empty(r.type))
      .bind(base + 5, r.value)
      .bind_static(base + 6, r.data_json)
      .bind(base + 7, r.received_at)
      .bind(base + 8, r.device_time);
}

}  // namespace

SqliteReadingInserter::SqliteReadingInserter(SqliteConnection& c)
    : chunk_(c.prepare(insert_sql(kRowsPerStatement))), single_(c.prepare(insert_sql(1))) {}

// Why group: the (source_type, source_id, timestamp) index takes each reading at its
// source's place, so a batch from 50 sources in arrival order makes every insert descend to
// another leaf. In source order, consecutive inserts land on the same leaf, still in the CPU
// cache; that makes the index about a third cheaper. The same holds for the (gateway_id,
// timestamp) index: a gateway's nodes' groups come one after the other, so its inserts
// also stay on one leaf (4 % less writer CPU for BLE batches from 5 gateways). Counting
// sorts keep it O(n); groups come in order of first appearance, except that a node's group
// joins the first group of its gateway.
const std::vector<std::uint32_t>& SqliteReadingInserter::grouped_by_source(
    std::span<const Reading> readings) {
  group_of_source_.clear();
  rank_of_gateway_.clear();
  group_.clear();
  group_start_.clear();
  group_rank_.clear();
  for (const Reading& r : readings) {
    // Keyed by the id alone: a device and a node with the same id would share a group,
    // which only orders them together.
    auto [it, added] = group_of_source_.try_emplace(
        std::string_view(r.source_id), static_cast<std::uint32_t>(group_start_.size()));
    if (added) {
      group_start_.push_back(0);
      // A device (no gateway) is a rank of its own; a node takes its gateway's rank.
      auto rank = static_cast<std::uint32_t>(group_rank_.size());
      if (!r.gateway_id.empty())
        rank = rank_of_gateway_.try_emplace(std::string_view(r.gateway_id), rank).first->second;
      group_rank_.push_back(rank);
    }
    group_.push_back(it->second);
    ++group_start_[it->second];
  }
  // Groups in rank order, equal ranks in order of appearance: another counting sort (a rank
  // is a group's index, so there are no more ranks than groups).
  const std::size_t groups = group_start_.size();
  rank_start_.assign(groups + 1, 0);
  for (std::uint32_t rank : group_rank_) ++rank_start_[rank + 1];
  for (std::size_t r = 1; r <= groups; ++r) rank_start_[r] += rank_start_[r - 1];
  group_order_.resize(groups);
  for (std::uint32_t g = 0; g < groups; ++g) group_order_[rank_start_[group_rank_[g]]++] = g;
  std::uint32_t next = 0;
  for (std::uint32_t g : group_order_) next += std::exchange(group_start_[g], next);
  order_.resize(readings.size());
  for (std::uint32_t i = 0; i < readings.size(); ++i) order_[group_start_[group_[i]]++] = i;
  return order_;
}

void SqliteReadingInserter::insert(std::span<const Reading> readings) {
  const std::vector<std::uint32_t>& order = grouped_by_source(readings);
  std::size_t i = 0;
  for (; i + kRowsPerStatement <= order.size(); i += kRowsPerStatement) {
    for (std::size_t k = 0; k < kRowsPerStatement; ++k)
      bind_row(chunk_, static_cast<int>(k) * kParamsPerRow, readings[order[i + k]]);
    chunk_.run();
  }
  for (; i < order.size(); ++i) {
    bind_row(single_, 0, readings[order[i]]);
    single_.run();
  }
}

}  // namespace blazeiot
