"""Several instances on one broker and one PostgreSQL database (MQTT_SHARED_GROUP).

Three real `blazeiot serve` processes share a Mosquitto shared subscription and one database
(BLAZEIOT_TEST_PG, a server scripts/test.sh starts). The broker splits the messages between
them; each must be stored exactly once, a WebSocket client on any instance must see what all
of them ingest, and the platform-wide duties (presence timeouts) must run on one instance.
"""
import re
import time

import pytest

from harness import (PahoPublisher, PgDatabase, SeqLoad, WsRecorder, pg_env, shared_pg_server_uri,
                     wait_for)

OFFLINE_TIMEOUT_S = 3
GROUP = 'blazeiot'
LEADS = 'this instance now leads the periodic duties'


@pytest.fixture
def database():
    db = PgDatabase(shared_pg_server_uri())
    yield db
    db.drop()


def start_cluster(make_platform, broker, db, count=3, **extra):
    env = pg_env(db.uri, shared_group=GROUP, DEVICE_OFFLINE_TIMEOUT=OFFLINE_TIMEOUT_S, **extra)
    # Started together: the migrations and the default admin must cope with the race.
    platforms = [make_platform(broker, env=env, start=False) for _ in range(count)]
    for p in platforms:
        p.start(wait=False)
    for p in platforms:
        p.wait_ready(30)
    return platforms


def leaders(platforms):
    return [p for p in platforms if p.alive() and LEADS in p.run_output()]


def received_by(platform, token):
    r = platform.api('GET', '/api/status', token)
    assert r.status_code == 200, r.text
    return r.json()['data']['ingest']['messages_received']


def timeout_logs(db, prefix):
    return db.sql("SELECT source, count(*) FROM logs WHERE category = 'device' AND "
                  f"message LIKE '%is offline (timeout)%' AND source LIKE '{prefix}%' "
                  'GROUP BY source ORDER BY source')


def test_three_instances_split_the_load_store_once_and_share_events(broker, make_platform,
                                                                    database):
    devices = [f'ScaleDev{i:02d}' for i in range(8)]
    count = 3000
    platforms = start_cluster(make_platform, broker, database,
                              WS_SEND_BUFFER=64 * 1024 * 1024)
    token = platforms[0].login()
    assert all(p.login() for p in platforms[1:])
    wait_for(lambda: len(leaders(platforms)) == 1, timeout=10, what='one leader')

    recorder = WsRecorder(platforms[0], token, ['sensor_data', 'devices', 'ota', 'logs']).start()
    try:
        acked = SeqLoad(broker, devices, count, rate=1500).start().finish(timeout=30)
        wait_for(lambda: int(database.scalar('SELECT count(*) FROM sensor_data')) >= count,
                 timeout=30, interval=0.2, what='every message stored')

        # Exactly once: as many rows as messages, one per sequence number.
        rows, distinct = database.sql(
            "SELECT count(*), count(DISTINCT (data::json->>'seq')::int) FROM sensor_data")[0]
        assert (int(rows), int(distinct)) == (count, count)
        assert int(database.scalar('SELECT count(*) FROM devices')) == len(devices)

        # The broker gave every instance a share.
        shares = [received_by(p, token) for p in platforms]
        assert sum(shares) == count, shares
        assert min(shares) >= count // 10, f'load not spread: {shares}'

        # The client on instance 0 saw every reading, whichever instance stored it, once.
        def seqs():
            return [m['data']['seq'] for m in recorder.messages('sensor_data')
                    if m['source_id'].startswith('ScaleDev')]
        wait_for(lambda: len(set(seqs())) >= count, timeout=15, interval=0.2,
                 what='every reading on the WebSocket of instance 0')
        got = seqs()
        assert sorted(got) == sorted(acked), \
            f'{len(got)} events for {len(set(got))} readings (duplicates or strays)'

        # OTA responses, whichever instance receives them, reach it too (once each).
        pub = PahoPublisher(broker)
        for i, device in enumerate(devices):
            pub.publish(f'OTA/{device}/response',
                        {'status': 'downloading', 'firmware_version': '9.9.9', 'progress': i})
        pub.wait_all_acked()
        pub.close()
        wait_for(lambda: len(recorder.messages('ota_update')) >= len(devices), timeout=10,
                 what='every OTA response on the WebSocket of instance 0')

        # Silence: every device times out once, decided by the leader alone.
        wait_for(lambda: int(database.scalar(
            "SELECT count(*) FROM devices WHERE device_id LIKE 'ScaleDev%' AND "
            "status = 'offline'")) == len(devices), timeout=OFFLINE_TIMEOUT_S + 8,
            interval=0.2, what='every device offline after the timeout')
        time.sleep(2)  # time for a second instance to (wrongly) log the same timeout
        assert timeout_logs(database, 'ScaleDev') == [[d, '1'] for d in devices]
        offline_events = [m['device_id'] for m in recorder.messages('device_status')
                          if m['status'] == 'offline']
        assert sorted(offline_events) == devices
        timeout_lines = [m['source'] for m in recorder.messages('system_log')
                         if 'is offline (timeout)' in m['message']]
        assert sorted(timeout_lines) == devices
        ota = sorted((m['device_id'], m['progress']) for m in recorder.messages('ota_update'))
        assert ota == [(d, i) for i, d in enumerate(devices)]
        assert recorder.error is None and not recorder.closed
    finally:
        recorder.stop()
    assert len(leaders(platforms)) == 1
    # Registration races between instances are settled by the database, not by retries.
    for p in platforms:
        assert 'ingest commit failed' not in p.run_output(), p.run_output()[-3000:]


def test_another_instance_takes_over_the_duties_when_the_leader_dies(broker, make_platform,
                                                                     database):
    platforms = start_cluster(make_platform, broker, database)
    wait_for(lambda: len(leaders(platforms)) == 1, timeout=10, what='one leader')
    leader = leaders(platforms)[0]
    leader.kill()
    survivors = [p for p in platforms if p is not leader]
    # Its connection closes with the process, so the advisory lock is free at once; the
    # others try every 2 s.
    wait_for(lambda: len(leaders(survivors)) == 1, timeout=8, what='a new leader')

    # A device heard after the failover times out once, decided by the new leader. (The dead
    # instance's broker session keeps receiving its share of the group's messages until it
    # comes back, so a few messages make sure the live ones get some.)
    pub = PahoPublisher(broker)
    for seq in range(6):
        pub.publish('SensorData/FailoverDev', {'device_id': 'FailoverDev', 'seq': seq})
    pub.wait_all_acked()
    pub.close()
    wait_for(lambda: database.scalar(
        "SELECT status FROM devices WHERE device_id = 'FailoverDev'") == 'online', timeout=10,
        what='the device stored')
    wait_for(lambda: database.scalar(
        "SELECT status FROM devices WHERE device_id = 'FailoverDev'") == 'offline',
        timeout=OFFLINE_TIMEOUT_S + 8, interval=0.2, what='the device offline after the timeout')
    time.sleep(2)
    assert timeout_logs(database, 'FailoverDev') == [['FailoverDev', '1']]
    new_leader = leaders(survivors)[0]
    assert re.search(r'FailoverDev is offline \(timeout\)', new_leader.run_output()), \
        'the timeout was not decided by the new leader'
