"""The command line and configuration: init-db, validation, .env < environment < flags."""
import re
import sqlite3
import subprocess

import pytest

from harness import free_port, mosquitto_pub, platform_env, port_open

TABLES = {'users', 'devices', 'gateways', 'nodes', 'sensor_data', 'logs', 'ota_history',
          'firmware', 'commands', 'schema_migrations'}


def run_cli(binary, tmp_path, *args, env=None, timeout=20):
    return subprocess.run([str(binary), *args], cwd=tmp_path, env=env or platform_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def db_tables(db):
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_init_db_creates_tables_and_is_idempotent(blazeiot_binary, tmp_path):
    env = platform_env(tmp_path)
    db = env['SQLITE_PATH']
    r = run_cli(blazeiot_binary, tmp_path, 'init-db', env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert TABLES <= db_tables(db), db_tables(db)

    con = sqlite3.connect(db)
    migrations = con.execute('SELECT * FROM schema_migrations ORDER BY 1').fetchall()
    assert migrations, 'schema_migrations is empty after init-db'
    con.execute("INSERT INTO devices (device_id, name, created_at, updated_at) "
                "VALUES ('KeepMe', 'kept', 1, 1)")
    con.commit()
    con.close()

    r = run_cli(blazeiot_binary, tmp_path, 'init-db', env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    con = sqlite3.connect(db)
    try:
        assert con.execute('SELECT * FROM schema_migrations ORDER BY 1').fetchall() == migrations
        assert con.execute("SELECT name FROM devices WHERE device_id = 'KeepMe'").fetchall() == \
            [('kept',)]
    finally:
        con.close()
    assert TABLES <= db_tables(db)


BAD_VALUES = [
    ('PORT', 'abc'),
    ('DEVICE_OFFLINE_TIMEOUT', '-1'),
    ('MQTT_URL', 'http://x'),
    ('DB_TYPE', 'oracle'),
]


def names_variable(text, name):
    return re.search(rf'(?<![A-Z_]){name}(?![A-Z_])', text) is not None


@pytest.mark.parametrize('name,value', BAD_VALUES, ids=[n for n, _ in BAD_VALUES])
def test_bad_value_exits_non_zero_naming_the_variable(blazeiot_binary, tmp_path, name, value):
    # A broker URL nobody listens on keeps a wrongly started platform off the embedded broker.
    env = platform_env(tmp_path, f'mqtt://127.0.0.1:{free_port()}', {name: value},
                       port=free_port())
    r = run_cli(blazeiot_binary, tmp_path, 'serve', env=env)
    assert r.returncode != 0, f'{name}={value} accepted:\n{r.stdout}{r.stderr}'
    assert names_variable(r.stderr, name), f'stderr does not name {name}:\n{r.stderr}'


def test_bad_value_in_dotenv_is_rejected(blazeiot_binary, tmp_path):
    (tmp_path / '.env').write_text('DEVICE_OFFLINE_TIMEOUT=soon\n')
    env = platform_env(tmp_path, f'mqtt://127.0.0.1:{free_port()}', port=free_port())
    r = run_cli(blazeiot_binary, tmp_path, 'serve', env=env)
    assert r.returncode != 0, r.stdout + r.stderr
    assert names_variable(r.stderr, 'DEVICE_OFFLINE_TIMEOUT'), r.stderr


def listening(*ports):
    return [p for p in ports if port_open(p)]


def test_dotenv_in_working_directory_is_read(broker, make_platform):
    p1 = free_port()
    platform = make_platform(env={'PORT': None}, start=False)
    (platform.tmp_dir / '.env').write_text(
        f'# operator settings\nPORT={p1}\nMQTT_URL="{broker.url}"\n')
    platform.http_port = p1
    platform.start()
    assert listening(p1) == [p1]
    # MQTT_URL came from .env too: the platform ingests from our broker.
    mosquitto_pub(broker, 'SensorData/DotenvDev', '{"value": 3}')
    platform.wait_for(lambda: platform.sql(
        "SELECT count(*) FROM sensor_data WHERE source_id = 'DotenvDev'")[0][0] == 1,
        what='a reading through the broker named in .env')


def test_environment_wins_over_dotenv(broker, make_platform):
    p1, p2 = free_port(), free_port()
    platform = make_platform(broker, env={'PORT': p2}, start=False)
    (platform.tmp_dir / '.env').write_text(f'PORT={p1}\n')
    platform.start()
    assert listening(p1, p2) == [p2]


def test_flag_wins_over_environment_and_dotenv(broker, make_platform):
    p1, p2, p3 = free_port(), free_port(), free_port()
    platform = make_platform(broker, env={'PORT': p2}, args=['--port', str(p3)], start=False)
    (platform.tmp_dir / '.env').write_text(f'PORT={p1}\n')
    platform.http_port = p3
    platform.start()
    assert listening(p1, p2, p3) == [p3]
