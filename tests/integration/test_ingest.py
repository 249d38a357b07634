"""MQTT ingest: what a device's or gateway's message turns into in the database."""
import json
import os
import re
import socket
import time

import pytest

from harness import PahoPublisher, mosquitto_pub, now_ms, publish_paho

# 2024-11-02T10:30:00Z
T0_MS = 1730543400000

PUBLISHERS = {
    'mosquitto_pub': mosquitto_pub,
    'paho': publish_paho,
}


def readings(platform, source_id):
    rows = platform.sql(
        'SELECT source_type, source_id, gateway_id, type, value, data, timestamp, device_timestamp '
        'FROM sensor_data WHERE source_id = ? ORDER BY id', (source_id,))
    keys = ('source_type', 'source_id', 'gateway_id', 'type', 'value', 'data', 'timestamp',
            'device_timestamp')
    return [dict(zip(keys, r)) for r in rows]


def wait_readings(platform, source_id, n, timeout=10):
    """Waits until source_id has at least n readings; returns them all."""
    return platform.wait_for(lambda: (lambda r: r if len(r) >= n else None)(
        readings(platform, source_id)), timeout, what=f'{n} readings of {source_id}')


def one_row(platform, query, params=()):
    rows = platform.sql(query, params)
    assert len(rows) == 1, f'{query} {params}: expected one row, got {rows}'
    return rows[0]


@pytest.mark.parametrize('publisher', PUBLISHERS)
def test_single_object_keeps_every_field(broker, platform, publisher):
    device = f'Dev-single-{publisher}'
    payload = {
        'device_id': device, 'type': 'Temperature', 'value': 25.5, 'unit': 'C',
        'battery': 87, 'ok': True, 'tags': ['a', 'b'], 'meta': {'fw': '1.0.0', 'slot': 2},
        'note': None, 'timestamp': '2024-11-02T10:30:00.000Z',
    }
    before = now_ms()
    PUBLISHERS[publisher](broker, f'SensorData/{device}', json.dumps(payload))
    [row] = wait_readings(platform, device, 1)
    after = now_ms()

    assert row['source_type'] == 'device'
    assert row['source_id'] == device
    assert row['gateway_id'] is None
    assert row['type'] == 'Temperature'
    assert row['value'] == 25.5
    assert json.loads(row['data']) == payload
    assert row['device_timestamp'] == T0_MS
    assert before - 1000 <= row['timestamp'] <= after + 1000, (before, row['timestamp'], after)


def test_array_one_row_per_object_and_device_timestamps(broker, platform):
    device = 'Dev-array'
    objects = [
        {'device_id': device, 'type': 'Temperature', 'value': 21, 'seq': 0,
         'timestamp': 1730543400},                        # epoch seconds
        {'device_id': device, 'type': 'Humidity', 'value': 40.25, 'seq': 1,
         'timestamp': 1730543400123},                     # epoch milliseconds
        {'device_id': device, 'type': 'Pressure', 'value': 1013, 'seq': 2,
         'timestamp': '2024-11-02T12:30:00.500+02:00'},   # ISO 8601 with an offset
        {'device_id': device, 'type': 'Status', 'seq': 3, 'state': 'idle'},  # no value, no time
    ]
    mosquitto_pub(broker, 'SensorData/batch', json.dumps(objects))
    rows = wait_readings(platform, device, 4)
    assert len(rows) == 4
    by_seq = {json.loads(r['data'])['seq']: r for r in rows}
    assert sorted(by_seq) == [0, 1, 2, 3]
    for seq, obj in enumerate(objects):
        assert json.loads(by_seq[seq]['data']) == obj
        assert by_seq[seq]['type'] == obj['type']
        assert by_seq[seq]['source_type'] == 'device'
    assert by_seq[0]['value'] == 21
    assert by_seq[1]['value'] == 40.25
    assert by_seq[2]['value'] == 1013
    assert by_seq[3]['value'] is None
    assert by_seq[0]['device_timestamp'] == T0_MS
    assert by_seq[1]['device_timestamp'] == T0_MS + 123
    assert by_seq[2]['device_timestamp'] == T0_MS + 500
    assert by_seq[3]['device_timestamp'] is None


def test_device_auto_registration(broker, platform):
    device = 'Device0001'
    before = now_ms()
    publish_paho(broker, 'SensorData/Device0001', {'device_id': device, 'type': 'T', 'value': 1})
    wait_readings(platform, device, 1)
    name, status, last_seen, created_at = one_row(
        platform, 'SELECT name, status, last_seen, created_at FROM devices WHERE device_id = ?',
        (device,))
    assert name == device
    assert status == 'online'
    assert before - 1000 <= last_seen <= now_ms() + 1000
    assert before - 1000 <= created_at <= now_ms() + 1000

    # A second message updates the device; it neither re-registers nor duplicates it.
    publish_paho(broker, 'SensorData/Device0001', {'device_id': device, 'type': 'T', 'value': 2})
    wait_readings(platform, device, 2)
    assert platform.sql('SELECT count(*) FROM devices WHERE device_id = ?', (device,)) == [(1,)]
    registered = platform.sql(
        "SELECT level, message FROM logs WHERE category = 'device' "
        "AND message LIKE '%registered%' AND message LIKE ?", (f'%{device}%',))
    assert len(registered) == 1, registered
    last_seen2 = one_row(platform, 'SELECT last_seen FROM devices WHERE device_id = ?',
                         (device,))[0]
    assert last_seen2 >= last_seen


def test_ble_gateway_and_nodes(broker, platform):
    gw = 'BLEGateway0001'
    named = {'gateway_id': gw, 'mac': '58:8c:81:ab:a6:16', 'beacon_name': '  TempHumBeacon4 \t',
             'temperature': 22.5, 'humidity': 41, 'rssi': -70, 'battery': 3.1}
    unnamed = {'gateway_id': gw, 'mac': '58:8c:81:ab:a6:17', 'temperature': 19, 'rssi': -80}
    blank = {'gateway_id': gw, 'mac': '58:8c:81:ab:a6:18', 'beacon_name': '   ', 'rssi': -90}
    before = now_ms()
    publish_paho(broker, f'BLEGatewayData/{gw}', named)
    mosquitto_pub(broker, f'BLEGatewayData/{gw}/beacons', json.dumps([unnamed, blank]))
    for obj in (named, unnamed, blank):
        [row] = wait_readings(platform, obj['mac'], 1)
        assert row['source_type'] == 'node'
        assert row['gateway_id'] == gw
        assert json.loads(row['data']) == obj

    gtype, gstatus, glast = one_row(
        platform, 'SELECT type, status, last_seen FROM gateways WHERE gateway_id = ?', (gw,))
    assert (gtype, gstatus) == ('ble', 'online')
    assert glast >= before - 1000

    nodes = platform.sql('SELECT mac, gateway_id, name, status FROM nodes WHERE gateway_id = ? '
                         'ORDER BY mac', (gw,))
    assert nodes == [
        ('58:8c:81:ab:a6:16', gw, 'TempHumBeacon4', 'online'),
        ('58:8c:81:ab:a6:17', gw, '58:8c:81:ab:a6:17', 'online'),
        ('58:8c:81:ab:a6:18', gw, '58:8c:81:ab:a6:18', 'online'),
    ]


def test_same_mac_on_two_gateways_is_two_nodes(broker, platform):
    mac = 'aa:bb:cc:dd:ee:01'
    publish_paho(broker, 'BLEGatewayData/GwA', {'gateway_id': 'GwA', 'mac': mac, 'rssi': -1})
    publish_paho(broker, 'BLEGatewayData/GwB', {'gateway_id': 'GwB', 'mac': mac, 'rssi': -2})
    rows = wait_readings(platform, mac, 2)
    assert sorted(r['gateway_id'] for r in rows) == ['GwA', 'GwB']
    assert platform.sql('SELECT gateway_id FROM nodes WHERE mac = ? ORDER BY gateway_id',
                        (mac,)) == [('GwA',), ('GwB',)]


def test_lora_node_keeps_air_quality_fields(broker, platform):
    gw = 'LoRaGW01'
    payload = {'gateway_id': gw, 'node_id': 'AQ0042', 'pm1_0': 3, 'pm2_5': 7.5, 'pm10': 12,
               'voc': 110, 'co2': 640, 'temperature': 21.25, 'humidity': 45, 'aqi': 31,
               'aqi_category': 'Good', 'rssi_wifi': -61}
    mosquitto_pub(broker, f'LoRaGatewayData/{gw}', json.dumps(payload))
    [row] = wait_readings(platform, 'AQ0042', 1)
    assert row['source_type'] == 'node'
    assert row['gateway_id'] == gw
    assert json.loads(row['data']) == payload

    assert one_row(platform, 'SELECT type, status FROM gateways WHERE gateway_id = ?',
                   (gw,)) == ('lora', 'online')
    assert one_row(platform, 'SELECT mac, name, type, status FROM nodes WHERE gateway_id = ?',
                   (gw,)) == ('AQ0042', 'LoRa_AQ0042', 'lora', 'online')


def test_device_id_from_topic(broker, platform):
    payload = {'type': 'Humidity', 'value': 40}
    publish_paho(broker, 'SensorData/TopicDev7', payload)
    [row] = wait_readings(platform, 'TopicDev7', 1)
    assert row['source_type'] == 'device'
    assert row['type'] == 'Humidity'
    assert row['value'] == 40
    assert json.loads(row['data'])['value'] == 40
    assert one_row(platform, 'SELECT name, status FROM devices WHERE device_id = ?',
                   ('TopicDev7',)) == ('TopicDev7', 'online')

    # The body's id wins over the topic's.
    mosquitto_pub(broker, 'SensorData/TopicDev7', json.dumps({'device_id': 'BodyDev8', 'value': 1}))
    wait_readings(platform, 'BodyDev8', 1)
    assert len(readings(platform, 'TopicDev7')) == 1


def test_ota_response_success_sets_firmware_version(broker, platform):
    device = 'OtaDev1'
    publish_paho(broker, f'SensorData/{device}', {'device_id': device, 'value': 1})
    wait_readings(platform, device, 1)
    assert one_row(platform, 'SELECT firmware_version FROM devices WHERE device_id = ?',
                   (device,))[0] in ('', None)

    def history():
        return platform.sql('SELECT firmware_version, status, progress, error, completed_at '
                            'FROM ota_history WHERE device_id = ? ORDER BY id', (device,))

    pub = PahoPublisher(broker)
    try:
        pub.publish(f'OTA/{device}/response',
                    {'status': 'downloading', 'firmware_version': '1.2.0', 'progress': 40})
        rows = platform.wait_for(lambda: (lambda h: h if h and h[-1][1] == 'downloading'
                                          else None)(history()), what='downloading row')
        assert len(rows) == 1
        assert rows[0][:3] == ('1.2.0', 'downloading', 40)
        assert rows[0][4] is None

        pub.publish(f'OTA/{device}/response', {'status': 'success', 'firmware_version': '1.2.0'})
        rows = platform.wait_for(lambda: (lambda h: h if h and h[-1][1] == 'success'
                                          else None)(history()), what='success row')
        # The open row was updated, not a second one added.
        assert len(rows) == 1, rows
        assert rows[0][0] == '1.2.0'
        assert rows[0][4] is not None
        assert platform.wait_for(lambda: one_row(
            platform, 'SELECT firmware_version FROM devices WHERE device_id = ?',
            (device,))[0] == '1.2.0', what='devices.firmware_version = 1.2.0')

        # A failure records the error and leaves the installed version alone.
        pub.publish(f'OTA/{device}/response', {'device_id': device, 'status': 'failed',
                                                'firmware_version': '1.3.0',
                                                'error': 'checksum mismatch'})
        rows = platform.wait_for(lambda: (lambda h: h if h and h[-1][1] == 'failed'
                                          else None)(history()), what='failed row')
        assert rows[-1][0] == '1.3.0'
        assert rows[-1][3] == 'checksum mismatch'
        assert one_row(platform, 'SELECT firmware_version FROM devices WHERE device_id = ?',
                       (device,))[0] == '1.2.0'
        # OTA responses are not sensor readings.
        assert len(readings(platform, device)) == 1
    finally:
        pub.close()


def test_threads_carry_names_an_operator_can_read(platform):
    """`top -H` and ps show which part of the platform is busy."""
    names = set()
    for tid in os.listdir(f'/proc/{platform.pid}/task'):
        with open(f'/proc/{platform.pid}/task/{tid}/comm') as f:
            names.add(f.read().strip())
    assert {'blazeiot', 'network', 'ingest-writer', 'wal-checkpoint'} <= names, names


def mqtt_packet(first_byte, body):
    """One MQTT control packet: fixed header with the remaining length, then the body."""
    header = bytearray([first_byte])
    n = len(body)
    while True:
        digit, n = n % 128, n // 128
        header.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(header) + body


def mqtt_string(text):
    raw = text.encode()
    return len(raw).to_bytes(2, 'big') + raw


def send_raw_burst(broker, prefix, count):
    """Writes `count` QoS 0 PUBLISH packets for 50 devices in one go, over a raw MQTT
    connection: the broker passes them on as fast as it can, well above the platform's
    gathering rate (mosquitto_pub or paho would be far too slow)."""
    burst = [mqtt_packet(0x10, mqtt_string('MQTT') + bytes([4, 0x02, 0, 60]) +
                         mqtt_string(prefix + '-publisher'))]
    for i in range(count):
        device = f'{prefix}{i % 50:04d}'
        payload = json.dumps({'device_id': device, 'type': 'Temperature', 'value': i})
        burst.append(mqtt_packet(0x30, mqtt_string(f'SensorData/{device}') + payload.encode()))
    burst.append(mqtt_packet(0xE0, b''))  # DISCONNECT
    with socket.create_connection(('127.0.0.1', broker.port), timeout=60) as s:
        s.sendall(b''.join(burst))
        # The broker closes once it has read everything up to the DISCONNECT; closing first,
        # with its CONNACK unread, would reset the connection.
        while s.recv(4096):
            pass


def test_the_last_message_of_a_burst_and_one_after_it_are_stored_at_once(broker, make_platform):
    """Above ~20,000 msg/s the platform lets input gather in the kernel before it reads
    (fewer wake-ups for it and the broker). When the flow stops short of what it waits for,
    a deadline reads what has come: nothing is left waiting for more input that never comes."""
    platform = make_platform(broker, env={'LOG_LEVEL': 'debug'})
    count = 30_000
    # A busy host (other tests beside this one) can pass a burst on slower than the gathering
    # rate: up to three bursts, until one is read gathered.
    marks = []
    for attempt in range(3):
        prefix = f'Burst{attempt}x'
        send_raw_burst(broker, prefix, count)
        platform.wait_for(
            lambda: platform.sql("SELECT COUNT(*) FROM sensor_data WHERE source_id LIKE ?",
                                 (prefix + '%',))[0][0] == count,
            timeout=60, what=f'{count} readings of burst {attempt + 1}')
        marks = [int(m) for m in
                 re.findall(r'waking the reader at (\d+) byte', platform.run_output())]
        if any(m > 1 for m in marks):
            break
    assert any(m > 1 for m in marks), f'reads were never gathered; marks logged: {marks}'

    started = time.monotonic()
    mosquitto_pub(broker, 'SensorData/AfterBurst',
                  json.dumps({'device_id': 'AfterBurst', 'type': 'Temperature', 'value': 1}),
                  qos=0)
    wait_readings(platform, 'AfterBurst', 1, timeout=10)
    # mosquitto_pub's own start is most of this; a reader left waiting would never get it.
    assert time.monotonic() - started < 2.0


def test_retained_messages_are_stored_once_not_again_at_each_restart(broker, make_platform):
    """The broker replays a topic's retained message to every new subscription: a restart of
    the platform must not store it again, nor bring its silent device back online; a retained
    status report (a Last Will) is applied."""
    mosquitto_pub(broker, 'SensorData/RetainedBefore',
                  json.dumps({'device_id': 'RetainedBefore', 'type': 'Temperature', 'value': 1}),
                  extra=('-r',))
    platform = make_platform(broker)
    mosquitto_pub(broker, 'SensorData/RetainedLive',
                  json.dumps({'device_id': 'RetainedLive', 'type': 'Temperature', 'value': 2}),
                  extra=('-r',))
    wait_readings(platform, 'RetainedLive', 1)
    for attempt in range(2):
        platform.stop()
        if attempt == 1:
            # The device's Last Will, retained, while the platform is down.
            mosquitto_pub(broker, 'SensorData/RetainedLive/status', 'offline', extra=('-r',))
        platform.start()
        platform.wait_for(lambda: 'retained messages the broker replays are not stored again'
                          in platform.run_output(), what='the retained replays')
        # A message after the replays: once it is stored, so would they have been.
        marker = f'RetainedMarker{attempt}'
        mosquitto_pub(broker, f'SensorData/{marker}',
                      json.dumps({'device_id': marker, 'type': 'T', 'value': 3}))
        wait_readings(platform, marker, 1)
    assert len(readings(platform, 'RetainedLive')) == 1
    assert readings(platform, 'RetainedBefore') == []
    assert platform.sql("SELECT COUNT(*) FROM devices WHERE device_id = 'RetainedBefore'") == [(0,)]
    assert platform.sql("SELECT status FROM devices WHERE device_id = 'RetainedLive'") == \
        [('offline',)]
