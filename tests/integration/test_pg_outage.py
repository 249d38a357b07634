"""PostgreSQL restarts in the middle of a QoS 1 load: nothing acknowledged is lost.

The test owns its PostgreSQL (scripts/postgres-test-server.sh in a temp dir), so it can stop
and start it. Two instances share it through MQTT_SHARED_GROUP. While the database is down,
the ingest keeps what it received (acknowledging nothing: the broker keeps the rest), the API
answers 503 for what needs the database, and afterwards everything resumes: the backlog is
stored, exactly once, the leader is back, and the live stream carries both instances' events.
"""
import time

import pytest

from harness import (PahoPublisher, PgDatabase, PostgresServer, SeqLoad, WsRecorder, pg_env,
                     wait_for, wait_progress)

RATE = 1000  # messages per second, until the database is back (however slow the machine)
MIN_BEFORE_OUTAGE = 1200  # stored before the database goes down
DEVICES = [f'OutageDev{i}' for i in range(4)]
DOWN_S = 3


@pytest.fixture
def pg_server():
    server = PostgresServer()
    yield server
    server.close()


def stored(db):
    return int(db.scalar("SELECT count(*) FROM sensor_data WHERE source_id LIKE 'OutageDev%'"))


def test_database_restart_under_qos1_load_loses_nothing(pg_server, broker, make_platform):
    db = PgDatabase(pg_server.uri)
    env = pg_env(db.uri, shared_group='blazeiot')
    platforms = [make_platform(broker, env=env) for _ in range(2)]
    token = platforms[0].login()

    load = SeqLoad(broker, DEVICES, rate=RATE).start()
    wait_for(lambda: stored(db) >= MIN_BEFORE_OUTAGE, timeout=15, interval=0.1,
             what='ingest under load')

    pg_server.stop_server('fast')
    down_at = time.monotonic()
    try:
        # What needs the database says so, at once and clearly; what does not keeps working.
        r = platforms[0].api('POST', '/api/auth/login',
                             json={'username': 'admin', 'password': 'admin123'})
        assert r.status_code == 503, r.text
        assert r.json() == {'success': False, 'message': r.json()['message']}
        assert 'database' in r.json()['message'].lower(), r.json()
        r = platforms[1].api('GET', '/api/devices', token)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body['success'] is False and body['message'], body
        assert platforms[0].api('GET', '/health').status_code == 200
        assert all(p.alive() for p in platforms)
        time.sleep(max(0.0, DOWN_S - (time.monotonic() - down_at)))
    finally:
        pg_server.start_server()

    # The load goes on for a moment with the database back, then stops.
    acked = load.go_on_for(500).stop().finish(timeout=30)  # every published seq, acknowledged
    count = len(acked)

    # Every acknowledged message is stored, and only once.
    arrived, rows = wait_progress(lambda: stored(db), lambda n: n >= count, 30,
                                  what='the backlog stored after the restart')
    assert arrived, f'{rows} of {count} acknowledged messages stored'
    time.sleep(1)
    rows, distinct = db.sql("SELECT count(*), count(DISTINCT (data::json->>'seq')::int) "
                            "FROM sensor_data WHERE source_id LIKE 'OutageDev%'")[0]
    assert (int(rows), int(distinct)) == (len(acked), len(acked)), \
        f'{rows} rows for {distinct} of {len(acked)} acknowledged messages'

    # Everything resumed: the API, a leader, and the live stream across instances.
    r = platforms[1].api('GET', '/api/devices', token)
    assert r.status_code == 200, r.text
    wait_for(lambda: sum(p.run_output().count('this instance now leads') for p in platforms) >= 2,
             timeout=10, what='leadership taken again after the restart')
    def shares():
        return [p.api('GET', '/api/status', token).json()['data']['ingest']['messages_received']
                for p in platforms]

    before = shares()
    recorder = WsRecorder(platforms[0], token, ['sensor_data']).start()
    try:
        # Two devices' worth of messages: the broker gives both instances a share.
        pub = PahoPublisher(broker)
        for seq in range(20):
            pub.publish(f'SensorData/AfterOutage{seq % 2}',
                        {'device_id': f'AfterOutage{seq % 2}', 'seq': seq})
        pub.wait_all_acked()
        pub.close()
        wait_for(lambda: len([m for m in recorder.messages('sensor_data')
                              if m['source_id'].startswith('AfterOutage')]) >= 20,
                 timeout=15, what='events of both instances on instance 0 after the restart')
    finally:
        recorder.stop()
    after = shares()
    assert all(a > b for a, b in zip(after, before)), f'received before {before}, after {after}'
    assert recorder.error is None and not recorder.closed
