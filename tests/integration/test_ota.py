"""Firmware OTA and device commands against the real binary and a real Mosquitto: uploads
(multipart and raw, good and bad), signed downloads with ETag and Range resume, an update
followed end to end by a simulated device, timeouts, paced campaigns that halt on failures,
and commands answered or expired."""
import asyncio
import base64
import hashlib
import json
import os
import queue
import socket
import threading
import time

import paho.mqtt.client as mqtt
import pytest
import requests
import websockets
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import Broker, Platform, wait_for

MAX_FIRMWARE = 2 * 1024 * 1024


@pytest.fixture(scope='module')
def env(blazeiot_binary, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ota')
    broker = Broker(tmp).start()
    p = Platform(blazeiot_binary, tmp / 'platform', broker_url=broker.url,
                 env={'OTA_TIMEOUT': '3', 'COMMAND_TIMEOUT': '2',
                      'MAX_FIRMWARE_SIZE': str(MAX_FIRMWARE)})
    p.start()
    p.broker = broker
    p.admin = p.login()
    r = p.api('POST', '/api/users', token=p.admin,
              json={'username': 'viewer1', 'email': 'v1@example.com', 'password': 'viewer-pass',
                    'role': 'viewer'})
    assert r.status_code == 201, r.text
    p.viewer = p.login('viewer1', 'viewer-pass')
    p.upload_dir = p.tmp_dir / 'uploads' / 'firmware'
    yield p
    try:
        p.stop()
    finally:
        broker.stop()


def upload(p, data, version, device_type='esp32', description='test build', token=None,
           filename='firmware.bin', extra=None):
    fields = {'version': version, 'device_type': device_type, 'description': description}
    fields.update(extra or {})
    fields = {k: v for k, v in fields.items() if v is not None}
    return p.api('POST', '/api/ota/firmware', token=token or p.admin,
                 files={'file': (filename, data, 'application/octet-stream')}, data=fields)


def create_device(p, device_id, device_type):
    r = p.api('POST', '/api/devices', token=p.admin,
              json={'device_id': device_id, 'type': device_type})
    assert r.status_code in (201, 409), r.text


def incoming_files(p):
    d = p.upload_dir / '.incoming'
    return sorted(os.listdir(d)) if d.exists() else []


class SimDevice:
    """A device on the broker: receives OTA/<id>/update and CommandRequest/<id>."""

    def __init__(self, broker, device_ids):
        self.inbox = queue.Queue()
        self.client = mqtt.Client(client_id=f'sim-{os.getpid()}-{id(self)}', clean_session=True)
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = lambda c, u, m: self.inbox.put((m.topic, json.loads(m.payload)))
        self.client.connect('127.0.0.1', broker.port)
        self.client.loop_start()
        topics = []
        for d in device_ids:
            topics += [(f'OTA/{d}/update', 1), (f'CommandRequest/{d}', 1)]
        self.client.subscribe(topics)
        assert subscribed.wait(5)

    def next(self, timeout=5):
        return self.inbox.get(timeout=timeout)

    def report(self, device_id, body):
        self.client.publish(f'OTA/{device_id}/response', json.dumps(body), qos=1).wait_for_publish()

    def reply(self, device_id, body):
        self.client.publish(f'CommandResponse/{device_id}', json.dumps(body),
                            qos=1).wait_for_publish()

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class WsCollector:
    """A WebSocket client subscribed to the `ota` channel, collecting messages in a thread."""

    def __init__(self, p, token):
        self.messages = []
        self.ready = threading.Event()
        self.stop = False
        url = f'ws://127.0.0.1:{p.http_port}/ws?token={token}'
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run(url)), daemon=True)
        self.thread.start()
        assert self.ready.wait(5)

    async def _run(self, url):
        async with websockets.connect(url, ping_interval=None) as ws:
            await ws.send(json.dumps({'type': 'subscribe', 'channel': 'ota'}))
            while not self.stop:
                try:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
                except asyncio.TimeoutError:
                    continue
                if m.get('type') == 'subscribed':
                    self.ready.set()
                self.messages.append(m)

    def statuses(self, device_id):
        return [m['status'] for m in self.messages
                if m.get('type') == 'ota_update' and m.get('device_id') == device_id]

    def close(self):
        self.stop = True
        self.thread.join(5)


# ---------------------------------------------------------------------------------------
# Registry


def test_upload_list_latest_and_duplicates(env):
    p = env
    data = os.urandom(300_000)
    r = upload(p, data, '1.2.0', device_type='reg-type')
    assert r.status_code == 201, r.text
    fw = r.json()['data']
    assert fw['size'] == len(data)
    assert fw['sha256'] == hashlib.sha256(data).hexdigest()
    assert fw['version'] == '1.2.0' and fw['device_type'] == 'reg-type'
    assert json.loads(json.dumps(fw['manifest'])) == {
        'device_type': 'reg-type', 'version': '1.2.0', 'size': len(data),
        'sha256': hashlib.sha256(data).hexdigest()}
    stored = p.upload_dir / fw['filename']
    assert stored.read_bytes() == data

    # Semantic order: 1.10.0 is newer than 1.9.0 and 1.2.0.
    assert upload(p, b'x' * 10, '1.10.0', device_type='reg-type').status_code == 201
    assert upload(p, b'y' * 10, '1.9.0', device_type='reg-type').status_code == 201
    r = p.api('GET', '/api/ota/latest?device_type=reg-type')  # public
    assert r.status_code == 200 and r.json()['data']['version'] == '1.10.0'
    assert p.api('GET', '/api/ota/latest?device_type=nothing-here').status_code == 404

    r = upload(p, b'z' * 10, '1.2.0', device_type='reg-type')
    assert r.status_code == 409 and 'already exists' in r.json()['message']
    # The same version for another device type is a different firmware.
    assert upload(p, b'z' * 10, '1.2.0', device_type='reg-other').status_code == 201

    # Raw body with the metadata in the query.
    raw = os.urandom(5000)
    r = p.api('POST', '/api/ota/firmware?version=2.0.0-rc.1&device_type=reg-type&description=raw',
              token=p.admin, data=raw, headers={'Content-Type': 'application/octet-stream'})
    assert r.status_code == 201, r.text
    assert r.json()['data']['sha256'] == hashlib.sha256(raw).hexdigest()

    r = p.api('GET', '/api/ota/firmware?device_type=reg-type', token=p.viewer)
    assert r.status_code == 200
    assert sorted(f['version'] for f in r.json()['data']) == ['1.10.0', '1.2.0', '1.9.0',
                                                               '2.0.0-rc.1']
    assert incoming_files(p) == []


def test_bad_uploads_are_refused_and_leave_nothing(env):
    p = env
    before = sorted(os.listdir(p.upload_dir))
    count = lambda: len(p.api('GET', '/api/ota/firmware', token=p.admin).json()['data'])
    n = count()

    r = upload(p, b'\0' * (MAX_FIRMWARE + 1), '9.0.0')
    assert r.status_code == 413, r.text
    r = upload(p, b'', '9.0.1')
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'file'
    r = upload(p, b'abc', None)
    assert r.status_code == 400 and any(e['field'] == 'version' for e in r.json()['errors'])
    r = upload(p, b'abc', 'v1')
    assert r.status_code == 400 and 'semantic' in r.text
    r = upload(p, b'abc', '9.0.2', device_type='../../etc')
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'device_type'
    r = upload(p, b'abc', '9.0.3', extra={'admin': 'true'})
    assert r.status_code == 400 and 'admin' in r.text
    r = p.api('POST', '/api/ota/firmware', token=p.admin, json={'version': '9.0.4'})
    assert r.status_code == 415
    r = p.api('POST', '/api/ota/firmware?device_type=esp32', token=p.admin, data=b'abc',
              headers={'Content-Type': 'application/octet-stream'})
    assert r.status_code == 400
    assert upload(p, b'abc', '9.0.5', token=p.viewer).status_code == 403
    assert requests.post(p.base_url + '/api/ota/firmware',
                         files={'file': ('a', b'abc')}).status_code == 401
    # A truncated multipart body.
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
            + b'A' * 1000)
    r = p.api('POST', '/api/ota/firmware', token=p.admin, data=body,
              headers={'Content-Type': 'multipart/form-data; boundary=XyZ'})
    assert r.status_code == 400, r.text

    # A client file name with path tricks never becomes a path.
    r = upload(p, b'tricky', '9.1.0', filename='../../../../tmp/evil.bin')
    assert r.status_code == 201
    name = r.json()['data']['filename']
    assert '/' not in name and '..' not in name and 'evil' not in name
    assert (p.upload_dir / name).read_bytes() == b'tricky'

    # An upload cut off in the middle: the connection drops, nothing is kept.
    s = socket.create_connection(('127.0.0.1', p.http_port))
    head = (f'POST /api/ota/firmware?version=9.2.0&device_type=esp32 HTTP/1.1\r\n'
            f'Host: x\r\nAuthorization: Bearer {p.admin}\r\n'
            f'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n')
    s.sendall(head.encode() + b'B' * 300_000)
    wait_for(lambda: incoming_files(p), timeout=5, what='the partial upload to be on disk')
    s.close()
    wait_for(lambda: incoming_files(p) == [], timeout=5, what='the partial file to be removed')

    assert count() == n + 1  # only the path-trick upload, which is valid
    after = set(os.listdir(p.upload_dir)) - set(before)
    assert after == {name}


# ---------------------------------------------------------------------------------------
# Downloads


def test_download_with_etag_and_ranges(env):
    p = env
    data = os.urandom(200_000)
    fw = upload(p, data, '3.0.0', device_type='dl-type').json()['data']
    path = '/firmware/' + fw['filename']

    r = p.api('GET', path, token=p.admin)
    assert r.status_code == 200 and r.content == data
    assert r.headers['Content-Length'] == str(len(data))
    assert r.headers['Accept-Ranges'] == 'bytes'
    etag = r.headers['ETag']
    assert fw['sha256'] in etag

    r = p.api('GET', path, token=p.admin, headers={'Range': 'bytes=100-199'})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers['Content-Range'] == f'bytes 100-199/{len(data)}'
    r = p.api('GET', path, token=p.admin, headers={'Range': 'bytes=-10'})
    assert r.status_code == 206 and r.content == data[-10:]
    r = p.api('GET', path, token=p.admin, headers={'Range': f'bytes={len(data)}-'})
    assert r.status_code == 416
    r = p.api('GET', path, token=p.admin, headers={'If-None-Match': etag})
    assert r.status_code == 304 and r.content == b''
    r = p.api('HEAD', path, token=p.admin)
    assert r.status_code == 200 and r.headers['Content-Length'] == str(len(data))

    assert p.api('GET', path).status_code == 401
    assert p.api('GET', path, token=p.viewer).status_code == 403
    assert p.api('GET', path + '?expires=9999999999&signature=' + '0' * 64).status_code == 403
    for trick in ('/firmware/..%2f..%2fdata%2fblazeiot.db', '/firmware/.incoming',
                  '/firmware/%2e%2e', '/firmware/' + fw['filename'] + '%00.txt'):
        assert p.api('GET', trick, token=p.admin).status_code in (400, 404), trick


# ---------------------------------------------------------------------------------------
# One device, end to end


def test_update_end_to_end_with_resumed_download(env):
    p = env
    data = os.urandom(400_000)
    assert upload(p, data, '4.1.0', device_type='e2e-type').status_code == 201
    create_device(p, 'ota-dev-1', 'e2e-type')
    device = SimDevice(p.broker, ['ota-dev-1'])
    ws = WsCollector(p, p.admin)
    try:
        r = p.api('POST', '/api/ota/update', token=p.admin,
                  json={'device_id': 'ota-dev-1', 'firmware_version': '4.1.0'})
        assert r.status_code == 200, r.text
        topic, msg = device.next()
        assert topic == 'OTA/ota-dev-1/update'
        assert msg['device_id'] == 'ota-dev-1' and msg['firmware_version'] == '4.1.0'
        assert msg['size'] == len(data) and msg['sha256'] == hashlib.sha256(data).hexdigest()
        assert msg['timestamp'].endswith('Z')

        # The signature over the manifest verifies with the published key.
        key = p.api('GET', '/api/ota/public-key').json()['data']['public_key']
        manifest = json.dumps(msg['manifest'], separators=(',', ':'))
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key)).verify(
            base64.b64decode(msg['signature']), manifest.encode())
        assert msg['manifest']['sha256'] == msg['sha256']

        device.report('ota-dev-1', {'status': 'accepted'})
        # Download without a token through the signed link, with a power cut halfway.
        url = msg['firmware_url']
        assert url.startswith(p.base_url + '/firmware/') and 'signature=' in url
        half = len(data) // 2
        first = requests.get(url, headers={'Range': f'bytes=0-{half - 1}'}, timeout=10)
        assert first.status_code == 206 and len(first.content) == half
        device.report('ota-dev-1', {'status': 'downloading', 'progress': 50})
        rest = requests.get(url, headers={'Range': f'bytes={half}-',
                                          'If-Range': first.headers['ETag']}, timeout=10)
        assert rest.status_code == 206
        image = first.content + rest.content
        assert hashlib.sha256(image).hexdigest() == msg['sha256']
        device.report('ota-dev-1', {'status': 'success', 'firmware_version': '4.1.0'})

        def final():
            h = p.api('GET', '/api/ota/history/ota-dev-1', token=p.viewer).json()['data']
            return h and h[0]['status'] == 'success' and h[0]
        last = wait_for(final, timeout=5, what='the update to succeed')
        assert last['completed_at'] and last['firmware_version'] == '4.1.0'
        dev = p.api('GET', '/api/devices/ota-dev-1', token=p.viewer).json()['data']
        assert dev['firmware_version'] == '4.1.0'
        wait_for(lambda: 'success' in ws.statuses('ota-dev-1'), timeout=5,
                 what='the WebSocket to report success')
        seen = ws.statuses('ota-dev-1')
        for s in ('pending', 'sent', 'accepted', 'downloading', 'success'):
            assert s in seen, seen
        # A link for one file opens no other.
        other = url.replace(url.split('/firmware/')[1].split('?')[0], 'x.bin')
        assert requests.get(other, timeout=10).status_code == 403
    finally:
        ws.close()
        device.close()


def test_update_without_answer_times_out(env):
    p = env
    assert upload(p, b'quiet', '5.0.0', device_type='quiet-type').status_code == 201
    create_device(p, 'ota-dev-quiet', 'quiet-type')
    r = p.api('POST', '/api/ota/update', token=p.admin,
              json={'device_id': 'ota-dev-quiet', 'firmware_version': '5.0.0'})
    assert r.status_code == 200
    started = time.monotonic()

    def timed_out():
        h = p.api('GET', '/api/ota/history/ota-dev-quiet', token=p.admin).json()['data']
        return h[0]['status'] == 'timed_out'
    wait_for(timed_out, timeout=8, what='the update to time out')
    assert time.monotonic() - started >= 2.5  # OTA_TIMEOUT is 3 s
    logs = p.api('GET', '/api/logs?category=ota&level=warn', token=p.admin).json()['data']
    assert any('ota-dev-quiet' in l['message'] and 'timed out' in l['message'] for l in logs)


def test_update_bad_input(env):
    p = env
    create_device(p, 'ota-dev-bad', 'bad-type')
    cases = [({'device_id': 'ota-dev-bad'}, 400),
             ({'device_id': 'nope-404', 'firmware_version': '1.0.0'}, 404),
             ({'device_id': 'ota-dev-bad', 'firmware_version': '8.8.8'}, 404),
             ({'device_id': 'ota-dev-bad', 'firmware_version': '1.0.0',
               'firmware_url': 'ftp://x'}, 400),
             ({'device_id': 'a/b', 'firmware_version': '1.0.0'}, 400)]
    for body, status in cases:
        r = p.api('POST', '/api/ota/update', token=p.admin, json=body)
        assert r.status_code == status, (body, r.text)
    assert p.api('POST', '/api/ota/update', token=p.viewer,
                 json={'device_id': 'ota-dev-bad', 'firmware_version': '1.0.0'}).status_code == 403


# ---------------------------------------------------------------------------------------
# Campaigns


def test_campaign_is_paced_and_halts_on_failures(env):
    p = env
    fw = upload(p, b'campaign-image', '6.0.0', device_type='fleet').json()['data']
    ids = [f'fleet-{i:02d}' for i in range(10)]
    for d in ids:
        create_device(p, d, 'fleet')
    device = SimDevice(p.broker, ids)
    try:
        r = p.api('POST', '/api/ota/campaigns', token=p.admin,
                  json={'firmware_id': fw['id'], 'device_type': 'fleet', 'per_minute': 20,
                        'max_failure_ratio': 0.3})
        assert r.status_code == 201, r.text
        campaign = r.json()['data']
        assert campaign['progress']['targets'] == 10

        # The first three succeed, every later one fails.
        arrivals = []
        answered = 0
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                topic, msg = device.next(timeout=0.5)
            except queue.Empty:
                c = p.api('GET', f'/api/ota/campaigns/{campaign["id"]}', token=p.admin).json()
                if c['data']['status'] != 'running':
                    break
                continue
            arrivals.append(time.monotonic())
            d = msg['device_id']
            status = 'success' if answered < 3 else 'failed'
            body = {'status': status, 'firmware_version': '6.0.0'}
            if status == 'failed':
                body['error'] = 'flash write error'
            device.report(d, body)
            answered += 1
        c = p.api('GET', f'/api/ota/campaigns/{campaign["id"]}', token=p.admin).json()['data']
        assert c['status'] == 'halted', c
        assert 'failure ratio' in c['reason']
        # 3 successes, then failures: 1/4 = 0.25 is within 0.3, 2/5 = 0.4 is not.
        assert c['progress']['started'] == 5, c
        assert 4 <= len(arrivals) <= 5
        # One device per 3 s (slots long enough for a device's answer to be in before the next
        # start, however slow the machine): the fifth went out about 12 s after the first.
        assert arrivals[-1] - arrivals[0] >= 7.5, arrivals
        updates = p.api('GET', f'/api/ota/campaigns/{campaign["id"]}/updates',
                        token=p.admin).json()['data']
        assert len(updates) == 5
        assert all(u['campaign_id'] == campaign['id'] for u in updates)
        # Halted means no more starts: wait longer than one slot (3 s at 20 a minute) and look.
        time.sleep(60 / 20 + 0.5)
        assert p.api('GET', f'/api/ota/campaigns/{campaign["id"]}',
                     token=p.admin).json()['data']['progress']['started'] == 5
    finally:
        device.close()


def test_campaign_stopped_by_hand_and_firmware_in_use(env):
    p = env
    fw = upload(p, b'slow-image', '7.0.0', device_type='slow').json()['data']
    for i in range(3):
        create_device(p, f'slow-{i}', 'slow')
    create_device(p, 'cmd-dev-other-type', 'fleet')
    r = p.api('POST', '/api/ota/campaigns', token=p.admin,
              json={'firmware_id': fw['id'], 'device_ids': ['slow-0', 'slow-1', 'slow-2'],
                    'per_minute': 1})
    assert r.status_code == 201, r.text
    cid = r.json()['data']['id']
    assert p.api('DELETE', f'/api/ota/firmware/{fw["id"]}', token=p.admin).status_code == 409
    assert p.api('POST', f'/api/ota/campaigns/{cid}/stop', token=p.viewer).status_code == 403
    r = p.api('POST', f'/api/ota/campaigns/{cid}/stop', token=p.admin)
    assert r.status_code == 200 and r.json()['data']['status'] == 'stopped'
    assert p.api('POST', f'/api/ota/campaigns/{cid}/stop', token=p.admin).status_code == 409
    assert r.json()['data']['progress']['started'] == 1

    bad = [{'firmware_id': fw['id']},
           {'firmware_id': fw['id'], 'device_ids': ['ghost-device']},
           {'firmware_id': fw['id'], 'device_ids': ['slow-0', 'slow-0']},
           {'firmware_id': fw['id'], 'device_ids': ['slow-0', 'cmd-dev-other-type']},
           {'firmware_id': fw['id'], 'device_type': 'slow', 'max_failure_ratio': 2},
           {'firmware_id': 999999, 'device_type': 'slow'},
           {'firmware_id': fw['id'], 'device_type': 'slow', 'per_minute': 0}]
    for body in bad:
        r = p.api('POST', '/api/ota/campaigns', token=p.admin, json=body)
        assert r.status_code in (400, 404), (body, r.text)

    # Unused firmware can go, and its file with it.
    spare = upload(p, b'spare', '7.0.1', device_type='slow').json()['data']
    assert p.api('DELETE', f'/api/ota/firmware/{spare["id"]}', token=p.admin).status_code == 200
    assert not (p.upload_dir / spare['filename']).exists()
    assert p.api('GET', f'/api/ota/firmware/{spare["id"]}', token=p.admin).status_code == 404


# ---------------------------------------------------------------------------------------
# Commands


def test_commands_complete_or_expire(env):
    p = env
    create_device(p, 'cmd-dev', 'any')
    device = SimDevice(p.broker, ['cmd-dev'])
    try:
        r = p.api('POST', '/api/commands/send', token=p.admin,
                  json={'device_id': 'cmd-dev', 'command': 'reboot', 'params': {'delay': 5}})
        assert r.status_code == 201, r.text
        cmd = r.json()['data']
        topic, msg = device.next()
        assert topic == 'CommandRequest/cmd-dev'
        assert msg['command_id'] == cmd['command_id'] and msg['command'] == 'reboot'
        assert msg['params'] == {'delay': 5} and msg['device_id'] == 'cmd-dev'
        device.reply('cmd-dev', {'command_id': cmd['command_id'], 'status': 'success',
                                 'result': {'uptime': 3}})

        def done():
            c = p.api('GET', f'/api/commands/{cmd["command_id"]}', token=p.viewer).json()
            return c['data']['status'] == 'success' and c['data']
        c = wait_for(done, timeout=5, what='the command to complete')
        assert c['result'] == {'uptime': 3}

        r = p.api('POST', '/api/commands/send', token=p.admin,
                  json={'device_id': 'cmd-dev', 'command': 'blink'})
        unanswered = r.json()['data']
        assert unanswered['params'] == {}
        device.next()
        wait_for(lambda: p.api('GET', f'/api/commands/{unanswered["command_id"]}',
                               token=p.admin).json()['data']['status'] == 'expired',
                 timeout=6, what='the command to expire')
        # A late or forged answer changes nothing.
        device.reply('cmd-dev', {'command_id': unanswered['command_id'], 'status': 'success'})
        time.sleep(0.5)
        assert p.api('GET', f'/api/commands/{unanswered["command_id"]}',
                     token=p.admin).json()['data']['status'] == 'expired'

        r = p.api('GET', '/api/commands?device_id=cmd-dev', token=p.viewer)
        assert r.status_code == 200 and r.json()['count'] == 2
        assert r.json()['data'][0]['command_id'] == unanswered['command_id']  # newest first
    finally:
        device.close()

    for body, status in [({'device_id': 'nobody', 'command': 'x'}, 404),
                         ({'device_id': 'cmd-dev'}, 400),
                         ({'device_id': 'cmd-dev', 'command': 'rm -rf /'}, 400),
                         ({'device_id': 'cmd-dev', 'command': 'x', 'params': [1]}, 400),
                         ({'device_id': 'cmd-dev', 'command': 'x', 'extra': 1}, 400)]:
        r = p.api('POST', '/api/commands/send', token=p.admin, json=body)
        assert r.status_code == status, (body, r.text)
    assert p.api('POST', '/api/commands/send', token=p.viewer,
                 json={'device_id': 'cmd-dev', 'command': 'x'}).status_code == 403
