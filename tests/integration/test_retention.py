"""DATA_RETENTION_DAYS / LOG_RETENTION_DAYS: what is older goes, shortly after start."""
import json
import sqlite3

from harness import mosquitto_pub, now_ms

DAY_MS = 24 * 3600 * 1000


def test_retention_deletes_old_readings_and_logs_and_keeps_the_rest(broker, platform):
    mosquitto_pub(broker, 'SensorData/Fresh', json.dumps({'device_id': 'Fresh', 'value': 1}))
    platform.wait_for(lambda: platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 1,
                      what='the fresh reading')
    assert platform.stop() == 0

    # A year of history the platform did not write itself: three days old and older.
    old = now_ms() - 3 * DAY_MS
    con = sqlite3.connect(platform.db_path)
    with con:
        con.executemany(
            "INSERT INTO sensor_data(source_type, source_id, data, timestamp)"
            " VALUES ('device', 'Old', '{}', ?)",
            [(old - i * 60_000,) for i in range(12_000)])
        con.execute("INSERT INTO logs(category, level, message, timestamp)"
                    " VALUES ('device', 'info', 'ancient', ?)", (old,))
    con.close()

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
    assert platform.sql("SELECT count(*) FROM logs WHERE message = 'ancient'")[0][0] == 0
    # Recent log entries (this run's start-up, the registration) stay.
    assert platform.sql("SELECT count(*) FROM logs WHERE message LIKE 'Device registered%'")[0][0]

    # And ingest goes on as before.
    mosquitto_pub(broker, 'SensorData/Fresh', json.dumps({'device_id': 'Fresh', 'value': 2}))
    platform.wait_for(lambda: platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 2,
                      what='a reading after the round')
