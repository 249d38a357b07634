"""Presence: inactivity timeout, status messages and the Last Will."""
import time

from harness import SLOWDOWN, PahoPublisher, mosquitto_pub, now_ms, publish_paho

TIMEOUT_S = 2
# A status message or a Last Will takes effect at once, not on the inactivity timeout (300 s
# where this is used).
IMMEDIATE_S = 1.5 * SLOWDOWN


def status_of(platform, table, key, value):
    rows = platform.sql(f'SELECT status FROM {table} WHERE {key} = ?', (value,))
    return rows[0][0] if rows else None


def presence_logs(platform, category, entity_id, word):
    """logs rows of category that say `word` about entity_id (in source, message or details)."""
    return platform.sql(
        'SELECT message FROM logs WHERE category = ? AND message LIKE ? '
        'AND (source = ? OR message LIKE ? OR details LIKE ?)',
        (category, f'%{word}%', entity_id, f'%{entity_id}%', f'%{entity_id}%'))


def watch_until_offline(platform, table, key, value, deadline_s):
    """Polls from now until the row is offline; returns seconds since its last_seen."""
    end = time.monotonic() + deadline_s
    status = None
    while time.monotonic() < end:
        status, last_seen = platform.sql(f'SELECT status, last_seen FROM {table} WHERE {key} = ?',
                                         (value,))[0]
        if status == 'offline':
            return (now_ms() - last_seen) / 1000.0
        time.sleep(0.02)
    raise AssertionError(f'{table} {value} still {status!r} {deadline_s} s later '
                         f'(DEVICE_OFFLINE_TIMEOUT={TIMEOUT_S})')


def test_device_goes_offline_after_timeout_and_back_online(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': TIMEOUT_S})
    device = 'PresDev1'
    publish_paho(broker, f'SensorData/{device}', {'device_id': device, 'value': 1})
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      what='device online')
    last_seen = platform.sql('SELECT last_seen FROM devices WHERE device_id = ?', (device,))[0][0]
    assert presence_logs(platform, 'device', device, 'offline') == []

    # Shortly before the timeout the device is still online ...
    time.sleep(max(0.0, (last_seen + (TIMEOUT_S - 0.6) * 1000 - now_ms()) / 1000.0))
    assert status_of(platform, 'devices', 'device_id', device) == 'online', \
        f'offline {(now_ms() - last_seen) / 1000:.2f} s after last_seen, before the timeout'

    # ... and offline shortly after it (never before it).
    elapsed = watch_until_offline(platform, 'devices', 'device_id', device,
                                  TIMEOUT_S + 2.5 - (now_ms() - last_seen) / 1000.0)
    assert TIMEOUT_S - 0.05 <= elapsed <= TIMEOUT_S + 2.5, elapsed
    platform.wait_for(lambda: presence_logs(platform, 'device', device, 'offline'),
                      what='device offline log row')

    # The next message brings it back, and says so in the log.
    online_logs = len(presence_logs(platform, 'device', device, 'online'))
    mosquitto_pub(broker, f'SensorData/{device}', '{"value": 2}')
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      timeout=3, what='device online again')
    platform.wait_for(lambda: len(presence_logs(platform, 'device', device, 'online')) >
                      online_logs, what='device online log row')


def test_gateway_and_its_nodes_time_out(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': TIMEOUT_S})
    gw, mac = 'PresGw1', '10:20:30:40:50:60'
    publish_paho(broker, f'BLEGatewayData/{gw}', {'gateway_id': gw, 'mac': mac, 'rssi': -50})
    platform.wait_for(lambda: status_of(platform, 'nodes', 'mac', mac) == 'online',
                      what='node online')
    assert status_of(platform, 'gateways', 'gateway_id', gw) == 'online'
    elapsed_gw = watch_until_offline(platform, 'gateways', 'gateway_id', gw, TIMEOUT_S + 3)
    assert TIMEOUT_S - 0.05 <= elapsed_gw <= TIMEOUT_S + 2.5, elapsed_gw
    platform.wait_for(lambda: status_of(platform, 'nodes', 'mac', mac) == 'offline', timeout=2,
                      what='node offline')
    platform.wait_for(lambda: presence_logs(platform, 'gateway', gw, 'offline'),
                      what='gateway offline log row')
    platform.wait_for(lambda: presence_logs(platform, 'node', mac, 'offline'),
                      what='node offline log row')


def test_status_message_sets_presence_immediately(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': 300})
    device = 'PresDev2'
    publish_paho(broker, f'SensorData/{device}', {'device_id': device, 'value': 1})
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      what='device online')
    assert presence_logs(platform, 'device', device, 'offline') == []

    t = time.monotonic()
    publish_paho(broker, f'SensorData/{device}/status', {'status': 'offline'})
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'offline',
                      timeout=IMMEDIATE_S, what='offline from the status message')
    assert time.monotonic() - t < IMMEDIATE_S
    platform.wait_for(lambda: presence_logs(platform, 'device', device, 'offline'),
                      what='device offline log row')

    online_logs = len(presence_logs(platform, 'device', device, 'online'))
    publish_paho(broker, f'SensorData/{device}/status', {'status': 'online'})
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      timeout=IMMEDIATE_S, what='online from the status message')
    platform.wait_for(lambda: len(presence_logs(platform, 'device', device, 'online')) >
                      online_logs, what='device online log row')

    # The id may come from the body too; plain text works as well.
    mosquitto_pub(broker, 'SensorData/whatever/status',
                  '{"device_id":"PresDev2","status":"offline"}')
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'offline',
                      timeout=IMMEDIATE_S, what='offline with the id in the body')
    mosquitto_pub(broker, f'SensorData/{device}/status', 'online')
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      timeout=IMMEDIATE_S, what='online from plain text')

    # Status messages are not readings.
    assert platform.sql('SELECT count(*) FROM sensor_data WHERE source_id = ?', (device,)) == [(1,)]
    assert platform.sql("SELECT count(*) FROM devices WHERE device_id = 'whatever'") == [(0,)]


def test_gateway_status_message(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': 300})
    gw = 'PresGw2'
    publish_paho(broker, f'LoRaGatewayData/{gw}', {'gateway_id': gw, 'node_id': 'N1', 'co2': 400})
    platform.wait_for(lambda: status_of(platform, 'gateways', 'gateway_id', gw) == 'online',
                      what='gateway online')
    mosquitto_pub(broker, f'LoRaGatewayData/{gw}/status', 'offline')
    platform.wait_for(lambda: status_of(platform, 'gateways', 'gateway_id', gw) == 'offline',
                      timeout=IMMEDIATE_S, what='gateway offline from plain text')
    platform.wait_for(lambda: presence_logs(platform, 'gateway', gw, 'offline'),
                      what='gateway offline log row')
    assert platform.sql('SELECT count(*) FROM sensor_data WHERE gateway_id = ?', (gw,)) == [(1,)]


def test_last_will_marks_device_offline_immediately(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': 300})
    device = 'WillDev1'
    dev = PahoPublisher(broker, client_id=device, loop=False,
                        will={'topic': f'SensorData/{device}/status', 'payload': 'offline',
                              'qos': 1, 'retain': False})
    dev.publish(f'SensorData/{device}', {'device_id': device, 'type': 'T', 'value': 20})
    dev.pump(0.2)
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'online',
                      what='device online')
    assert presence_logs(platform, 'device', device, 'offline') == []

    t = time.monotonic()
    dev.drop_connection()  # no DISCONNECT: the broker publishes the will
    platform.wait_for(lambda: status_of(platform, 'devices', 'device_id', device) == 'offline',
                      timeout=IMMEDIATE_S, what='offline from the Last Will')
    assert time.monotonic() - t < IMMEDIATE_S
    platform.wait_for(lambda: presence_logs(platform, 'device', device, 'offline'),
                      what='device offline log row')
    assert platform.sql('SELECT count(*) FROM sensor_data WHERE source_id = ?', (device,)) == [(1,)]
