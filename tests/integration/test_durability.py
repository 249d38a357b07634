"""Nothing the broker acknowledged is lost: platform SIGTERM, SIGKILL, broker restart, downtime.

Each message carries a sequence number. A QoS 1 PUBACK only says the broker has the message;
because the platform keeps a persistent session, the broker must hand every such message to
the platform eventually, and the platform may acknowledge it only once it is committed. So
every acknowledged sequence number must end up in sensor_data (duplicates are allowed and
reported, losses are not).
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time

from harness import MOSQUITTO_PUB, STOP_LIMIT_S, SeqLoad, mosquitto_pub, wait_progress

DEVICE = 'DurabilityDev'


def stored_seqs(platform, device=DEVICE):
    return [r[0] for r in platform.sql(
        "SELECT json_extract(data, '$.seq') FROM sensor_data WHERE source_id = ?", (device,))]


def stored_count(platform, device=DEVICE):
    return platform.sql('SELECT count(*) FROM sensor_data WHERE source_id = ?', (device,))[0][0]


def assert_all_arrive(platform, acked, timeout=20, device=DEVICE):
    """Waits until every acked seq is stored, for as long as rows keep arriving and `timeout`
    seconds after the last one did (a slow machine stores a backlog slowly, a lost message
    never); fails naming the missing ones. Returns duplicates."""
    arrived, seqs = wait_progress(lambda: stored_seqs(platform, device),
                                  lambda seqs: acked <= set(seqs), timeout,
                                  what='every acknowledged message')
    if not arrived:
        missing = sorted(acked - set(seqs or []))
        raise AssertionError(f'{len(missing)} of {len(acked)} acknowledged messages lost, e.g. '
                             f'{missing[:20]}\n--- platform output ---\n'
                             f'{platform.output()[-3000:]}')
    seqs = stored_seqs(platform, device)
    assert set(seqs) <= acked, f'unexpected rows: {sorted(set(seqs) - acked)[:20]}'
    duplicates = len(seqs) - len(set(seqs))
    print(f'{len(acked)} acknowledged, {len(seqs)} rows, {duplicates} duplicates')
    return duplicates


def interrupt_platform_under_load(broker, platform, sig, record_property, cycles=3):
    """Stops the platform with sig `cycles` times while a QoS 1 load runs, restarting it each
    time; returns the exit codes and stop durations."""
    load = SeqLoad(broker, [DEVICE], rate=2000).start()
    codes, durations = [], []
    for _ in range(cycles):
        target = stored_count(platform) + 400
        platform.wait_for(lambda: stored_count(platform) >= target, timeout=10,
                          what='ingest under load')
        t = time.monotonic()
        codes.append(platform.stop(sig, timeout=10))
        durations.append(time.monotonic() - t)
        assert load.running, 'the load ended before the platform was stopped'
        platform.start()
    acked = load.stop().finish()
    duplicates = assert_all_arrive(platform, acked)
    record_property('duplicates', duplicates)
    return codes, durations


def test_sigterm_under_qos1_load_loses_nothing(broker, platform, record_property):
    codes, durations = interrupt_platform_under_load(broker, platform, signal.SIGTERM,
                                                     record_property)
    assert codes == [0] * len(codes), f'exit codes after SIGTERM: {codes}'
    assert max(durations) < STOP_LIMIT_S, f'SIGTERM took {durations} s'


def test_sigkill_under_qos1_load_loses_nothing(broker, platform, record_property):
    codes, _ = interrupt_platform_under_load(broker, platform, signal.SIGKILL, record_property)
    assert codes == [-signal.SIGKILL] * len(codes)


def test_broker_restart_under_load_loses_nothing(broker, platform, record_property):
    load = SeqLoad(broker, [DEVICE], rate=2000).start()
    platform.wait_for(lambda: stored_count(platform) >= 400, timeout=10, what='ingest under load')
    broker.restart()
    assert load.running, 'the load ended before the broker was restarted'
    # The load goes on across the restart for a while before it stops.
    acked = load.go_on_for(1000).stop().finish()
    duplicates = assert_all_arrive(platform, acked)
    record_property('duplicates', duplicates)
    assert platform.alive()

    # And the platform's connection is live again, not just drained from before.
    mosquitto_pub(broker, 'SensorData/AfterRestart', '{"value": 1}')
    platform.wait_for(lambda: platform.sql(
        "SELECT count(*) FROM sensor_data WHERE source_id = 'AfterRestart'")[0][0] == 1,
        what='a message after the broker restart')


def test_sigterm_during_a_qos1_flood_stores_each_message_once(broker, platform):
    # A flood the platform cannot keep up with: the broker has messages in flight to it and
    # the platform has PUBACKs on their way back when it stops. A graceful stop must hand the
    # broker every acknowledgement it sent, or the next session gets those messages again and
    # they are stored twice.
    count = 60000
    lines = ''.join(
        json.dumps({'device_id': DEVICE, 'type': 'seq', 'value': seq, 'seq': seq}) + '\n'
        for seq in range(count))
    flood = subprocess.Popen([MOSQUITTO_PUB, '-h', '127.0.0.1', '-p', str(broker.port),
                              '-q', '1', '-t', f'SensorData/{DEVICE}', '-l'],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer = threading.Thread(target=lambda: (flood.stdin.write(lines), flood.stdin.close()),
                              daemon=True)
    writer.start()
    try:
        platform.wait_for(lambda: stored_count(platform) >= 10000, timeout=60,
                          what='ingest under the flood')
        assert platform.stop() == 0
        assert flood.wait(timeout=60) == 0, flood.stderr.read()
    finally:
        if flood.poll() is None:
            flood.kill()
    platform.start()
    duplicates = assert_all_arrive(platform, set(range(count)), timeout=60)
    assert duplicates == 0, f'{duplicates} messages stored twice after a graceful stop'


def test_messages_published_while_down_arrive_after_restart(broker, platform):
    mosquitto_pub(broker, f'SensorData/{DEVICE}', json.dumps({'device_id': DEVICE, 'seq': -1}))
    platform.wait_for(lambda: stored_count(platform) == 1, what='first message')
    assert platform.stop() == 0

    load = SeqLoad(broker, [DEVICE], count=300, rate=5000).start()
    acked = load.finish()
    for seq in range(300, 305):
        mosquitto_pub(broker, f'SensorData/{DEVICE}', json.dumps({'device_id': DEVICE, 'seq': seq}))
    acked |= set(range(300, 305))

    platform.start()
    assert_all_arrive(platform, acked | {-1}, timeout=15)


def test_low_disk_space_pauses_ingest_and_loses_nothing(broker, make_platform, tmp_path):
    """Below MIN_FREE_DISK_MB the platform stops reading (the broker keeps what is published)
    and says so; once space is freed, everything published meanwhile arrives."""
    mib = 1024 * 1024
    free_mb = shutil.disk_usage(tmp_path).free // mib
    # The minimum sits 600 MB under what is free now; taking 900 MB puts the disk below it,
    # and giving them back clears the 256 MB margin. Other tests' files move far less.
    minimum = free_mb - 600
    assert minimum > 64, f'{free_mb} MB free is too little for this test'
    platform = make_platform(broker, env={'MIN_FREE_DISK_MB': minimum})
    token = platform.login()
    mosquitto_pub(broker, f'SensorData/{DEVICE}', json.dumps({'device_id': DEVICE, 'seq': -1}))
    platform.wait_for(lambda: stored_count(platform) == 1, what='first message')
    status = platform.api('GET', '/api/status', token).json()['data']
    assert status['ingest']['paused_for_disk'] is False
    assert status['database']['free_bytes'] > minimum * mib

    filler = tmp_path / 'filler'
    with open(filler, 'wb') as f:
        os.posix_fallocate(f.fileno(), 0, 900 * mib)
    try:
        def paused():
            s = platform.api('GET', '/api/status', token).json()['data']
            return s['ingest']['paused_for_disk'] and s['status'] == 'degraded'
        platform.wait_for(paused, timeout=5, what='ingest paused for disk space')
        load = SeqLoad(broker, [DEVICE], count=200, rate=2000).start()
        acked = load.finish()  # the broker has them all
        # A read already under way when the pause came is still stored; then nothing more.
        time.sleep(0.5)
        held = stored_count(platform)
        time.sleep(1.5)
        assert stored_count(platform) == held < 50, 'ingest went on with too little disk space'
        assert platform.sql("SELECT count(*) FROM logs WHERE level = 'error'"
                            " AND message LIKE 'ingest paused:%MIN_FREE_DISK_MB%'")[0][0] == 1
    finally:
        filler.unlink()
    assert_all_arrive(platform, acked | {-1}, timeout=15)
    resumed = "SELECT count(*) FROM logs WHERE message LIKE 'ingest resumed:%'"
    assert platform.sql(resumed)[0][0] == 1
    status = platform.api('GET', '/api/status', token).json()['data']
    assert status['ingest']['paused_for_disk'] is False and status['status'] == 'operational'


def test_a_backup_taken_during_ingest_is_a_consistent_copy(broker, platform, tmp_path):
    load = SeqLoad(broker, [DEVICE], rate=2000).start()
    platform.wait_for(lambda: stored_count(platform) >= 500, what='ingest under way')
    before = stored_count(platform)
    dest = tmp_path / 'backup.db'
    backup = [platform.binary, 'backup', str(dest)]
    r = subprocess.run(backup, env=platform.env, cwd=platform.tmp_dir, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'checked' in r.stdout, r.stdout
    assert load.running, 'the load ended before the backup did'
    acked = load.stop().finish()

    con = sqlite3.connect(f'file:{dest}?mode=ro', uri=True)
    try:
        assert con.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
        copied = con.execute('SELECT count(*) FROM sensor_data WHERE source_id = ?',
                             (DEVICE,)).fetchone()[0]
        assert before <= copied < len(acked), copied
        assert con.execute("SELECT count(*) FROM devices WHERE device_id = ?",
                           (DEVICE,)).fetchone()[0] == 1
    finally:
        con.close()
    assert dest.read_bytes()[18:20] == b'\x01\x01', 'the copy is still in WAL mode'
    assert dest.stat().st_mode & 0o077 == 0, oct(dest.stat().st_mode)
    assert_all_arrive(platform, acked)  # the platform went on meanwhile

    again = subprocess.run(backup, env=platform.env, cwd=platform.tmp_dir, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 1 and 'never overwrites' in again.stderr, again.stderr
    pg = subprocess.run(backup[:2] + [str(tmp_path / 'pg.db')], cwd=platform.tmp_dir,
                        env={**platform.env, 'DB_TYPE': 'postgres'}, capture_output=True,
                        text=True, timeout=60)
    assert pg.returncode == 2 and 'pg_dump' in pg.stderr, pg.stdout + pg.stderr
