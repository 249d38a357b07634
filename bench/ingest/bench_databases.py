"""Where the ingest benchmark's platform stores, and how the benchmark counts what arrived.

SQLite: the platform's file, opened read-only. PostgreSQL: a fresh database per run on a
private server (scripts/postgres-test-server.sh, started and stopped by the benchmark) or on
a server given by URI; rows are counted over libpq (through ctypes: no Python driver is
installed, and a psql process per poll would cost more than the poll).
"""
import ctypes
import ctypes.util
import os
import sqlite3
import subprocess
import tempfile
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PG_TEST_SERVER = os.path.join(ROOT, "scripts", "postgres-test-server.sh")


class DatabaseError(Exception):
    pass


class _Libpq:
    """The handful of libpq calls the benchmark needs."""

    def __init__(self):
        path = ctypes.util.find_library("pq") or "libpq.so.5"
        lib = ctypes.CDLL(path)
        lib.PQconnectdb.restype = ctypes.c_void_p
        lib.PQconnectdb.argtypes = [ctypes.c_char_p]
        lib.PQstatus.argtypes = [ctypes.c_void_p]
        lib.PQerrorMessage.restype = ctypes.c_char_p
        lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
        lib.PQexec.restype = ctypes.c_void_p
        lib.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.PQresultStatus.argtypes = [ctypes.c_void_p]
        lib.PQresultErrorMessage.restype = ctypes.c_char_p
        lib.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
        lib.PQntuples.argtypes = [ctypes.c_void_p]
        lib.PQnfields.argtypes = [ctypes.c_void_p]
        lib.PQgetvalue.restype = ctypes.c_char_p
        lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.PQclear.argtypes = [ctypes.c_void_p]
        lib.PQfinish.argtypes = [ctypes.c_void_p]
        self.lib = lib


_libpq = None

PGRES_COMMAND_OK, PGRES_TUPLES_OK = 1, 2


class PgClient:
    """One libpq connection; query() returns the rows as lists of strings."""

    def __init__(self, conninfo):
        global _libpq
        _libpq = _libpq or _Libpq()
        self._pq = _libpq.lib
        self._conn = self._pq.PQconnectdb(conninfo.encode())
        if self._pq.PQstatus(self._conn) != 0:
            message = self._pq.PQerrorMessage(self._conn).decode(errors="replace").strip()
            self.close()
            raise DatabaseError(f"cannot connect to {conninfo}: {message}")

    def query(self, sql):
        result = self._pq.PQexec(self._conn, sql.encode())
        try:
            if self._pq.PQresultStatus(result) not in (PGRES_COMMAND_OK, PGRES_TUPLES_OK):
                raise DatabaseError(self._pq.PQresultErrorMessage(result).decode(errors="replace").strip())
            return [[(self._pq.PQgetvalue(result, r, c) or b"").decode()
                     for c in range(self._pq.PQnfields(result))]
                    for r in range(self._pq.PQntuples(result))]
        finally:
            self._pq.PQclear(result)

    def scalar(self, sql):
        return self.query(sql)[0][0]

    def close(self):
        if self._conn:
            self._pq.PQfinish(self._conn)
            self._conn = None


def with_database(uri, name):
    """The URI naming another database on the same server."""
    base, _, params = uri.partition("?")
    if base.count("/") > 2:
        base = base[:base.rfind("/")]
    return f"{base}/{name}" + (f"?{params}" if params else "")


class PrivatePostgres:
    """A throwaway PostgreSQL 15 in a directory of its own, stopped (by PID) and removed by
    stop(). Not inside the benchmark's work directory: as root the server runs as `postgres`,
    which must be able to reach its directory."""

    def __init__(self, durable):
        self.dir = tempfile.mkdtemp(prefix="blazeiot-bench-pg.")
        directory = self.dir
        env = dict(os.environ, PG_TEST_DURABLE="1" if durable else "0")
        r = subprocess.run([PG_TEST_SERVER, "start", directory], capture_output=True, text=True,
                           env=env, timeout=120)
        if r.returncode != 0:
            raise DatabaseError(f"postgres-test-server.sh start failed:\n{r.stderr}")
        self.uri = r.stdout.strip()
        with open(os.path.join(directory, "data", "postmaster.pid")) as f:
            self.pid = int(f.readline())

    def stop(self):
        subprocess.run([PG_TEST_SERVER, "stop", self.dir], capture_output=True, timeout=60)


class SqliteStore:
    kind = "sqlite"

    def __init__(self, path):
        self.path = path
        self._db = None

    def env(self):
        return {"DB_TYPE": "sqlite", "SQLITE_PATH": self.path}

    def open(self):
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)

    def count(self):
        return self._db.execute("SELECT COUNT(*) FROM sensor_data").fetchone()[0]

    def progress(self, target):
        return self.count()

    def sources(self):
        return self._db.execute("SELECT COUNT(DISTINCT source_id) FROM sensor_data").fetchone()[0]

    def close(self):
        if self._db:
            self._db.close()
            self._db = None

    def drop(self):
        pass


class PostgresStore:
    """A fresh database on the server for one run."""
    kind = "postgres"

    def __init__(self, server_uri):
        self.server_uri = server_uri
        self.name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = PgClient(server_uri)
        try:
            admin.query(f"CREATE DATABASE {self.name}")
        finally:
            admin.close()
        self.uri = with_database(server_uri, self.name)
        self._client = None

    def env(self):
        return {"DB_TYPE": "postgres", "DATABASE_URL": self.uri}

    def open(self):
        self._client = PgClient(self.uri)

    def count(self):
        return int(self._client.scalar("SELECT COUNT(*) FROM sensor_data"))

    def progress(self, target):
        """Rows stored so far, cheaply while far from `target`: COUNT(*) reads every row (15 ms
        at 100k rows, taken from the run it measures), while the identity column's largest
        committed value is an index lookup and never below the count (ids are not reused)."""
        top = int(self._client.scalar("SELECT COALESCE(max(id), 0) FROM sensor_data"))
        return top if top < target else self.count()

    def sources(self):
        return int(self._client.scalar("SELECT COUNT(DISTINCT source_id) FROM sensor_data"))

    def close(self):
        if self._client:
            self._client.close()
            self._client = None

    def drop(self):
        admin = PgClient(self.server_uri)
        try:
            admin.query(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        finally:
            admin.close()
