#include "storage/sqlite/sqlite_ota_store.hpp"

#include <unordered_map>

#include "domain/ota_status.hpp"
#include "storage/ota_records.hpp"
#include "storage/sqlite/sqlite_row.hpp"

namespace blazeiot {
namespace {

using ota_records::read_campaign;
using ota_records::read_ota_update;
using ota_records::select_campaigns;
using ota_records::select_updates;

// Fills in every campaign's targets with one query.
void add_targets(SqliteConnection& c, std::vector<Campaign>& campaigns) {
  if (campaigns.empty()) return;
  std::string sql =
      "SELECT campaign_id, device_id FROM ota_campaign_targets WHERE campaign_id IN (";
  std::unordered_map<std::int64_t, Campaign*> by_id;
  for (Campaign& campaign : campaigns) {
    sql += by_id.empty() ? "?" : ",?";
    by_id.emplace(campaign.id, &campaign);
  }
  sql += ") ORDER BY campaign_id, position";
  auto q = c.prepare(sql);
  int index = 1;
  for (const Campaign& campaign : campaigns) q.bind(index++, campaign.id);
  while (q.step()) by_id.at(q.column_int(0))->device_ids.push_back(q.column_text(1));
}

std::vector<Campaign> campaigns_with_targets(SqliteConnection& c, SqliteStatement& q) {
  auto campaigns = read_rows(q, read_campaign<SqliteRow>);
  add_targets(c, campaigns);
  return campaigns;
}

std::optional<Campaign> first_campaign(SqliteConnection& c, SqliteStatement& q) {
  auto campaigns = campaigns_with_targets(c, q);
  if (campaigns.empty()) return std::nullopt;
  return std::move(campaigns.front());
}

}  // namespace

OtaUpdate SqliteOtaStore::start(const OtaUpdate& u) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    c.prepare(
         "UPDATE ota_history SET status = 'cancelled', error = ?3, updated_at = ?2,"
         " completed_at = ?2 WHERE device_id = ?1 AND completed_at IS NULL")
        .bind(1, u.device_id)
        .bind(2, u.created_at)
        .bind(3, ota_records::kSupersededError)
        .run();
    auto q = c.prepare(
        "INSERT INTO ota_history(device_id, firmware_id, firmware_version, campaign_id, status,"
        " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) RETURNING " +
        std::string(ota_records::kOtaUpdateColumns));
    q.bind(1, u.device_id)
        .bind(2, u.firmware_id)
        .bind(3, u.firmware_version)
        .bind(4, u.campaign_id)
        .bind(5, u.created_at);
    OtaUpdate stored = read_rows(q, read_ota_update<SqliteRow>).at(0);
    tx.commit();
    return stored;
  });
}

std::optional<OtaUpdate> SqliteOtaStore::set_status(std::int64_t id, std::string_view status,
                                                    std::string_view error, EpochMs now) {
  std::optional<EpochMs> completed;
  if (is_final_ota_status(status)) completed = now;
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE ota_history SET status = ?2, error = ?3, updated_at = ?4, completed_at = ?5"
        " WHERE id = ?1 AND completed_at IS NULL RETURNING " +
        std::string(ota_records::kOtaUpdateColumns));
    q.bind(1, id).bind(2, status).bind(3, error).bind(4, now).bind(5, completed);
    return read_first(q, read_ota_update<SqliteRow>);
  });
}

std::optional<OtaUpdate> SqliteOtaStore::mark_sent(std::int64_t id, EpochMs now) {
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE ota_history SET status = 'sent', updated_at = ?2"
        " WHERE id = ?1 AND status = 'pending' RETURNING " +
        std::string(ota_records::kOtaUpdateColumns));
    q.bind(1, id).bind(2, now);
    return read_first(q, read_ota_update<SqliteRow>);
  });
}

std::optional<OtaUpdate> SqliteOtaStore::find(std::int64_t id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_updates(" WHERE id = ?"));
    q.bind(1, id);
    return read_first(q, read_ota_update<SqliteRow>);
  });
}

std::vector<OtaUpdate> SqliteOtaStore::history(std::string_view device_id, int limit,
                                               std::int64_t offset) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_updates(
        " WHERE device_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"));
    q.bind(1, device_id).bind(2, limit).bind(3, offset);
    return read_rows(q, read_ota_update<SqliteRow>);
  });
}

std::int64_t SqliteOtaStore::history_count(std::string_view device_id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare("SELECT COUNT(*) FROM ota_history WHERE device_id = ?");
    q.bind(1, device_id);
    return q.step() ? q.column_int(0) : 0;
  });
}

std::vector<OtaUpdate> SqliteOtaStore::time_out(EpochMs created_before, EpochMs now) {
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE ota_history SET status = 'timed_out', error = ?3, updated_at = ?2,"
        " completed_at = ?2 WHERE completed_at IS NULL AND created_at < ?1 RETURNING " +
        std::string(ota_records::kOtaUpdateColumns));
    q.bind(1, created_before).bind(2, now).bind(3, ota_records::kTimedOutError);
    return read_rows(q, read_ota_update<SqliteRow>);
  });
}

bool SqliteOtaStore::firmware_in_use(std::int64_t firmware_id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(
        "SELECT EXISTS (SELECT 1 FROM ota_history WHERE firmware_id = ?1"
        " AND completed_at IS NULL) OR EXISTS (SELECT 1 FROM ota_campaigns"
        " WHERE firmware_id = ?1 AND status = 'running')");
    q.bind(1, firmware_id);
    return q.step() && q.column_int(0) != 0;
  });
}

Campaign SqliteOtaStore::create_campaign(const Campaign& campaign) {
  Campaign stored = campaign;
  stored.device_ids = ota_records::unique_targets(campaign.device_ids);
  stored.updated_at = stored.created_at;
  db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    c.prepare(
         "INSERT INTO ota_campaigns(firmware_id, firmware_version, device_type, per_minute,"
         " max_failure_ratio, status, reason, created_by, base_url, created_at, updated_at,"
         " finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)")
        .bind(1, stored.firmware_id)
        .bind(2, stored.firmware_version)
        .bind(3, stored.device_type)
        .bind(4, stored.per_minute)
        .bind(5, stored.max_failure_ratio)
        .bind(6, stored.status)
        .bind(7, stored.reason)
        .bind(8, stored.created_by)
        .bind(9, stored.base_url)
        .bind(10, stored.created_at)
        .bind(11, stored.finished_at)
        .run();
    stored.id = c.last_insert_rowid();
    auto target = c.prepare(
        "INSERT INTO ota_campaign_targets(campaign_id, position, device_id) VALUES (?,?,?)");
    for (std::size_t i = 0; i < stored.device_ids.size(); ++i)
      target.bind(1, stored.id)
          .bind(2, static_cast<std::int64_t>(i))
          .bind(3, stored.device_ids[i])
          .run();
    tx.commit();
  });
  return stored;
}

std::optional<Campaign> SqliteOtaStore::find_campaign(std::int64_t id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_campaigns(" WHERE id = ?"));
    q.bind(1, id);
    return first_campaign(c, q);
  });
}

std::vector<Campaign> SqliteOtaStore::list_campaigns(int limit, std::int64_t offset) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_campaigns(" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"));
    q.bind(1, limit).bind(2, offset);
    return campaigns_with_targets(c, q);
  });
}

std::vector<Campaign> SqliteOtaStore::running_campaigns() {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_campaigns(" WHERE status = 'running' ORDER BY id"));
    return campaigns_with_targets(c, q);
  });
}

std::optional<Campaign> SqliteOtaStore::finish_campaign(std::int64_t id, std::string_view status,
                                                        std::string_view reason, EpochMs now) {
  std::optional<EpochMs> finished;
  if (status != "running") finished = now;
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE ota_campaigns SET status = ?2, reason = ?3, updated_at = ?4, finished_at = ?5"
        " WHERE id = ?1 AND status = 'running' RETURNING " +
        std::string(ota_records::kCampaignColumns));
    q.bind(1, id).bind(2, status).bind(3, reason).bind(4, now).bind(5, finished);
    return first_campaign(c, q);
  });
}

std::vector<OtaUpdate> SqliteOtaStore::campaign_updates(std::int64_t campaign_id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_updates(" WHERE campaign_id = ? ORDER BY created_at, id"));
    q.bind(1, campaign_id);
    return read_rows(q, read_ota_update<SqliteRow>);
  });
}

CampaignProgress SqliteOtaStore::campaign_progress(std::int64_t campaign_id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(
        "SELECT (SELECT COUNT(*) FROM ota_campaign_targets WHERE campaign_id = ?1), COUNT(*),"
        " COUNT(*) FILTER (WHERE status = 'success'),"
        " COUNT(*) FILTER (WHERE status IN ('failed', 'timed_out', 'cancelled')),"
        " COUNT(*) FILTER (WHERE completed_at IS NULL)"
        " FROM ota_history WHERE campaign_id = ?1");
    q.bind(1, campaign_id);
    auto rows = read_rows(q, ota_records::read_campaign_progress<SqliteRow>);
    return rows.at(0);
  });
}

std::vector<std::string> SqliteOtaStore::campaign_next_targets(std::int64_t campaign_id,
                                                               int limit) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(
        "SELECT t.device_id FROM ota_campaign_targets t WHERE t.campaign_id = ?1"
        " AND NOT EXISTS (SELECT 1 FROM ota_history h WHERE h.campaign_id = t.campaign_id"
        " AND h.device_id = t.device_id) ORDER BY t.position LIMIT ?2");
    q.bind(1, campaign_id).bind(2, limit);
    std::vector<std::string> out;
    while (q.step()) out.push_back(q.column_text(0));
    return out;
  });
}

}  // namespace blazeiot
