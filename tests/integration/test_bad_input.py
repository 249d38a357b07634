"""Bad MQTT input is rejected, summarised in the log, and never stops good input."""
import json
import time

import pytest

from harness import PahoPublisher

MAX_PAYLOAD = 1024
GOOD = 'GoodDev'


def nested(depth, device):
    """An object whose innermost value sits inside `depth` containers, the outer object included."""
    return '{"device_id":"%s","x":%s0%s}' % (device, '[' * (depth - 1), ']' * (depth - 1))


def sized(size, device):
    """A valid JSON object of exactly `size` bytes."""
    base = json.dumps({'device_id': device, 'pad': ''}, separators=(',', ':'))
    return base.replace('"pad":""', '"pad":"%s"' % ('x' * (size - len(base))))


BAD = [
    ('not JSON', 'SensorData/BadIn', b'not json {'),
    ('empty payload', 'SensorData/BadIn', b''),
    ('truncated JSON', 'SensorData/BadIn', b'{"device_id":"BadTrunc","value":1'),
    ('JSON number', 'SensorData/BadIn', b'42'),
    ('JSON string', 'SensorData/BadIn', b'"BadString"'),
    ('JSON null', 'SensorData/BadIn', b'null'),
    ('JSON true', 'SensorData/BadIn', b'true'),
    ('array of scalars', 'SensorData/BadIn', b'[1,2,3]'),
    ('missing id', 'SensorData', {'type': 'T', 'value': 1, 'marker': 'BAD'}),
    ('empty object', 'SensorData', {}),
    ('empty id', 'SensorData', {'device_id': '', 'value': 1}),
    ('numeric id', 'SensorData', {'device_id': 12345, 'value': 1}),
    ('object id', 'SensorData', {'device_id': {'id': 'BadObj'}, 'value': 1}),
    ('129-char id', 'SensorData', {'device_id': 'B' * 129, 'value': 1}),
    ('129-char id from the topic', 'SensorData/' + 'T' * 129, {'value': 1}),
    ('id with /', 'SensorData', {'device_id': 'Bad/Slash', 'value': 1}),
    ('id with +', 'SensorData', {'device_id': 'Bad+Plus', 'value': 1}),
    ('id with #', 'SensorData', {'device_id': 'Bad#Hash', 'value': 1}),
    ('id with a control character', 'SensorData', {'device_id': 'Bad\x01Ctl', 'value': 1}),
    ('id with a newline', 'SensorData', {'device_id': 'Bad\nNewline', 'value': 1}),
    ('payload over MQTT_MAX_PAYLOAD', 'SensorData/BadIn', sized(MAX_PAYLOAD + 1, 'BadBig')),
    ('payload far over MQTT_MAX_PAYLOAD', 'SensorData/BadIn', sized(20 * MAX_PAYLOAD, 'BadHuge')),
    ('nesting 100 deep', 'SensorData/BadIn', nested(100, 'BadDeep100')),
    ('nesting 34 deep', 'SensorData/BadIn', nested(34, 'BadDeep34')),
    ('objects nested 100 deep', 'SensorData/BadIn',
     '{"device_id":"BadDeepObj",' + '"a":{' * 99 + '"z":0' + '}' * 99 + '}'),
    ('a number beyond a double', 'SensorData/BadIn', b'{"device_id":"BadHugeNum","value":1e999}'),
    ('invalid UTF-8 in the id', 'SensorData/BadIn', b'{"device_id":"BadUtf\xff\xfe","value":1}'),
    ('invalid UTF-8 elsewhere', 'SensorData/BadIn', b'{"device_id":"BadUtf2","note":"\xc3\x28"}'),
    ('BLE without mac', 'BLEGatewayData/BadGw', {'gateway_id': 'BadGw1', 'rssi': -1}),
    ('BLE without gateway_id', 'BLEGatewayData', {'mac': 'aa:bb:cc:00:00:01', 'rssi': -1}),
    ('BLE numeric mac', 'BLEGatewayData/BadGw', {'gateway_id': 'BadGw1', 'mac': 7}),
    ('LoRa without node_id', 'LoRaGatewayData/BadGw', {'gateway_id': 'BadGw2', 'co2': 400}),
]


def rejected_logs(platform):
    return platform.sql("SELECT level, message FROM logs WHERE category = 'mqtt' "
                        "AND message LIKE '%rejected%'")


@pytest.fixture
def bad_input_platform(broker, make_platform):
    return make_platform(broker, env={'MQTT_MAX_PAYLOAD': MAX_PAYLOAD})


def send_good(pub, platform, seq):
    pub.publish(f'SensorData/{GOOD}', {'device_id': GOOD, 'seq': seq})
    platform.wait_for(lambda: platform.sql(
        'SELECT count(*) FROM sensor_data WHERE source_id = ?', (GOOD,))[0][0] == seq + 1,
        timeout=5, what=f'good message {seq}')


def assert_nothing_but_good(platform, good_count):
    rows = platform.sql('SELECT source_id, data FROM sensor_data ORDER BY id')
    assert [r[0] for r in rows] == [GOOD] * good_count, rows
    assert [json.loads(r[1])['seq'] for r in rows] == list(range(good_count))
    assert platform.sql('SELECT device_id FROM devices') == [(GOOD,)]
    assert platform.sql('SELECT gateway_id FROM gateways') == []
    assert platform.sql('SELECT mac FROM nodes') == []


def test_bad_messages_are_rejected_and_ingest_continues(broker, bad_input_platform):
    platform = bad_input_platform
    pub = PahoPublisher(broker)
    started = time.monotonic()
    try:
        for seq, (label, topic, payload) in enumerate(BAD):
            pub.publish(topic, payload)
            # The good message right behind each bad one is stored: nothing stalled.
            try:
                send_good(pub, platform, seq)
            except TimeoutError:
                raise AssertionError(f'ingest stalled after "{label}"; alive: '
                                     f'{platform.alive()}\n{platform.run_output()[-2000:]}')
            assert platform.alive(), f'platform died on "{label}"'
            stored = platform.sql('SELECT source_id FROM sensor_data WHERE source_id != ?',
                                  (GOOD,))
            assert stored == [], f'"{label}" was stored: {stored}'
        pub.wait_all_acked()
    finally:
        pub.close()

    assert_nothing_but_good(platform, len(BAD))
    rows = platform.wait_for(lambda: rejected_logs(platform), timeout=12,
                             what="a 'rejected' summary in logs")
    assert all(level == 'warn' for level, _ in rows), rows
    # Summarised: at most a row per source (the topic's first two levels) and 10 s interval
    # that the run touched, never one per message.
    sources = {'/'.join(topic.split('/')[:2]) for _, topic, _ in BAD}
    intervals = int((time.monotonic() - started) // 10) + 2
    assert len(rows) <= len(sources) * intervals, rows
    assert len(rows) < len(BAD), rows
    assert platform.alive()


def test_flood_of_bad_messages_is_summarised_not_logged_each(broker, bad_input_platform):
    platform = bad_input_platform
    pub = PahoPublisher(broker)
    try:
        for i in range(200):
            pub.publish('SensorData/Flood', b'garbage %d' % i if i % 2 else b'[%d]' % i)
        send_good(pub, platform, 0)
        pub.wait_all_acked()
    finally:
        pub.close()
    assert platform.alive()
    assert_nothing_but_good(platform, 1)
    platform.wait_for(lambda: rejected_logs(platform), timeout=12,
                      what="a 'rejected' summary in logs")
    rows = rejected_logs(platform)
    assert 1 <= len(rows) < 10, f'{len(rows)} log rows for 200 bad messages'


def test_limits_are_inclusive(broker, bad_input_platform):
    """What sits exactly at a limit is accepted, so the rejections above are about the limit."""
    platform = bad_input_platform
    accepted = {
        'L' * 128: json.dumps({'device_id': 'L' * 128, 'value': 1}),
        'ExactlyMaxPayload': sized(MAX_PAYLOAD, 'ExactlyMaxPayload'),
        'Nested30': nested(30, 'Nested30'),
        'Gerät-ü_1.2:3': json.dumps({'device_id': 'Gerät-ü_1.2:3', 'value': 1}),
    }
    assert len(accepted['ExactlyMaxPayload'].encode()) == MAX_PAYLOAD
    pub = PahoPublisher(broker)
    try:
        for payload in accepted.values():
            pub.publish('SensorData/Limits', payload)
        pub.wait_all_acked()
    finally:
        pub.close()
    platform.wait_for(lambda: platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 4,
                      what='four readings at the limits')
    assert sorted(r[0] for r in platform.sql('SELECT source_id FROM sensor_data')) == \
        sorted(accepted)
    assert rejected_logs(platform) == []
