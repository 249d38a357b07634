"""DATA_RETENTION_DAYS / LOG_RETENTION_DAYS: what is older goes, shortly after start."""
import json
import sqlite3
import time

from harness import STOP_LIMIT_S, mosquitto_pub, now_ms

DAY_MS = 24 * 3600 * 1000


def insert_old_readings(platform, timestamps, old_log_at=None):
    """Adds history the platform did not write itself (the platform is stopped): readings of
    device 'Old' at the given times, and optionally one log entry 'ancient'."""
    con = sqlite3.connect(platform.db_path)
    with con:
        con.executemany(
            "INSERT INTO sensor_data(source_type, source_id, data, timestamp)"
            " VALUES ('device', 'Old', '{}', ?)", [(t,) for t in timestamps])
        if old_log_at is not None:
            con.execute("INSERT INTO logs(category, level, message, timestamp)"
                        " VALUES ('device', 'info', 'ancient', ?)", (old_log_at,))
    con.close()


def test_retention_deletes_old_readings_and_logs_and_keeps_the_rest(broker, platform):
    mosquitto_pub(broker, 'SensorData/Fresh', json.dumps({'device_id': 'Fresh', 'value': 1}))
    platform.wait_for(lambda: platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 1,
                      what='the fresh reading')
    assert platform.stop() == 0

    # Three to eleven days old.
    old = now_ms() - 3 * DAY_MS
    insert_old_readings(platform, [old - i * 60_000 for i in range(12_000)], old_log_at=old)

    platform.env.update({'DATA_RETENTION_DAYS': '2', 'LOG_RETENTION_DAYS': '2'})
    platform.start()
    platform.wait_for(lambda: platform.sql(
        "SELECT count(*) FROM sensor_data WHERE source_id = 'Old'")[0][0] == 0,
        timeout=15, what='old readings deleted')
    assert platform.sql("SELECT source_id FROM sensor_data") == [('Fresh',)]
    platform.wait_for(lambda: platform.sql(
        "SELECT count(*) FROM logs WHERE message LIKE 'retention: deleted 12000 readings%'"
        " AND message LIKE '%DATA_RETENTION_DAYS=2)'")[0][0] == 1,
        what='the retention log entry')
    platform.wait_for(lambda: platform.sql(
        "SELECT count(*) FROM logs WHERE message = 'ancient'")[0][0] == 0,
        what='the old log entry deleted')
    # Recent log entries (this run's start-up, the registration) stay.
    assert platform.sql("SELECT count(*) FROM logs WHERE message LIKE 'Device registered%'")[0][0]

    # And ingest goes on as before.
    mosquitto_pub(broker, 'SensorData/Fresh', json.dumps({'device_id': 'Fresh', 'value': 2}))
    platform.wait_for(lambda: platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 2,
                      what='a reading after the round')


def test_a_stop_during_a_round_ends_it_cleanly(broker, platform):
    """SIGTERM while retention works through a large backlog: it stops after its current chunk,
    its log line still reaches the database, and the platform exits 0 within the 5 s."""
    assert platform.stop() == 0
    old = now_ms() - 10 * DAY_MS
    insert_old_readings(platform, [old - i for i in range(300_000)])

    platform.env['DATA_RETENTION_DAYS'] = '1'
    platform.start()
    left = lambda: platform.sql("SELECT count(*) FROM sensor_data WHERE source_id = 'Old'")[0][0]
    platform.wait_for(lambda: left() < 300_000, timeout=15, interval=0.02,
                      what='the round under way')
    assert left() > 0, 'the round ended before the stop; use a larger backlog'
    t0 = time.monotonic()
    assert platform.stop() == 0
    assert time.monotonic() - t0 < STOP_LIMIT_S
    deleted = platform.sql(
        "SELECT message FROM logs WHERE message LIKE 'retention: deleted % readings%'")
    assert len(deleted) == 1, platform.output()[-2000:]
    assert int(deleted[0][0].split()[2]) == 300_000 - left()
