"""The REST resources against the real binary, fed through a real broker: devices, gateways,
nodes, readings, logs, status and health, with their envelopes, filters and error paths."""
import datetime
import sqlite3
import time

import pytest

from harness import Broker, PahoPublisher, Platform, now_ms

NASTY = ("Robert'); DROP TABLE devices;-- <script>alert(\"x\")</script> {{7*7}} ${jndi:x} "
         "../../etc/passwd %00 \u2713 \U0001F525")


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc) \
        .strftime('%Y-%m-%dT%H:%M:%S.') + f'{ms % 1000:03d}Z'


def parse_iso(text):
    assert text.endswith('Z'), text
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ') \
        .replace(tzinfo=datetime.timezone.utc)


@pytest.fixture(scope='module')
def env(blazeiot_binary, tmp_path_factory):
    """A platform with known traffic: 30 readings from Device0001, 5 from Device0002, a BLE
    gateway with two beacons and a LoRa gateway with one node."""
    tmp = tmp_path_factory.mktemp('api-resources')
    broker = Broker(tmp).start()
    p = Platform(blazeiot_binary, tmp / 'platform', broker_url=broker.url)
    p.start()
    p.admin = p.login()
    r = p.api('POST', '/api/users', token=p.admin,
              json={'username': 'watcher', 'email': 'w@example.com', 'password': 'watcher-pass',
                    'role': 'viewer'})
    assert r.status_code == 201
    p.viewer = p.login('watcher', 'watcher-pass')

    p.t_before = now_ms()
    pub = PahoPublisher(broker)
    for i in range(30):
        pub.publish('SensorData/Device0001',
                    {'device_id': 'Device0001', 'type': 'temperature' if i % 2 else 'humidity',
                     'value': 20 + i, 'seq': i, 'unit': 'C', 'timestamp': '2024-11-02T10:30:00Z'})
    for i in range(5):
        pub.publish('SensorData/Device0002', {'device_id': 'Device0002', 'value': i,
                                              'note': NASTY})
    pub.publish('BLEGatewayData/BLEGateway0001', [
        {'gateway_id': 'BLEGateway0001', 'mac': '58:8c:81:ab:a6:16',
         'beacon_name': ' TempHumBeacon4 ', 'temperature': 21.5, 'humidity': 40, 'rssi': -61},
        {'gateway_id': 'BLEGateway0001', 'mac': '58:8c:81:ab:a6:17', 'temperature': 19.0}])
    pub.publish('LoRaGatewayData/LoRaGateway01',
                {'gateway_id': 'LoRaGateway01', 'node_id': 'N7', 'pm2_5': 12.5, 'co2': 410})
    pub.wait_all_acked()
    pub.close()
    p.wait_for(lambda: p.sql('SELECT COUNT(*) FROM sensor_data')[0][0] == 38, timeout=15)
    p.t_after = now_ms()
    yield p
    p.stop()
    broker.stop()


def get(p, path, token=None):
    r = p.api('GET', path, token=token or p.viewer)
    return r.status_code, r.json()


def test_health_is_public(env):
    r = env.api('GET', '/health')
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {'status', 'timestamp', 'uptime'}
    assert body['status'] == 'ok'
    assert abs(parse_iso(body['timestamp']).timestamp() - time.time()) < 5
    assert body['uptime'] > 0


def test_status_reports_real_figures(env):
    status, body = get(env, '/api/status')
    assert status == 200 and body['success'] is True
    d = body['data']
    assert d['version'] == '1.0.0'
    assert d['status'] == 'operational'
    assert d['mqtt']['connected'] is True
    assert d['mqtt']['broker'] == env.broker_url
    assert d['stats']['devices'] == 2 and d['stats']['devices_online'] == 2
    assert d['stats']['gateways'] == 2 and d['stats']['nodes'] == 3
    assert d['ingest']['messages_received'] >= 37
    assert d['ingest']['backlog'] >= 0
    assert d['database']['type'] == 'sqlite'
    assert d['database']['size_bytes'] > 0
    assert d['uptime'] > 0
    assert env.api('GET', '/api/status').status_code == 401


def test_device_list_and_item(env):
    status, body = get(env, '/api/devices')
    assert status == 200
    assert body['success'] is True and body['count'] == 2 == len(body['data'])
    d1 = next(d for d in body['data'] if d['device_id'] == 'Device0001')
    assert d1['status'] == 'online'
    assert env.t_before - 1000 <= parse_iso(d1['last_seen']).timestamp() * 1000 <= env.t_after + 1000
    status, one = get(env, '/api/devices/Device0001')
    assert status == 200 and one['data']['device_id'] == 'Device0001'
    assert isinstance(one['data']['metadata'], dict)
    status, online = get(env, '/api/devices?status=online')
    assert online['count'] == 2
    status, offline = get(env, '/api/devices?status=offline')
    assert offline['count'] == 0
    status, bad = get(env, '/api/devices?status=active')
    assert status == 400 and bad['errors'][0]['field'] == 'status'
    status, missing = get(env, '/api/devices/NoSuchDevice')
    assert status == 404 and missing == {'success': False, 'message': 'Device not found'}


def test_entity_lists_come_in_pages(env):
    """Any MQTT client can register devices, so the lists are paged: 1,000 rows at most."""
    def ids(path, key):
        status, body = get(env, path)
        assert status == 200, body
        return [row[key] for row in body['data']]

    assert ids('/api/devices?limit=1', 'device_id') == ['Device0001']
    assert ids('/api/devices?limit=1&offset=1', 'device_id') == ['Device0002']
    assert ids('/api/devices?offset=2', 'device_id') == []
    assert ids('/api/gateways?limit=1&offset=1', 'gateway_id') == ['LoRaGateway01']
    assert ids('/api/nodes?limit=2', 'mac') == ['58:8c:81:ab:a6:16', '58:8c:81:ab:a6:17']
    assert ids('/api/gateways/BLEGateway0001/nodes?offset=1', 'mac') == ['58:8c:81:ab:a6:17']
    for path in ('/api/devices', '/api/gateways', '/api/nodes'):
        for query, field in (('limit=0', 'limit'), ('limit=1001', 'limit'), ('limit=abc', 'limit'),
                             ('offset=-1', 'offset')):
            status, body = get(env, f'{path}?{query}')
            assert status == 400 and body['errors'][0]['field'] == field, (path, query, body)


def test_device_data_paging(env):
    status, page = get(env, '/api/devices/Device0001/data?limit=10&offset=5')
    assert status == 200
    assert page['count'] == 10 and page['total'] == 30
    seqs = [r['data']['seq'] for r in page['data']]
    assert seqs == list(range(24, 14, -1))  # newest first
    r = page['data'][0]
    assert set(r) == {'id', 'source_type', 'source_id', 'gateway_id', 'type', 'value', 'data',
                      'timestamp', 'device_timestamp'}
    assert r['source_type'] == 'device' and r['source_id'] == 'Device0001'
    assert r['gateway_id'] is None
    assert r['type'] == 'humidity' and r['value'] == 44
    assert r['data'] == {'device_id': 'Device0001', 'type': 'humidity', 'value': 44, 'seq': 24,
                         'unit': 'C', 'timestamp': '2024-11-02T10:30:00Z'}
    assert r['device_timestamp'] == '2024-11-02T10:30:00.000Z'
    parse_iso(r['timestamp'])
    status, default = get(env, '/api/devices/Device0001/data')
    assert default['count'] == 30 and default['total'] == 30
    status, tail = get(env, '/api/devices/Device0001/data?limit=1000&offset=29')
    assert tail['count'] == 1 and tail['total'] == 30
    status, beyond = get(env, '/api/devices/Device0001/data?offset=100')
    assert beyond['count'] == 0 and beyond['total'] == 30


def test_device_data_date_filters(env):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    yesterday = today - datetime.timedelta(days=1)
    tomorrow = today + datetime.timedelta(days=1)
    cases = [
        (f'start_date={today}', 30),
        (f'end_date={today}', 30),               # a bare end date covers that whole day
        (f'end_date={yesterday}', 0),
        (f'start_date={tomorrow}', 0),
        (f'start_date={iso(env.t_before - 1000)}&end_date={iso(env.t_after + 1000)}', 30),
        (f'startDate={yesterday}&endDate={tomorrow}', 30),
        (f'start_date={yesterday}T00:00:00%2B02:00', 30),
    ]
    for query, expected in cases:
        status, body = get(env, f'/api/devices/Device0001/data?{query}')
        assert status == 200, (query, body)
        assert body['count'] == expected and body['total'] == expected, query


@pytest.mark.parametrize('query, field', [
    ('limit=0', 'limit'), ('limit=1001', 'limit'), ('limit=ten', 'limit'), ('limit=', 'limit'),
    ('offset=-1', 'offset'), ('start_date=yesterday', 'start_date'),
    ('end_date=2024-13-01', 'end_date'), ('limit=5&limit=6', 'limit'),
])
def test_device_data_bad_queries(env, query, field):
    status, body = get(env, f'/api/devices/Device0001/data?{query}')
    assert status == 400
    assert body['success'] is False
    assert [e['field'] for e in body['errors']] == [field]


def test_latest_reading(env):
    status, body = get(env, '/api/devices/Device0001/latest')
    assert status == 200 and body['data']['data']['seq'] == 29
    status, body = get(env, '/api/devices/Device0001/latest?type=humidity')
    assert body['data']['data']['seq'] == 28
    status, body = get(env, '/api/devices/Device0001/latest?type=pressure')
    assert status == 404 and body['success'] is False
    status, body = get(env, '/api/devices/Ghost/latest')
    assert status == 404


def test_injection_strings_are_stored_and_returned_verbatim(env):
    status, body = get(env, '/api/devices/Device0002/data?limit=1')
    assert body['data'][0]['data']['note'] == NASTY
    r = env.api('POST', '/api/devices', token=env.admin,
                json={'device_id': "Dev'ice\"<b>", 'name': NASTY, 'type': "'; --",
                      'metadata': {'k': NASTY, 'nested': {'list': [NASTY]}}})
    assert r.status_code == 201, r.text
    status, one = get(env, '/api/devices/Dev\'ice%22%3Cb%3E')
    assert status == 200
    assert one['data']['device_id'] == "Dev'ice\"<b>"
    assert one['data']['name'] == NASTY
    assert one['data']['metadata'] == {'k': NASTY, 'nested': {'list': [NASTY]}}
    stored = env.sql('SELECT name FROM devices WHERE device_id = ?', ("Dev'ice\"<b>",))
    assert stored == [(NASTY,)]
    # Search parameters are bound, not spliced into SQL.
    status, body = get(env, "/api/sensor-data?deviceId=x'%20OR%20'1'='1")
    assert status == 200 and body['count'] == 0
    assert env.api('DELETE', '/api/devices/Dev\'ice%22%3Cb%3E', token=env.admin).status_code == 200


def test_device_create_update_delete(env):
    admin = env.admin
    r = env.api('POST', '/api/devices', token=admin,
                json={'device_id': 'Device0100', 'name': 'Temperature Sensor 1',
                      'type': 'Temperature', 'firmware_version': '1.0.0'})
    assert r.status_code == 201
    d = r.json()['data']
    assert d['status'] == 'offline' and d['last_seen'] is None
    assert abs(parse_iso(d['created_at']).timestamp() - time.time()) < 5
    r = env.api('POST', '/api/devices', token=admin, json={'device_id': 'Device0100'})
    assert r.status_code == 409 and r.json()['success'] is False

    r = env.api('PUT', '/api/devices/Device0100', token=admin,
                json={'name': 'Renamed', 'metadata': {'room': 'B2'}})
    assert r.status_code == 200
    assert r.json()['data']['name'] == 'Renamed'
    assert r.json()['data']['metadata'] == {'room': 'B2'}
    assert r.json()['data']['firmware_version'] == '1.0.0'

    r = env.api('DELETE', '/api/devices/Device0100', token=admin)
    assert r.status_code == 200 and r.json()['success'] is True
    assert env.api('GET', '/api/devices/Device0100', token=admin).status_code == 404
    assert env.api('DELETE', '/api/devices/Device0100', token=admin).status_code == 404
    assert env.api('PUT', '/api/devices/Device0100', token=admin,
                   json={'name': 'x'}).status_code == 404


@pytest.mark.parametrize('body, fields', [
    ({}, ['device_id']),
    ({'device_id': ''}, ['device_id']),
    ({'device_id': 'a/b'}, ['device_id']),
    ({'device_id': 'x' * 129}, ['device_id']),
    ({'device_id': 42}, ['device_id']),
    ({'device_id': 'OK1', 'name': 'n' * 129}, ['name']),
    ({'device_id': 'OK1', 'metadata': 'not-an-object'}, ['metadata']),
    ({'device_id': 'OK1', 'status': 'online'}, ['status']),
    ({'device_id': 'OK1', 'last_seen': 1, 'created_at': 2}, ['created_at', 'last_seen']),
    ({'device_id': 'OK1', 'name': 'tab\there'}, ['name']),
])
def test_device_validation(env, body, fields):
    r = env.api('POST', '/api/devices', token=env.admin, json=body)
    assert r.status_code == 400, r.text
    out = r.json()
    assert out['success'] is False
    assert sorted(e['field'] for e in out['errors']) == fields
    assert all(e['message'] for e in out['errors'])
    assert env.api('GET', '/api/devices/OK1', token=env.admin).status_code == 404


def test_gateways_with_node_count(env):
    status, body = get(env, '/api/gateways')
    assert status == 200 and body['count'] == 2
    by_id = {g['gateway_id']: g for g in body['data']}
    assert by_id['BLEGateway0001']['node_count'] == 2
    assert by_id['BLEGateway0001']['type'] == 'ble'
    assert by_id['LoRaGateway01']['node_count'] == 1
    assert by_id['LoRaGateway01']['type'] == 'lora'
    status, one = get(env, '/api/gateways/BLEGateway0001')
    assert one['data']['node_count'] == 2 and one['data']['status'] == 'online'
    status, nodes = get(env, '/api/gateways/BLEGateway0001/nodes')
    assert nodes['count'] == 2
    names = sorted(n['name'] for n in nodes['data'])
    assert names == ['58:8c:81:ab:a6:17', 'TempHumBeacon4']
    assert get(env, '/api/gateways/Nope')[0] == 404
    assert get(env, '/api/gateways/Nope/nodes')[0] == 404


def test_nodes_and_their_data(env):
    status, body = get(env, '/api/nodes')
    assert status == 200 and body['count'] == 3
    lora = next(n for n in body['data'] if n['gateway_id'] == 'LoRaGateway01')
    assert lora['mac'] == 'N7' and lora['name'] == 'LoRa_N7'
    status, ble = get(env, '/api/nodes?gateway_id=BLEGateway0001')
    assert ble['count'] == 2
    status, data = get(env, '/api/nodes/58:8c:81:ab:a6:16/data')
    assert data['count'] == 1 and data['total'] == 1
    reading = data['data'][0]
    assert reading['source_type'] == 'node' and reading['gateway_id'] == 'BLEGateway0001'
    assert reading['data']['temperature'] == 21.5
    assert reading['data']['beacon_name'] == ' TempHumBeacon4 '
    assert get(env, '/api/nodes/ff:ff:ff:ff:ff:ff/data')[0] == 404


def test_sensor_data_filters(env):
    status, body = get(env, '/api/sensor-data')
    assert status == 200 and body['count'] == 38
    assert 'total' not in body
    status, body = get(env, '/api/sensor-data?deviceId=Device0002')
    assert body['count'] == 5
    assert {r['source_id'] for r in body['data']} == {'Device0002'}
    status, body = get(env, '/api/sensor-data?gatewayId=BLEGateway0001')
    assert body['count'] == 2
    status, body = get(env, '/api/sensor-data?limit=3')
    assert body['count'] == 3
    stamps = [parse_iso(r['timestamp']) for r in body['data']]
    assert stamps == sorted(stamps, reverse=True)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    status, body = get(env, f'/api/sensor-data?startDate={today}&endDate={today}')
    assert body['count'] == 38
    status, body = get(env, f'/api/sensor-data?endDate={today - datetime.timedelta(days=1)}')
    assert body['count'] == 0
    status, body = get(env, '/api/sensor-data?limit=0')
    assert status == 400 and body['errors'][0]['field'] == 'limit'


def test_gateway_and_node_writes(env):
    admin = env.admin
    r = env.api('POST', '/api/gateways', token=admin,
                json={'gateway_id': 'GW-Manual', 'name': 'Hall', 'type': 'ble'})
    assert r.status_code == 201 and r.json()['data']['node_count'] == 0
    assert env.api('POST', '/api/gateways', token=admin,
                   json={'gateway_id': 'GW-Manual'}).status_code == 409
    assert env.api('POST', '/api/gateways', token=admin,
                   json={'gateway_id': 'GW-2', 'node_count': 5}).status_code == 400
    r = env.api('PUT', '/api/gateways/GW-Manual', token=admin, json={'name': 'Hall B'})
    assert r.status_code == 200 and r.json()['data']['name'] == 'Hall B'
    r = env.api('PUT', '/api/nodes/58:8c:81:ab:a6:17', token=admin, json={'name': 'Freezer'})
    assert r.status_code == 200 and r.json()['data']['name'] == 'Freezer'
    r = env.api('PUT', '/api/nodes/58:8c:81:ab:a6:17', token=admin,
                json={'name': 'Freezer', 'gateway_id': 'Other'})
    assert r.status_code == 400
    assert env.api('PUT', '/api/nodes/00:00:00:00:00:00', token=admin,
                   json={'name': 'x'}).status_code == 404
    assert env.api('DELETE', '/api/gateways/GW-Manual', token=admin).status_code == 200
    assert env.api('GET', '/api/gateways/GW-Manual', token=admin).status_code == 404


def test_same_mac_behind_two_gateways_needs_a_gateway_id(make_platform, broker):
    p = make_platform(broker)
    pub = PahoPublisher(broker)
    for gw in ('GA', 'GB'):
        pub.publish(f'BLEGatewayData/{gw}', {'gateway_id': gw, 'mac': 'aa:aa:aa:aa:aa:aa',
                                             'temperature': 1})
    pub.wait_all_acked()
    pub.close()
    p.wait_for(lambda: p.sql('SELECT COUNT(*) FROM nodes')[0][0] == 2)
    admin = p.login()
    r = p.api('PUT', '/api/nodes/aa:aa:aa:aa:aa:aa', token=admin, json={'name': 'x'})
    assert r.status_code == 409 and 'gateway_id' in r.json()['message']
    r = p.api('PUT', '/api/nodes/aa:aa:aa:aa:aa:aa?gateway_id=GB', token=admin, json={'name': 'B'})
    assert r.status_code == 200 and r.json()['data']['gateway_id'] == 'GB'
    r = p.api('DELETE', '/api/nodes/aa:aa:aa:aa:aa:aa?gateway_id=GA', token=admin)
    assert r.status_code == 200
    assert p.sql('SELECT gateway_id, name FROM nodes') == [('GB', 'B')]
    assert p.sql("SELECT COUNT(*) FROM sensor_data WHERE gateway_id = 'GA'")[0][0] == 0
    assert p.sql("SELECT COUNT(*) FROM sensor_data WHERE gateway_id = 'GB'")[0][0] == 1


def test_delete_device_removes_its_readings(make_platform, broker):
    p = make_platform(broker)
    pub = PahoPublisher(broker)
    for i in range(3):
        pub.publish('SensorData/Gone', {'device_id': 'Gone', 'value': i})
    pub.publish('SensorData/Stays', {'device_id': 'Stays', 'value': 1})
    pub.wait_all_acked()
    pub.close()
    p.wait_for(lambda: p.sql('SELECT COUNT(*) FROM sensor_data')[0][0] == 4)
    admin = p.login()
    for _ in range(2):  # the page is cached now
        assert p.api('GET', '/api/devices/Gone/data', token=admin).json()['total'] == 3
    assert p.api('DELETE', '/api/devices/Gone', token=admin).status_code == 200
    assert p.sql('SELECT source_id FROM sensor_data') == [('Stays',)]
    assert p.api('GET', '/api/devices/Gone/data', token=admin).status_code == 404


def test_logs_for_admins_with_filters(env):
    status, body = get(env, '/api/logs', token=env.admin)
    assert status == 200
    assert body['success'] is True
    assert body['total'] >= body['count'] > 0
    status, dev = get(env, '/api/logs?category=device', token=env.admin)
    assert any('Device0001' in e['message'] and 'registered' in e['message'] for e in dev['data'])
    assert all(e['category'] == 'device' for e in dev['data'])
    entry = dev['data'][0]
    assert set(entry) == {'id', 'category', 'level', 'source', 'message', 'details', 'timestamp'}
    assert isinstance(entry['details'], dict)
    parse_iso(entry['timestamp'])
    status, page = get(env, '/api/logs?limit=1&offset=1', token=env.admin)
    assert page['count'] == 1 and page['total'] == body['total']
    today = datetime.datetime.now(datetime.timezone.utc).date()
    status, none = get(env, f'/api/logs?end_date={today - datetime.timedelta(days=1)}',
                       token=env.admin)
    assert none['count'] == 0 and none['total'] == 0
    status, future = get(env, f'/api/logs?start_date={iso(now_ms() + 3600_000)}',
                         token=env.admin)
    assert future['count'] == 0
    status, bad = get(env, '/api/logs?limit=5000', token=env.admin)
    assert status == 400
    assert env.api('GET', '/api/logs', token=env.viewer).status_code == 403
    assert env.api('GET', '/api/logs').status_code == 401


def test_a_repeated_page_shows_a_new_reading_as_soon_as_it_is_acknowledged(make_platform, broker):
    """Pages are cached between readings: the cache must never hide an acknowledged reading,
    nor serve stored data that is not JSON as anything but a string."""
    p = make_platform(broker)
    admin = p.login()
    pub = PahoPublisher(broker)
    pub.publish('SensorData/Cached', {'device_id': 'Cached', 'value': 0})
    pub.wait_all_acked()
    p.wait_for(lambda: p.sql('SELECT COUNT(*) FROM sensor_data')[0][0] == 1)
    for i in range(1, 21):
        for _ in range(3):  # asked again and again, as a dashboard does
            page = p.api('GET', '/api/devices/Cached/data?limit=5', token=admin).json()
        assert page['total'] == i and page['data'][0]['value'] == i - 1
        pub.publish('SensorData/Cached', {'device_id': 'Cached', 'value': i})
        pub.wait_all_acked()  # acknowledged = committed: the next page must include it
    page = p.api('GET', '/api/devices/Cached/data?limit=5', token=admin).json()
    assert page['total'] == 21 and [r['value'] for r in page['data']] == [20, 19, 18, 17, 16]
    pub.close()

    con = sqlite3.connect(p.db_path, timeout=5)
    with con:
        con.execute("UPDATE sensor_data SET data = '{\"broken\": ' WHERE value = 20")
    con.close()
    time.sleep(2.1)  # past the cache's lifetime: the edit above raised no event
    page = p.api('GET', '/api/devices/Cached/data?limit=1', token=admin).json()
    assert page['data'][0]['data'] == '{"broken": '
