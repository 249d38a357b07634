"""The live stream at /ws, driven by a real WebSocket client against the real platform."""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import time
from datetime import datetime

import ssl

import requests
import websockets

from harness import (SANITIZED, SLOWDOWN, STOP_LIMIT_S, PahoPublisher, make_ca,
                     make_server_cert, mosquitto_pub, publish_paho, wait_for)

CHANNELS = ('devices', 'gateways', 'sensor_data', 'ota', 'logs')
RECV_TIMEOUT_S = 5


# ---------------------------------------------------------------------------------------
# Tokens


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def jwt_secret(platform):
    """The secret the platform signs with: JWT_SECRET, or the one it generated in DATA_DIR."""
    if platform.env.get('JWT_SECRET'):
        return platform.env['JWT_SECRET']
    path = platform.tmp_dir / 'data' / 'jwt_secret'
    return path.read_text().strip()


def mint(secret, exp, header=None, **claims):
    """An HS256 token shaped like the platform's own (issuer, audience, subject)."""
    now = int(time.time())
    payload = {'sub': '1', 'id': 1, 'username': 'admin', 'role': 'admin', 'iat': now,
               'exp': exp, 'iss': 'blazeiot', 'aud': 'blazeiot-api', **claims}
    signing_input = (b64url(json.dumps(header or {'alg': 'HS256', 'typ': 'JWT'}).encode()) +
                     '.' + b64url(json.dumps(payload).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + '.' + b64url(signature)


def tampered(token):
    """The same token with the payload's username changed and the old signature kept."""
    header, payload, signature = token.split('.')
    claims = json.loads(b64url_decode(payload))
    claims['username'] = claims.get('username', '') + 'x'
    return '.'.join([header, b64url(json.dumps(claims).encode()), signature])


# ---------------------------------------------------------------------------------------
# Client helpers


_opened = []  # every client connect() made in the current run()


def run(coro, timeout=45):
    """Runs a scenario, then closes whatever clients it left open (a close handshake with a
    live server is quick; leaving them to the event loop's shutdown is not)."""
    async def scenario():
        try:
            return await asyncio.wait_for(coro, timeout)
        finally:
            await asyncio.gather(*(ws.close() for ws in _opened), return_exceptions=True)
            _opened.clear()

    return asyncio.run(scenario())


def ws_url(platform, token=None):
    url = f'ws://127.0.0.1:{platform.http_port}/ws'
    return f'{url}?token={token}' if token else url


async def connect(platform, token=None, **kwargs):
    kwargs.setdefault('open_timeout', 5)
    ws = await websockets.connect(ws_url(platform, token), close_timeout=2,
                                  ping_interval=None, max_size=2 ** 22, **kwargs)
    _opened.append(ws)
    return ws


async def recv_json(ws, timeout=RECV_TIMEOUT_S):
    raw = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(raw, str), f'expected a text message, got {raw!r}'
    return json.loads(raw)


async def expect(ws, type_, where=lambda m: True, timeout=RECV_TIMEOUT_S):
    """Reads until a message of type_ matching `where` arrives; returns (it, messages before)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            m = await recv_json(ws, max(left, 0.001))
        except asyncio.TimeoutError:
            raise AssertionError(f'no {type_!r} message within {timeout} s; got {seen}') from None
        if m.get('type') == type_ and where(m):
            return m, seen
        seen.append(m)


async def until_pong(ws, timeout=RECV_TIMEOUT_S):
    """Sends a ping; returns every message that arrived before its pong."""
    await ws.send(json.dumps({'type': 'ping'}))
    _, before = await expect(ws, 'pong', timeout=timeout)
    return before


async def closed_with(ws, timeout=RECV_TIMEOUT_S):
    """Reads until the server closes; returns (close code, reason, messages before the close)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            raw = await asyncio.wait_for(ws.recv(), max(left, 0.001))
        except websockets.ConnectionClosed as e:
            if e.rcvd is None:
                return 1006, '', seen
            return e.rcvd.code, e.rcvd.reason, seen
        except asyncio.TimeoutError:
            raise AssertionError(f'still open after {timeout} s; got {seen}') from None
        seen.append(json.loads(raw) if isinstance(raw, str) else raw)


async def connected(platform, token, **kwargs):
    ws = await connect(platform, token, **kwargs)
    hello = await recv_json(ws)
    assert hello.get('type') == 'connected', hello
    return ws


async def subscribed(platform, token, channel, **filters):
    ws = await connected(platform, token)
    await ws.send(json.dumps({'type': 'subscribe', 'channel': channel, **filters}))
    reply, before = await expect(ws, 'subscribed')
    assert reply['channel'] == channel and before == [], (reply, before)
    return ws


def reading(device, seq, type_='Temperature', **extra):
    return {'device_id': device, 'type': type_, 'value': 20 + seq / 10, 'seq': seq, **extra}


def parse_iso(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def vm_rss_kb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError(f'no VmRSS for {pid}')


# ---------------------------------------------------------------------------------------
# Authentication


def test_refuses_missing_or_invalid_tokens_with_1008(platform):
    secret = jwt_secret(platform)
    good = platform.login()
    now = int(time.time())
    cases = {
        'no token': {},
        'not a JWT': {'token': 'not-a-token'},
        'tampered payload': {'token': tampered(good)},
        'signed with another secret': {'token': mint(secret + 'x', now + 600)},
        'expired': {'token': mint(secret, now - 5)},
        'alg none': {'token': mint(secret, now + 600, header={'alg': 'none', 'typ': 'JWT'})},
        'wrong issuer': {'token': mint(secret, now + 600, iss='someone-else')},
        'bad bearer header': {'extra_headers': {'Authorization': 'Bearer ' + tampered(good)}},
        'bad protocol token': {'subprotocols': ['access_token', tampered(good)]},
    }

    async def scenario():
        outcomes = {}
        for name, kwargs in cases.items():
            ws = await connect(platform, **kwargs)
            code, reason, before = await closed_with(ws)
            outcomes[name] = (code, before)
        return outcomes

    outcomes = run(scenario())
    wrong = {name: got for name, got in outcomes.items() if got != (1008, [])}
    assert wrong == {}, f'expected close 1008 before any message; got {wrong}'


def test_refusals_cannot_flood_the_log(platform):
    """A client can have itself refused at will; the log keeps 20 such lines per 10 s."""
    async def scenario():
        for _ in range(40):
            ws = await connect(platform)
            code, _, _ = await closed_with(ws)
            assert code == 1008

    started = time.monotonic()
    run(scenario())
    lines = platform.run_output().count('[ws] refused connection')
    windows = int((time.monotonic() - started) // 10) + 1  # 1 unless the host is very slow
    assert 20 <= lines <= 20 * windows, (lines, windows)


def test_accepts_a_token_in_query_header_or_protocol(platform):
    token = platform.login()
    minted = mint(jwt_secret(platform), int(time.time()) + 600)

    async def scenario():
        ids = []
        for how, kwargs in {
            'query': {'token': token},
            'minted query': {'token': minted},
            'bearer': {'extra_headers': {'Authorization': f'Bearer {token}'}},
            'protocol': {'subprotocols': ['access_token', token]},
        }.items():
            ws = await connect(platform, **kwargs)
            hello = await recv_json(ws)
            assert hello['type'] == 'connected', (how, hello)
            assert isinstance(hello['message'], str) and hello['message'], (how, hello)
            assert isinstance(hello['clientId'], str) and hello['clientId'], (how, hello)
            if how == 'protocol':
                assert ws.subprotocol == 'access_token', ws.response_headers
            ids.append(hello['clientId'])
            assert await until_pong(ws) == []
            await ws.close()
        assert len(set(ids)) == len(ids), f'clientIds are not unique: {ids}'

    run(scenario())


def test_closes_with_1008_when_the_token_expires(platform):
    # The minted token names user 1, the default admin, which the first start creates in the
    # background; a login returns once it exists.
    platform.login()
    exp = int(time.time()) + 5
    token = mint(jwt_secret(platform), exp)

    async def scenario():
        ws = await connected(platform, token)
        # Still served shortly before the expiry ...
        await asyncio.sleep(max(0.0, exp - 2 - time.time()))
        assert await until_pong(ws) == []
        assert time.time() < exp, 'the ping was answered only after the expiry'
        # ... and closed once it has passed.
        code, reason, before = await closed_with(ws, timeout=exp + 2 * SLOWDOWN - time.time())
        return code, time.time(), before

    code, closed_at, before = run(scenario())
    assert code == 1008, f'expected close 1008 at token expiry, got {code}'
    assert closed_at >= exp - 0.05, f'closed {exp - closed_at:.2f} s before the token expired'
    assert before == []


def create_viewer(platform, admin, username):
    r = platform.api('POST', '/api/users', token=admin,
                     json={'username': username, 'email': f'{username}@example.com',
                           'password': f'{username}-pass-1', 'role': 'viewer'})
    assert r.status_code == 201, r.text
    return r.json()['data']['id'], platform.login(username, f'{username}-pass-1')


def test_the_logs_channel_is_for_administrators(platform):
    admin = platform.login()
    _, viewer = create_viewer(platform, admin, 'wslogsviewer')
    assert platform.api('GET', '/api/logs', token=viewer).status_code == 403

    async def scenario():
        ws = await connected(platform, viewer)
        await ws.send(json.dumps({'type': 'subscribe', 'channel': 'logs'}))
        refused, before = await expect(ws, 'error')
        # Other channels stay open to a viewer, and the admin gets the logs.
        await ws.send(json.dumps({'type': 'subscribe', 'channel': 'devices'}))
        ok, _ = await expect(ws, 'subscribed')
        admin_ws = await subscribed(platform, admin, 'logs')
        # The refusal changed nothing: the admin gets the next system_log, the viewer not.
        platform.api('POST', '/api/users', token=admin,
                     json={'username': 'wslogsother', 'email': 'o@example.com',
                           'password': 'other-pass-1', 'role': 'viewer'})
        await expect(admin_ws, 'system_log', lambda m: 'wslogsother' in m.get('message', ''))
        after = await until_pong(ws)
        return refused, before, ok, after

    refused, before, ok, after = run(scenario())
    assert 'administrators' in refused['message'] and before == [], (refused, before)
    assert ok['channel'] == 'devices'
    assert not [m for m in after if m.get('type') == 'system_log'], after


def test_a_session_follows_its_account(platform):
    """Rights are the account's: a stream does not outlive a deleted account or a password
    change (which signs out other sessions); a demoted admin loses the logs channel."""
    admin = platform.login()
    deleted_id, deleted = create_viewer(platform, admin, 'wsdeleted')
    _, changed = create_viewer(platform, admin, 'wschanged')
    demoted_id, _ = create_viewer(platform, admin, 'wsdemoted')
    assert platform.api('PUT', f'/api/users/{demoted_id}', token=admin,
                        json={'role': 'admin'}).status_code == 200
    demoted = platform.login('wsdemoted', 'wsdemoted-pass-1')

    async def scenario():
        sessions = [await subscribed(platform, t, 'devices') for t in (deleted, changed)]
        logs = await subscribed(platform, demoted, 'logs')
        bystander = await subscribed(platform, admin, 'devices')
        assert platform.api('DELETE', f'/api/users/{deleted_id}', token=admin).status_code == 200
        r = platform.api('PUT', '/api/auth/password', token=changed,
                         json={'current_password': 'wschanged-pass-1',
                               'new_password': 'wschanged-pass-2'})
        assert r.status_code == 200, r.text
        assert platform.api('PUT', f'/api/users/{demoted_id}', token=admin,
                            json={'role': 'viewer'}).status_code == 200
        started = time.monotonic()
        closes = [await closed_with(ws, timeout=10 * SLOWDOWN) for ws in sessions]
        unsubscribed, _ = await expect(logs, 'unsubscribed', timeout=10 * SLOWDOWN)
        elapsed = time.monotonic() - started
        # The demoted stream goes on without logs; so does everyone else's.
        await logs.send(json.dumps({'type': 'subscribe', 'channel': 'logs'}))
        refused, _ = await expect(logs, 'error')
        assert await until_pong(bystander) is not None
        return closes, unsubscribed, refused, elapsed, r.json()['token']

    closes, unsubscribed, refused, elapsed, fresh = run(scenario())
    assert [c[:2] for c in closes] == [(1008, 'account deleted'), (1008, 'token revoked')], closes
    assert unsubscribed['channel'] == 'logs', unsubscribed
    assert 'administrators' in refused['message'], refused
    assert elapsed < 5 + 2 * SLOWDOWN, f'took {elapsed:.1f} s after the last change'
    # The token the password change handed out still opens a stream.
    run(connected(platform, fresh))


def test_a_token_issued_just_before_a_password_change_is_revoked(platform):
    """Tokens are revoked to the millisecond: also one issued in the same second as the
    change, before it."""
    admin = platform.login()
    create_viewer(platform, admin, 'wssamesecond')

    async def refused(token):
        return await closed_with(await connect(platform, token))

    for attempt in range(3):
        old = platform.login('wssamesecond', f'wssamesecond-pass-{attempt + 1}')
        r = platform.api('PUT', '/api/auth/password', token=old,
                         json={'current_password': f'wssamesecond-pass-{attempt + 1}',
                               'new_password': f'wssamesecond-pass-{attempt + 2}'})
        assert r.status_code == 200, r.text
        assert platform.api('GET', '/api/auth/me', token=old).status_code == 401
        assert platform.api('GET', '/api/auth/me', token=r.json()['token']).status_code == 200
        code, reason, _ = run(refused(old))
        assert (code, reason) == (1008, 'invalid token: token revoked')


# ---------------------------------------------------------------------------------------
# Protocol


def test_connected_ping_subscribe_and_unsubscribe(platform):
    token = platform.login()

    async def scenario():
        ws = await connect(platform, token)
        first = await recv_json(ws)
        assert first['type'] == 'connected', f'the first message must be connected, got {first}'
        await ws.send(json.dumps({'type': 'ping'}))
        pong = await recv_json(ws)
        assert pong['type'] == 'pong', pong
        for channel in CHANNELS:
            await ws.send(json.dumps({'type': 'subscribe', 'channel': channel}))
            reply = await recv_json(ws)
            assert (reply['type'], reply['channel']) == ('subscribed', channel), reply
        for channel in CHANNELS:
            await ws.send(json.dumps({'type': 'unsubscribe', 'channel': channel}))
            reply = await recv_json(ws)
            assert (reply['type'], reply['channel']) == ('unsubscribed', channel), reply
        await ws.close()

    run(scenario())


def test_sensor_data_is_sent_only_after_it_is_committed(broker, platform):
    token = platform.login()
    device, gw, mac = 'WsDev1', 'WsGw1', '58:8c:81:ab:a6:16'
    count = 20

    async def scenario():
        ws = await subscribed(platform, token, 'sensor_data')
        pub = PahoPublisher(broker)
        try:
            for seq in range(count):
                pub.publish(f'SensorData/{device}', reading(device, seq, unit='C'))
            got = []
            while len(got) < count:
                m, before = await expect(ws, 'sensor_data')
                assert before == [], before
                # On receipt, the REST API must already return this reading.
                r = platform.api('GET', f'/api/devices/{device}/data?limit=1000', token=token)
                assert r.status_code == 200, r.text
                stored = {row['data'].get('seq') for row in r.json()['data']}
                assert m['data']['seq'] in stored, \
                    f'seq {m["data"]["seq"]} was streamed before it was stored ({sorted(stored)})'
                got.append(m)

            pub.publish(f'BLEGatewayData/{gw}', {'gateway_id': gw, 'mac': mac,
                                                 'beacon_name': ' TempHumBeacon4 ',
                                                 'temperature': 22.5, 'humidity': 41, 'rssi': -60})
            node_msg, before = await expect(ws, 'sensor_data')
            assert before == []
            r = platform.api('GET', f'/api/nodes/{mac}/data', token=token)
            assert r.status_code == 200 and r.json()['count'] >= 1, r.text
            return got, node_msg
        finally:
            pub.close()

    got, node_msg = run(scenario())
    assert [m['data']['seq'] for m in got] == list(range(count))
    for m in got:
        assert m['source_type'] == 'device' and m['source_id'] == device, m
        assert m['data'] == reading(device, m['data']['seq'], unit='C'), m
        assert abs(parse_iso(m['timestamp']).timestamp() - time.time()) < 30, m
        assert m.get('gateway_id') is None, m
    assert node_msg['source_type'] == 'node', node_msg
    assert node_msg['source_id'] == mac, node_msg
    assert node_msg['gateway_id'] == gw, node_msg
    assert isinstance(node_msg['data'], dict) and node_msg['data']['temperature'] == 22.5, node_msg
    parse_iso(node_msg['timestamp'])


def test_stream_over_tls_on_the_same_port(broker, make_platform, tmp_path):
    """wss:// takes the TLS session's write path (no direct send): the stream arrives whole and
    in order, with WebSocket pings answered in the middle of it."""
    ca = make_ca(tmp_path / 'pki')
    cert = make_server_cert(tmp_path / 'pki', ca)
    # A queue large enough that nothing is coalesced, so every reading must arrive.
    platform = make_platform(broker, env={'TLS_CERT': cert['cert'], 'TLS_KEY': cert['key'],
                                          'WS_SEND_BUFFER': str(64 << 20)})
    login = requests.post(f'https://127.0.0.1:{platform.http_port}/api/auth/login',
                          verify=ca['cert'], timeout=30,
                          json={'username': 'admin', 'password': 'admin123'})
    assert login.status_code == 200, login.text
    token = login.json()['token']
    context = ssl.create_default_context(cafile=ca['cert'])
    device, count = 'WssDev1', 300

    async def scenario():
        ws = await websockets.connect(f'wss://127.0.0.1:{platform.http_port}/ws?token={token}',
                                      ssl=context, open_timeout=5, close_timeout=2,
                                      ping_interval=None)
        _opened.append(ws)
        hello = await recv_json(ws)
        assert hello['type'] == 'connected', hello
        await ws.send(json.dumps({'type': 'subscribe', 'channel': 'sensor_data'}))
        reply, _ = await expect(ws, 'subscribed')
        pub = PahoPublisher(broker)
        try:
            for seq in range(count):
                pub.publish(f'SensorData/{device}', reading(device, seq, pad='x' * 2000))
            pongs = []
            got = []
            while len(got) < count:
                if len(got) % 50 == 0:
                    pongs.append(await ws.ping())  # a control frame amid the data frames
                m, before = await expect(ws, 'sensor_data', timeout=15)
                assert before == [], before
                got.append(m['data']['seq'])
        finally:
            pub.close()
        await asyncio.wait_for(asyncio.gather(*pongs), RECV_TIMEOUT_S)
        assert await until_pong(ws) == []
        return got

    assert run(scenario()) == list(range(count))


def test_device_status_online_then_offline_after_the_timeout(broker, make_platform):
    platform = make_platform(broker, env={'DEVICE_OFFLINE_TIMEOUT': 2})
    token = platform.login()
    device = 'WsPresence1'

    async def scenario():
        ws = await subscribed(platform, token, 'devices')
        # Taken before the publish: the platform's clock for the device starts later, never
        # earlier, so the lower bound below holds however long mosquitto_pub takes.
        sent = time.monotonic()
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 1))
        online, _ = await expect(ws, 'device_status', lambda m: m.get('device_id') == device)
        offline, between = await expect(ws, 'device_status',
                                        lambda m: m.get('device_id') == device,
                                        timeout=3 + 3 * SLOWDOWN)
        return online, offline, time.monotonic() - sent, between

    online, offline, elapsed, between = run(scenario())
    assert online['status'] == 'online', online
    parse_iso(online['timestamp'])
    assert offline['status'] == 'offline', offline
    assert 1.9 <= elapsed <= 2 + 3 * SLOWDOWN, f'offline after {elapsed:.2f} s with a 2 s timeout'
    assert between == []


def test_device_status_offline_from_a_status_message(broker, platform):
    token = platform.login()

    async def scenario():
        ws = await subscribed(platform, token, 'devices')
        results = []
        for device, payload in (('WsStatus1', 'offline'),
                                ('WsStatus2', json.dumps({'status': 'offline'}))):
            mosquitto_pub(broker, f'SensorData/{device}', reading(device, 1))
            online, _ = await expect(ws, 'device_status', lambda m: m.get('device_id') == device)
            started = time.monotonic()
            mosquitto_pub(broker, f'SensorData/{device}/status', payload)
            offline, _ = await expect(ws, 'device_status', lambda m: m.get('device_id') == device)
            results.append((online, offline, time.monotonic() - started))
        return results

    for online, offline, elapsed in run(scenario()):
        assert online['status'] == 'online', online
        assert offline['status'] == 'offline', offline
        # DEVICE_OFFLINE_TIMEOUT is 300 s here: only the status message can explain this.
        assert elapsed < 2 * SLOWDOWN, f'offline {elapsed:.2f} s after the status message'


def test_gateway_and_node_status(broker, platform):
    token = platform.login()
    gw, mac = 'WsGw2', 'aa:bb:cc:dd:ee:01'

    async def scenario():
        ws = await subscribed(platform, token, 'gateways')
        mosquitto_pub(broker, f'BLEGatewayData/{gw}',
                      {'gateway_id': gw, 'mac': mac, 'beacon_name': 'B1', 'rssi': -70})
        gw_msg, _ = await expect(ws, 'gateway_status', lambda m: m.get('gateway_id') == gw)
        node_msg, _ = await expect(ws, 'node_status', lambda m: m.get('mac') == mac)
        return gw_msg, node_msg

    gw_msg, node_msg = run(scenario())
    assert gw_msg['status'] == 'online', gw_msg
    parse_iso(gw_msg['timestamp'])
    assert node_msg['status'] == 'online' and node_msg['gateway_id'] == gw, node_msg
    parse_iso(node_msg['timestamp'])


def test_ota_and_log_channels(broker, platform):
    token = platform.login()
    device = 'WsOtaDev1'

    async def scenario():
        ota = await subscribed(platform, token, 'ota')
        logs = await subscribed(platform, token, 'logs')
        mosquitto_pub(broker, f'OTA/{device}/response',
                      {'status': 'downloading', 'firmware_version': '1.2.3', 'progress': 40})
        ota_msg, _ = await expect(ota, 'ota_update', lambda m: m.get('device_id') == device)
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 1))
        log_msg, _ = await expect(logs, 'system_log', lambda m: device in m.get('message', '') or
                                  m.get('source') == device)
        # Each channel carries only its own messages.
        assert all(m['type'] == 'ota_update' for m in await until_pong(ota))
        assert all(m['type'] == 'system_log' for m in await until_pong(logs))
        return ota_msg, log_msg

    ota_msg, log_msg = run(scenario())
    assert ota_msg['status'] == 'downloading', ota_msg
    assert ota_msg['firmware_version'] == '1.2.3', ota_msg
    assert ota_msg['progress'] == 40, ota_msg
    parse_iso(ota_msg['timestamp'])
    assert isinstance(log_msg['level'], str) and isinstance(log_msg['category'], str), log_msg
    parse_iso(log_msg['timestamp'])


def test_subscription_filters(broker, platform):
    token = platform.login()
    gw_a, gw_b = 'WsFiltGwA', 'WsFiltGwB'

    async def scenario():
        everything = await subscribed(platform, token, 'sensor_data')
        by_device = await subscribed(platform, token, 'sensor_data', device_id='WsFiltA')
        by_type = await subscribed(platform, token, 'sensor_data',
                                   filter={'reading_type': 'Humidity'})
        by_gateway = await subscribed(platform, token, 'sensor_data', gateway_id=gw_a)
        status_of_b = await subscribed(platform, token, 'devices', filter={'device_id': 'WsFiltB'})

        pub = PahoPublisher(broker)
        try:
            published = 0
            for seq, (device, type_) in enumerate([('WsFiltA', 'Temperature'),
                                                   ('WsFiltB', 'Humidity'),
                                                   ('WsFiltA', 'Humidity'),
                                                   ('WsFiltB', 'Temperature')]):
                pub.publish(f'SensorData/{device}', reading(device, seq, type_))
                published += 1
            for i, gw in enumerate([gw_a, gw_b, gw_a]):
                node = {'gateway_id': gw, 'mac': f'00:00:00:00:00:0{i}', 'temperature': 20 + i}
                pub.publish(f'BLEGatewayData/{gw}', node)
                published += 1
            pub.wait_all_acked()
            seen = []
            while len(seen) < published:
                m, _ = await expect(everything, 'sensor_data')
                seen.append(m)
        finally:
            pub.close()
        await asyncio.sleep(0.2)
        return {name: await until_pong(ws) for name, ws in
                (('device', by_device), ('type', by_type), ('gateway', by_gateway),
                 ('status', status_of_b))}

    got = run(scenario())
    assert sorted((m['source_id'], m['data']['type']) for m in got['device']) == \
        [('WsFiltA', 'Humidity'), ('WsFiltA', 'Temperature')], got['device']
    assert sorted(m['source_id'] for m in got['type']) == ['WsFiltA', 'WsFiltB'], got['type']
    assert all(m['data']['type'] == 'Humidity' for m in got['type']), got['type']
    assert sorted(m['source_id'] for m in got['gateway']) == \
        ['00:00:00:00:00:00', '00:00:00:00:00:02'], got['gateway']
    assert all(m['gateway_id'] == gw_a for m in got['gateway']), got['gateway']
    assert [(m['type'], m['device_id']) for m in got['status']] == \
        [('device_status', 'WsFiltB')], got['status']


def test_unsubscribe_stops_the_stream(broker, platform):
    token = platform.login()
    device = 'WsUnsub1'

    async def scenario():
        witness = await subscribed(platform, token, 'sensor_data')
        ws = await subscribed(platform, token, 'sensor_data')
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 1))
        first, _ = await expect(ws, 'sensor_data')
        await expect(witness, 'sensor_data')
        await ws.send(json.dumps({'type': 'unsubscribe', 'channel': 'sensor_data'}))
        reply, before = await expect(ws, 'unsubscribed')
        assert reply['channel'] == 'sensor_data' and before == []
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 2))
        await expect(witness, 'sensor_data', lambda m: m['data']['seq'] == 2)
        await asyncio.sleep(0.2)
        return first, await until_pong(ws)

    first, after = run(scenario())
    assert first['data']['seq'] == 1
    assert after == [], f'messages after unsubscribe: {after}'


# ---------------------------------------------------------------------------------------
# Bad client input and limits


def test_malformed_messages_get_errors_and_twenty_close_the_connection(platform):
    token = platform.login()
    bad = [
        'not json',
        '[1, 2]',
        json.dumps({'channel': 'devices'}),
        json.dumps({'type': 'shout'}),
        json.dumps({'type': 'subscribe', 'channel': 'weather'}),
        json.dumps({'type': 'subscribe'}),
        b'\x00\x01binary',
    ]

    async def scenario():
        ws = await connected(platform, token)
        for message in bad:
            await ws.send(message)
            reply = await recv_json(ws)
            assert reply['type'] == 'error' and isinstance(reply.get('message'), str), \
                (message, reply)
            assert await until_pong(ws) == [], f'not open after {message!r}'
        for _ in range(19 - len(bad)):
            await ws.send('{')
            assert (await recv_json(ws))['type'] == 'error'
        assert await until_pong(ws) == [], 'closed before the 20th error'
        await ws.send('{')
        code, reason, before = await closed_with(ws)
        return code, before

    code, before = run(scenario())
    assert [m['type'] for m in before] in ([], ['error']), before
    assert code == 1008, f'expected close 1008 after 20 errors, got {code}'


def test_inbound_message_size_limit(platform):
    token = platform.login()

    async def scenario():
        ws = await connected(platform, token)
        under = json.dumps({'type': 'ping', 'pad': 'x' * (16 * 1024 - 100)})
        await ws.send(under)
        assert (await recv_json(ws))['type'] == 'pong', 'a message under 16 KB was refused'
        await ws.send(json.dumps({'type': 'ping', 'pad': 'x' * (16 * 1024 + 100)}))
        code, reason, before = await closed_with(ws)
        return code, before

    code, before = run(scenario())
    assert code == 1009, f'expected close 1009 for a message over 16 KB, got {code}'
    assert before == []


def test_message_flood_is_rate_limited(platform):
    token = platform.login()

    async def scenario():
        ws = await connected(platform, token)
        for _ in range(200):
            await ws.send(json.dumps({'type': 'ping'}))
        code, reason, replies = await closed_with(ws)
        # The platform is still there for everyone else.
        other = await connected(platform, token)
        assert await until_pong(other) == []
        return code, [m['type'] for m in replies]

    code, types = run(scenario())
    assert 'error' in types, f'no error reply to a flood of 200 pings: {types}'
    pongs = types.count('pong')
    # The burst admits 40 at once; those are answered even though the connection is closed
    # for what came after them.
    assert 40 <= pongs <= 60, f'{pongs} pongs for 200 pings at once (rate 20/s, burst 40): {types}'
    assert types[:40] == ['pong'] * 40, types[:40]
    assert code == 1008, f'expected close 1008 once the refusals reach 20 errors, got {code}'
    assert platform.alive()


# ---------------------------------------------------------------------------------------
# A consumer that does not read


class RawWebSocket:
    """A bare WebSocket client on a socket with a tiny receive buffer, read only on demand."""

    def __init__(self, port, token, rcvbuf=4096):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect(('127.0.0.1', port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f'GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'
                           f'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                           f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n')
                          .encode())
        self.buf = b''
        while b'\r\n\r\n' not in self.buf:
            chunk = self.sock.recv(4096)
            assert chunk, 'connection closed during the handshake'
            self.buf += chunk
        head, self.buf = self.buf.split(b'\r\n\r\n', 1)
        assert head.startswith(b'HTTP/1.1 101'), head

    def send_text(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                  bytes([0x80 | 126]) + struct.pack('!H', n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _frame(self):
        """One complete frame from the buffer: (opcode, payload), or None."""
        if len(self.buf) < 2:
            return None
        opcode, n, pos = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
        if n == 126:
            if len(self.buf) < 4:
                return None
            n, pos = struct.unpack('!H', self.buf[2:4])[0], 4
        elif n == 127:
            if len(self.buf) < 10:
                return None
            n, pos = struct.unpack('!Q', self.buf[2:10])[0], 10
        if len(self.buf) < pos + n:
            return None
        payload, self.buf = self.buf[pos:pos + n], self.buf[pos + n:]
        return opcode, payload

    def read(self, until=None, timeout=10):
        """Reads frames until `until(messages)` holds, or a close frame (returns its code), or
        EOF (1006). Returns (messages, close code or None)."""
        messages = []
        deadline = time.monotonic() + timeout
        while True:
            frame = self._frame()
            if frame:
                opcode, payload = frame
                if opcode == 0x8:
                    return messages, struct.unpack('!H', payload[:2])[0] if payload else 1005
                if opcode == 0x1:
                    messages.append(json.loads(payload))
                    if until and until(messages):
                        return messages, None
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f'no close after {timeout} s ({len(messages)} messages)')
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise AssertionError(f'no close within {timeout} s ({len(messages)} messages, '
                                     f'last {messages[-1:]})') from None
            if not chunk:
                return messages, 1006
            self.buf += chunk

    def close(self):
        self.sock.close()


def test_slow_reader_is_dropped_while_others_keep_up(broker, make_platform):
    platform = make_platform(broker, env={'WS_SEND_BUFFER': 65536})
    token = platform.login()
    # Bulk readings from 400 devices (too many distinct sources for coalescing to keep a
    # stalled client under 64 KB), ~2 KB each so that the kernel's socket buffers (a few MB
    # on loopback) fill within a second or two; every 10th message is a small probe.
    devices = [f'WsFlood{i:03d}' for i in range(400)]
    rate, seconds, probe_every = 1500, 3, 10
    total = rate * seconds
    pad = 'p' * 2000

    slow = RawWebSocket(platform.http_port, token)
    hello, _ = slow.read(until=lambda ms: len(ms) == 1)
    assert hello[0]['type'] == 'connected', hello
    slow.send_text(json.dumps({'type': 'subscribe', 'channel': 'sensor_data'}))
    reply, _ = slow.read(until=lambda ms: len(ms) == 1)
    assert reply[0]['type'] == 'subscribed', reply
    # From here on the slow client reads nothing until the flood is over.

    async def scenario():
        fast = await subscribed(platform, token, 'sensor_data', device_id='WsProbe')
        rss_before = vm_rss_kb(platform.pid)
        pub = PahoPublisher(broker)
        latencies = []
        try:
            async def publish():
                start = time.monotonic()
                for seq in range(total):
                    delay = start + seq / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if seq % probe_every == 0:
                        pub.publish('SensorData/WsProbe',
                                    reading('WsProbe', seq, sent=time.time()), qos=1)
                    else:
                        device = devices[seq % len(devices)]
                        pub.publish(f'SensorData/{device}', reading(device, seq, pad=pad), qos=0)

            publisher = asyncio.ensure_future(publish())
            probes = set()
            while len(probes) < total // probe_every:
                m, _ = await expect(fast, 'sensor_data', timeout=10)
                latencies.append(time.time() - m['data']['sent'])
                probes.add(m['data']['seq'])
            await publisher
            peak = vm_rss_kb(platform.pid)
            assert await until_pong(fast) == []
        finally:
            pub.close()
        return latencies, rss_before, peak

    latencies, rss_before, rss_after = run(scenario(), timeout=40)
    messages, code = slow.read(timeout=10)
    slow.close()

    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)]
    growth_mb = (rss_after - rss_before) / 1024
    p50 = latencies[len(latencies) // 2]
    print(f'fast client: {len(latencies)} probes, p50 {p50 * 1000:.1f} ms, '
          f'p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; slow client: close {code} '
          f'after {len(messages)} of {total} messages; RSS {rss_before} -> {rss_after} kB')
    assert p99 < 0.25 * SLOWDOWN, \
        f'fast client p99 latency {p99 * 1000:.0f} ms beside a stalled one'
    assert code == 1013, \
        f'slow client: expected close 1013, got {code} after {len(messages)} of {total} messages'
    assert len(messages) < total
    # Under AddressSanitizer every allocation carries redzones and freed memory waits in a
    # quarantine, so the same bounded queues cost several times the memory.
    budget_mb = 96 if SANITIZED else 24
    assert growth_mb < budget_mb, f'RSS grew {growth_mb:.1f} MB during the flood'
    assert platform.alive()


# ---------------------------------------------------------------------------------------
# Lifecycle


def test_reconnecting_client_fetches_what_it_missed(broker, platform):
    token = platform.login()
    device = 'WsMissed1'

    async def before_restart():
        ws = await subscribed(platform, token, 'sensor_data')
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 0))
        m, _ = await expect(ws, 'sensor_data')
        assert m['data']['seq'] == 0
        await asyncio.sleep(0.05)
        # The stream ends with the platform; the client notes when.
        platform.proc.send_signal(signal.SIGTERM)
        code, reason, _ = await closed_with(ws)
        return code, datetime.utcnow()

    code, disconnected_at = run(before_restart())
    assert code == 1001, f'expected close 1001 on shutdown, got {code}'
    assert platform.proc.wait(10) == 0
    # Readings sent while the platform is away, and after it is back but before the client is.
    for seq in (1, 2, 3):
        publish_paho(broker, f'SensorData/{device}', reading(device, seq))
    platform.start()
    for seq in (4, 5):
        publish_paho(broker, f'SensorData/{device}', reading(device, seq))

    since = disconnected_at.strftime('%Y-%m-%dT%H:%M:%S.') + \
        f'{disconnected_at.microsecond // 1000:03d}Z'

    def missed():
        r = platform.api('GET', f'/api/sensor-data?deviceId={device}&startDate={since}&limit=100',
                         token=token)
        assert r.status_code == 200, r.text
        return sorted(row['data']['seq'] for row in r.json()['data'])

    async def after_restart():
        ws = await subscribed(platform, token, 'sensor_data')
        seqs = wait_for(lambda: (lambda s: s if len(s) >= 5 else None)(missed()), timeout=10,
                        what='the missed readings')
        mosquitto_pub(broker, f'SensorData/{device}', reading(device, 6))
        live, _ = await expect(ws, 'sensor_data')
        return seqs, live

    seqs, live = run(after_restart())
    assert seqs == [1, 2, 3, 4, 5], f'missed readings from the REST API: {seqs}'
    assert live['data']['seq'] == 6


def test_connection_limit_refuses_with_1013(broker, make_platform):
    platform = make_platform(broker, env={'WS_MAX_CONNECTIONS': 3})
    token = platform.login()

    async def attempt(timeout=3):
        """(socket or None, what the server answered first: 'connected', a close code, ...)."""
        try:
            ws = await connect(platform, token, open_timeout=timeout)
        except (asyncio.TimeoutError, OSError, websockets.WebSocketException) as e:
            return None, f'no handshake ({type(e).__name__})'
        try:
            return ws, (await recv_json(ws, timeout))['type']
        except websockets.ConnectionClosed as e:
            return ws, e.rcvd.code if e.rcvd else 1006
        except asyncio.TimeoutError:
            return ws, f'no answer within {timeout} s'

    def health():
        try:
            return platform.api('GET', '/health', timeout=2).status_code
        except requests.RequestException as e:
            return f'no answer ({type(e).__name__})'

    async def scenario():
        held = [await connected(platform, token) for _ in range(3)]
        _, fourth = await attempt()
        assert fourth == 1013, \
            f'4th connection with WS_MAX_CONNECTIONS=3: expected 1013, got {fourth}'
        # Several at once: the limit holds, and refusing them does not stall anything.
        burst = [outcome for _, outcome in await asyncio.gather(*(attempt() for _ in range(6)))]
        assert burst == [1013] * 6, \
            f'6 concurrent connections beyond the limit: {burst}; GET /health -> {health()}'
        # A freed slot is taken again.
        await held.pop().close()
        deadline = time.monotonic() + 3
        while True:
            ws, outcome = await attempt()
            if outcome == 'connected' or time.monotonic() > deadline:
                break
        assert outcome == 'connected', f'after one client left: {outcome}'

    run(scenario())


def test_sigterm_closes_clients_with_1001_and_exits_promptly(broker, platform):
    token = platform.login()

    async def scenario():
        clients = [await subscribed(platform, token, channel)
                   for channel in ('sensor_data', 'devices', 'logs')]
        clients.append(await connected(platform, token))
        started = time.monotonic()
        platform.proc.send_signal(signal.SIGTERM)
        codes = [code for code, _, _ in
                 await asyncio.gather(*(closed_with(ws) for ws in clients))]
        return codes, started

    codes, started = run(scenario())
    rc = platform.proc.wait(10)
    elapsed = time.monotonic() - started
    assert codes == [1001] * 4, f'close codes on SIGTERM: {codes}'
    assert rc == 0, f'exit code {rc}'
    assert elapsed < STOP_LIMIT_S, f'exited {elapsed:.1f} s after SIGTERM'
