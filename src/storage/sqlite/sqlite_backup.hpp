#pragma once
// `blazeiot backup`: a consistent copy of the SQLite database while the platform runs.
#include <cstdint>
#include <string>

namespace blazeiot {

struct SqliteBackupResult {
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
};

// Copies one snapshot of the database at `source` (every transaction committed before the
// copy began, none after) into the new file `destination`, with SQLite's online backup: the
// platform keeps ingesting meanwhile. The copy is a single self-contained file (rollback
// journal mode; the platform switches it back to WAL when it opens it), readable by its owner
// only, checked with `PRAGMA quick_check`, synced, and only then linked into place, so
// `destination` never holds half a copy. Never overwrites anything. Throws StorageError.
SqliteBackupResult sqlite_backup(const std::string& source, const std::string& destination);

}  // namespace blazeiot
