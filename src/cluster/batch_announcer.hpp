#pragma once
// Whether this process announces its committed ingest batches to other instances, and as
// whom. The PostgreSQL telemetry store asks for the payloads inside the committing
// transaction (NOTIFY is transactional: others hear only of what committed). Switched on
// once at start-up, before the ingest starts, when several instances share the database.
#include <cstdint>
#include <string>
#include <vector>

#include "domain/ingest_batch.hpp"

namespace blazeiot {

// The NOTIFY channel the instances share.
inline constexpr const char* kClusterChannel = "blazeiot_events";

void enable_batch_announcements();
bool batch_announcements_enabled();

// Random, fixed for the life of the process: tells a receiver its own announcements apart.
std::uint64_t this_instance_id();

// NOTIFY payloads for the batch; empty unless enabled. OTA responses are left out: the
// platform's OTA status events (from devices' responses and from the OTA service itself,
// which writes outside ingest batches) all travel as event_announcements().
std::vector<std::string> batch_announcements(const IngestBatch& batch);

// NOTIFY payloads for events raised after their data was committed, outside an ingest
// transaction (what `batch` holds, OTA responses included).
std::vector<std::string> event_announcements(const IngestBatch& batch);

}  // namespace blazeiot
