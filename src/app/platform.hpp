#pragma once
// The composition root: builds every part from the Config, owns start-up and shutdown.
#include <memory>
#include <string>

#include "config/config.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

// Opens the configured database (without migrating it).
std::unique_ptr<Storage> open_storage(const Config& config);
// `blazeiot backup <destination>`: SQLite only (PostgreSQL has pg_dump); returns the exit code.
int backup_db(const Config& config, const std::string& destination);

// `blazeiot serve`: runs until SIGINT/SIGTERM; returns the process exit code.
int serve(const Config& config);

// `blazeiot init-db`: creates or migrates the database; returns the exit code.
int init_db(const Config& config);

// The broker session id: MQTT_CLIENT_ID, or one derived from the host name and the data
// directory, stable across restarts and distinct between installations on one host.
std::string mqtt_client_id(const Config& config);

}  // namespace blazeiot
