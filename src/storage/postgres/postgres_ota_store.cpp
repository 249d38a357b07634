#include "storage/postgres/postgres_ota_store.hpp"

#include <unordered_map>

#include "domain/ota_status.hpp"
#include "storage/ota_records.hpp"
#include "storage/postgres/pg_copy_rows.hpp"
#include "storage/postgres/pg_row.hpp"

namespace blazeiot {
namespace {

using ota_records::read_campaign;
using ota_records::read_ota_update;
using ota_records::select_campaigns;
using ota_records::select_updates;

// Fills in every campaign's targets with one query.
void add_targets(PgConnection& c, std::vector<Campaign>& campaigns) {
  if (campaigns.empty()) return;
  std::string ids = "{";
  std::unordered_map<std::int64_t, Campaign*> by_id;
  for (Campaign& campaign : campaigns) {
    if (!by_id.empty()) ids += ',';
    ids += std::to_string(campaign.id);
    by_id.emplace(campaign.id, &campaign);
  }
  ids += '}';
  PgResult q = c.query(
      "SELECT campaign_id, device_id FROM ota_campaign_targets"
      " WHERE campaign_id = ANY($1::bigint[]) ORDER BY campaign_id, position",
      PgParams().add(ids));
  for (int i = 0; i < q.rows(); ++i) by_id.at(q.int64(i, 0))->device_ids.push_back(q.string(i, 1));
}

std::vector<Campaign> campaigns_with_targets(PgConnection& c, const PgResult& q) {
  auto campaigns = read_rows(q, read_campaign<PgRow>);
  add_targets(c, campaigns);
  return campaigns;
}

std::optional<Campaign> first_campaign(PgConnection& c, const PgResult& q) {
  auto campaigns = campaigns_with_targets(c, q);
  if (campaigns.empty()) return std::nullopt;
  return std::move(campaigns.front());
}

}  // namespace

OtaUpdate PostgresOtaStore::start(const OtaUpdate& u) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    // Two instances starting updates for one device at once would each find nothing open
    // and both insert; serialised, the second supersedes the first's record.
    c.query("SELECT pg_advisory_xact_lock(hashtext('blazeiot.ota_history'), hashtext($1))",
            PgParams().add(u.device_id));
    c.query(
        "UPDATE ota_history SET status = 'cancelled', error = $3, updated_at = $2,"
        " completed_at = $2 WHERE device_id = $1 AND completed_at IS NULL",
        PgParams().add(u.device_id).add(u.created_at).add(ota_records::kSupersededError));
    OtaUpdate stored =
        read_rows(c.query("INSERT INTO ota_history(device_id, firmware_id, firmware_version,"
                          " campaign_id, status, created_at, updated_at)"
                          " VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING " +
                              std::string(ota_records::kOtaUpdateColumns),
                          PgParams()
                              .add(u.device_id)
                              .add(u.firmware_id)
                              .add(u.firmware_version)
                              .add(u.campaign_id)
                              .add(u.created_at)),
                  read_ota_update<PgRow>)
            .at(0);
    tx.commit();
    return stored;
  });
}

std::optional<OtaUpdate> PostgresOtaStore::set_status(std::int64_t id, std::string_view status,
                                                      std::string_view error, EpochMs now) {
  std::optional<EpochMs> completed;
  if (is_final_ota_status(status)) completed = now;
  return pool_.run([&](PgConnection& c) {
    return read_first(
        c.query("UPDATE ota_history SET status = $2, error = $3, updated_at = $4,"
                " completed_at = $5 WHERE id = $1 AND completed_at IS NULL RETURNING " +
                    std::string(ota_records::kOtaUpdateColumns),
                PgParams().add(id).add(status).add(error).add(now).add(completed)),
        read_ota_update<PgRow>);
  });
}

std::optional<OtaUpdate> PostgresOtaStore::mark_sent(std::int64_t id, EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    return read_first(c.query("UPDATE ota_history SET status = 'sent', updated_at = $2"
                              " WHERE id = $1 AND status = 'pending' RETURNING " +
                                  std::string(ota_records::kOtaUpdateColumns),
                              PgParams().add(id).add(now)),
                      read_ota_update<PgRow>);
  });
}

std::optional<OtaUpdate> PostgresOtaStore::find(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    return read_first(c.query(select_updates(" WHERE id = $1"), PgParams().add(id)),
                      read_ota_update<PgRow>);
  });
}

std::vector<OtaUpdate> PostgresOtaStore::history(std::string_view device_id, int limit,
                                                 std::int64_t offset) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(
        c.query(select_updates(" WHERE device_id = $1 ORDER BY created_at DESC, id DESC"
                               " LIMIT $2 OFFSET $3"),
                PgParams().add(device_id).add(limit).add(offset)),
        read_ota_update<PgRow>);
  });
}

std::int64_t PostgresOtaStore::history_count(std::string_view device_id) {
  return pool_.run([&](PgConnection& c) {
    return c.query("SELECT COUNT(*) FROM ota_history WHERE device_id = $1",
                   PgParams().add(device_id))
        .int64(0, 0);
  });
}

std::vector<OtaUpdate> PostgresOtaStore::time_out(EpochMs created_before, EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(
        c.query("UPDATE ota_history SET status = 'timed_out', error = $3, updated_at = $2,"
                " completed_at = $2 WHERE completed_at IS NULL AND created_at < $1 RETURNING " +
                    std::string(ota_records::kOtaUpdateColumns),
                PgParams().add(created_before).add(now).add(ota_records::kTimedOutError)),
        read_ota_update<PgRow>);
  });
}

bool PostgresOtaStore::firmware_in_use(std::int64_t firmware_id) {
  return pool_.run([&](PgConnection& c) {
    return c.query(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM ota_history WHERE firmware_id = $1"
                " AND completed_at IS NULL) OR EXISTS (SELECT 1 FROM ota_campaigns"
                " WHERE firmware_id = $1 AND status = 'running') THEN 1 ELSE 0 END",
                PgParams().add(firmware_id))
               .int64(0, 0) != 0;
  });
}

Campaign PostgresOtaStore::create_campaign(const Campaign& campaign) {
  Campaign stored = campaign;
  stored.device_ids = ota_records::unique_targets(campaign.device_ids);
  stored.updated_at = stored.created_at;
  pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    stored.id = c.query(
                     "INSERT INTO ota_campaigns(firmware_id, firmware_version, device_type,"
                     " per_minute, max_failure_ratio, status, reason, created_by, base_url,"
                     " created_at, updated_at, finished_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
                     PgParams()
                         .add(stored.firmware_id)
                         .add(stored.firmware_version)
                         .add(stored.device_type)
                         .add(stored.per_minute)
                         .add(stored.max_failure_ratio)
                         .add(stored.status)
                         .add(stored.reason)
                         .add(stored.created_by)
                         .add(stored.base_url)
                         .add(stored.created_at)
                         .add(stored.finished_at))
                    .int64(0, 0);
    // A campaign may target thousands of devices: one COPY instead of a round trip each.
    if (!stored.device_ids.empty()) {
      PgCopyRows rows;
      for (std::size_t i = 0; i < stored.device_ids.size(); ++i) {
        rows.int64(stored.id).int64(static_cast<std::int64_t>(i)).text(stored.device_ids[i]);
        rows.end_row();
      }
      c.copy_in("COPY ota_campaign_targets(campaign_id, position, device_id) FROM STDIN",
                rows.data());
    }
    tx.commit();
  });
  return stored;
}

std::optional<Campaign> PostgresOtaStore::find_campaign(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    return first_campaign(c, c.query(select_campaigns(" WHERE id = $1"), PgParams().add(id)));
  });
}

std::vector<Campaign> PostgresOtaStore::list_campaigns(int limit, std::int64_t offset) {
  return pool_.run([&](PgConnection& c) {
    return campaigns_with_targets(
        c, c.query(select_campaigns(" ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"),
                   PgParams().add(limit).add(offset)));
  });
}

std::vector<Campaign> PostgresOtaStore::running_campaigns() {
  return pool_.run([&](PgConnection& c) {
    return campaigns_with_targets(
        c, c.query(select_campaigns(" WHERE status = 'running' ORDER BY id")));
  });
}

std::optional<Campaign> PostgresOtaStore::finish_campaign(std::int64_t id,
                                                          std::string_view status,
                                                          std::string_view reason,
                                                          EpochMs now) {
  std::optional<EpochMs> finished;
  if (status != "running") finished = now;
  return pool_.run([&](PgConnection& c) {
    return first_campaign(
        c, c.query("UPDATE ota_campaigns SET status = $2, reason = $3, updated_at = $4,"
                   " finished_at = $5 WHERE id = $1 AND status = 'running' RETURNING " +
                       std::string(ota_records::kCampaignColumns),
                   PgParams().add(id).add(status).add(reason).add(now).add(finished)));
  });
}

std::vector<OtaUpdate> PostgresOtaStore::campaign_updates(std::int64_t campaign_id) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(c.query(select_updates(" WHERE campaign_id = $1 ORDER BY created_at, id"),
                             PgParams().add(campaign_id)),
                     read_ota_update<PgRow>);
  });
}

CampaignProgress PostgresOtaStore::campaign_progress(std::int64_t campaign_id) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(
               c.query("SELECT (SELECT COUNT(*) FROM ota_campaign_targets"
                       " WHERE campaign_id = $1), COUNT(*),"
                       " COUNT(*) FILTER (WHERE status = 'success'),"
                       " COUNT(*) FILTER (WHERE status IN ('failed', 'timed_out', 'cancelled')),"
                       " COUNT(*) FILTER (WHERE completed_at IS NULL)"
                       " FROM ota_history WHERE campaign_id = $1",
                       PgParams().add(campaign_id)),
               ota_records::read_campaign_progress<PgRow>)
        .at(0);
  });
}

std::vector<std::string> PostgresOtaStore::campaign_next_targets(std::int64_t campaign_id,
                                                                 int limit) {
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(
        "SELECT t.device_id FROM ota_campaign_targets t WHERE t.campaign_id = $1"
        " AND NOT EXISTS (SELECT 1 FROM ota_history h WHERE h.campaign_id = t.campaign_id"
        " AND h.device_id = t.device_id) ORDER BY t.position LIMIT $2",
        PgParams().add(campaign_id).add(limit));
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) out.push_back(q.string(i, 0));
    return out;
  });
}

}  // namespace blazeiot
