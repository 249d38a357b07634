"""The HTTP server as a client on the wire sees it: status codes and envelopes for requests
that never reach a handler, limits, timeouts, keep-alive, pipelining, CORS, security headers,
rate limiting, HTTPS on the same port and a graceful stop."""
import json
import resource
import signal
import socket
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from harness import SLOWDOWN, STOP_LIMIT_S, Broker, Platform, make_ca, make_server_cert, wait_for

DASHBOARD = 'https://dash.example.com'


class SourceAddressAdapter(HTTPAdapter):
    """Sends from a given local address."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs['source_address'] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture(scope='module')
def shared(blazeiot_binary, tmp_path_factory):
    """One platform for the read-only transport tests of this module."""
    tmp = tmp_path_factory.mktemp('api-http')
    broker = Broker(tmp).start()
    p = Platform(blazeiot_binary, tmp / 'platform', broker_url=broker.url,
                 env={'CORS_ORIGIN': f'{DASHBOARD}, http://localhost:5173',
                      'MAX_JSON_BODY': '4096'})
    p.start()
    p.admin_token = p.login()
    yield p
    p.stop()
    broker.stop()


def raw_exchange(port, data, read_timeout=5.0, chunks=None, delay=0.0):
    """Sends bytes (optionally in chunks with a delay between them) and reads until the
    server closes the connection or read_timeout passes. Returns the bytes received."""
    with socket.create_connection(('127.0.0.1', port), timeout=read_timeout) as s:
        if chunks is None:
            s.sendall(data)
        else:
            for i in range(0, len(data), chunks):
                s.sendall(data[i:i + chunks])
                time.sleep(delay)
        received = b''
        deadline = time.monotonic() + read_timeout
        while time.monotonic() < deadline:
            try:
                part = s.recv(65536)
            except socket.timeout:
                break
            if not part:
                break
            received += part
        return received


def split_responses(raw):
    """Splits a byte stream of HTTP/1.1 responses (Content-Length framed) into
    (status, headers, body) tuples."""
    out = []
    while raw:
        head, _, rest = raw.partition(b'\r\n\r\n')
        lines = head.decode().split('\r\n')
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(':')
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get('content-length', '0'))
        out.append((status, headers, rest[:length]))
        raw = rest[length:]
    return out


def test_unknown_api_path_is_404_with_the_envelope(shared):
    for method in ('GET', 'POST', 'PUT', 'DELETE'):
        r = shared.api(method, '/api/does/not/exist', token=shared.admin_token)
        assert r.status_code == 404, method
        assert r.json() == {'success': False, 'message': 'API endpoint not found'}
    # Without a token too: an unknown path is not an authentication question.
    assert shared.api('GET', '/api/nope').json()['message'] == 'API endpoint not found'
    for path in ('/api', '/api/'):
        r = shared.api('GET', path)
        assert r.status_code == 404 and r.json()['message'] == 'API endpoint not found', path


def test_wrong_method_is_405_with_allow(shared):
    r = shared.api('PATCH', '/api/devices', token=shared.admin_token)
    assert r.status_code == 405
    assert r.json()['success'] is False
    allow = [m.strip() for m in r.headers['Allow'].split(',')]
    assert {'GET', 'POST'} <= set(allow)
    r = shared.api('DELETE', '/health')
    assert r.status_code == 405


def test_security_headers_on_every_response(shared):
    responses = [
        shared.api('GET', '/health'),
        shared.api('GET', '/api/devices'),                      # 401
        shared.api('GET', '/api/unknown'),                      # 404
        shared.api('PATCH', '/api/devices'),                    # 405
        shared.api('GET', '/api/devices', token=shared.admin_token),
        shared.api('POST', '/api/devices', token=shared.admin_token, data='{bad',
                   headers={'Content-Type': 'application/json'}),  # 400
    ]
    for r in responses:
        h = r.headers
        assert h['X-Content-Type-Options'] == 'nosniff', r.url
        assert h['X-Frame-Options'] == 'DENY'
        assert h['Referrer-Policy'] == 'no-referrer'
        assert h['Content-Security-Policy'].startswith("default-src 'none'")
        assert 'unsafe' not in h['Content-Security-Policy']
        assert 'Strict-Transport-Security' not in h  # plain HTTP
        assert h['Content-Type'].startswith('application/json')


def test_cors_exact_origin_and_preflight(shared):
    r = shared.api('GET', '/health', headers={'Origin': DASHBOARD})
    assert r.headers['Access-Control-Allow-Origin'] == DASHBOARD
    assert 'Origin' in r.headers['Vary']
    r = shared.api('GET', '/health', headers={'Origin': 'https://dash.example.com.evil.io'})
    assert 'Access-Control-Allow-Origin' not in r.headers
    r = shared.api('GET', '/health', headers={'Origin': 'http://localhost:5173'})
    assert r.headers['Access-Control-Allow-Origin'] == 'http://localhost:5173'

    pre = shared.api('OPTIONS', '/api/devices', headers={
        'Origin': DASHBOARD, 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type'})
    assert pre.status_code == 204
    assert pre.headers['Access-Control-Allow-Origin'] == DASHBOARD
    assert 'POST' in pre.headers['Access-Control-Allow-Methods']
    allowed_headers = pre.headers['Access-Control-Allow-Headers'].lower()
    assert 'authorization' in allowed_headers and 'content-type' in allowed_headers
    # A preflight from a stranger gets no permission.
    bad = shared.api('OPTIONS', '/api/devices', headers={
        'Origin': 'https://evil.example.com', 'Access-Control-Request-Method': 'DELETE'})
    assert 'Access-Control-Allow-Origin' not in bad.headers
    assert 'Access-Control-Allow-Methods' not in bad.headers


def test_oversized_json_body_is_413(shared):
    body = json.dumps({'device_id': 'Big', 'name': 'x' * 5000})
    r = shared.api('POST', '/api/devices', token=shared.admin_token, data=body,
                   headers={'Content-Type': 'application/json'})
    assert r.status_code == 413
    assert r.json() == {'success': False, 'message': 'Request body too large'}
    # Chunked, so the server only learns the size while reading.
    def chunks():
        for _ in range(10):
            yield b'{"pad":"' + b'y' * 1000 + b'"}'
    r = shared.api('POST', '/api/devices', token=shared.admin_token, data=chunks(),
                   headers={'Content-Type': 'application/json'})
    assert r.status_code == 413
    assert shared.api('GET', '/health').status_code == 200
    assert shared.api('GET', '/api/devices/Big', token=shared.admin_token).status_code == 404


def test_a_body_of_many_unknown_fields_gets_a_short_answer(make_platform, broker):
    """A body of 250,000 unknown keys (under the 10 MB limit) must not earn a reply of many
    megabytes."""
    shared = make_platform(broker)  # the default body limit, 10 MB
    body = json.dumps({f'field{i:06d}' + 'x' * 12: i for i in range(250_000)})
    assert 8_000_000 < len(body) < 10_000_000, len(body)
    body = body[:-1] + ', "username": "admin", "password": "wrong"}'
    r = shared.api('POST', '/api/auth/login', data=body,
                   headers={'Content-Type': 'application/json'}, timeout=30)
    assert r.status_code == 400
    assert len(r.content) < 4096, len(r.content)
    errors = r.json()['errors']
    assert errors[-1] == {'field': 'body', 'message': f'{250_000 - 19} more unrecognised fields'}
    assert shared.api('GET', '/health').status_code == 200


def test_oversized_header_is_431(shared):
    r = shared.api('GET', '/health', headers={'X-Filler': 'z' * 9000})
    assert r.status_code == 431
    assert r.json()['success'] is False
    assert shared.api('GET', '/health').status_code == 200


def test_malformed_bodies(shared):
    t = shared.admin_token
    cases = [
        ('{"device_id": "X",', 'application/json', 400),
        ('["device_id"]', 'application/json', 400),
        ('"just a string"', 'application/json', 400),
        ('', 'application/json', 400),
        ('{"device_id":"X"}', 'text/plain', 415),
        ('device_id=X', 'application/x-www-form-urlencoded', 415),
        ('{"a":' * 40 + '1' + '}' * 40, 'application/json', 400),
        (b'{"device_id":"\xff\xfe"}', 'application/json', 400),
    ]
    for body, ctype, status in cases:
        r = shared.api('POST', '/api/devices', token=t, data=body,
                       headers={'Content-Type': ctype})
        assert r.status_code == status, (body, r.text)
        assert r.json()['success'] is False


def test_malformed_http_is_400_and_closed(shared):
    out = raw_exchange(shared.http_port, b'THIS IS NOT HTTP\r\n\r\n')
    assert out.startswith(b'HTTP/1.1 400')
    out = raw_exchange(shared.http_port, b'GET /health HTTP/1.1\r\nHost: x\r\n'
                                         b'Content-Length: abc\r\n\r\n')
    assert out.startswith(b'HTTP/1.1 400')
    assert shared.api('GET', '/health').status_code == 200


def test_pipelined_requests_answered_in_order(shared):
    token = shared.admin_token
    requests_bytes = (
        b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'
        b'GET /api/nothing HTTP/1.1\r\nHost: x\r\n\r\n'
        b'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
        b'Content-Length: 16\r\n\r\n{"username":"a"}'
        + f'GET /api/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n'.encode()
        + b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    responses = split_responses(raw_exchange(shared.http_port, requests_bytes))
    assert [s for s, _, _ in responses] == [200, 404, 400, 200, 200]
    assert json.loads(responses[0][2])['status'] == 'ok'
    assert json.loads(responses[2][2])['errors'][0]['field'] == 'password'
    assert json.loads(responses[3][2])['success'] is True
    assert responses[4][1]['connection'] == 'close'


def test_request_trickled_byte_by_byte(shared):
    req = b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    responses = split_responses(raw_exchange(shared.http_port, req, chunks=1, delay=0.005))
    assert len(responses) == 1 and responses[0][0] == 200


def test_keep_alive_serves_many_requests_on_one_connection(shared):
    with socket.create_connection(('127.0.0.1', shared.http_port), timeout=5) as s:
        for _ in range(5):
            s.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
            data = b''
            while b'}' not in data:
                data += s.recv(4096)
            assert data.startswith(b'HTTP/1.1 200')


def test_head_has_headers_but_no_body(shared):
    r = shared.api('HEAD', '/health')
    assert r.status_code == 200
    assert r.content == b''
    assert int(r.headers['Content-Length']) > 0
    # The connection stays usable after a HEAD.
    with socket.create_connection(('127.0.0.1', shared.http_port), timeout=5) as s:
        s.sendall(b'HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n'
                  b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        data = b''
        while True:
            part = s.recv(4096)
            if not part:
                break
            data += part
    assert data.count(b'HTTP/1.1 200') == 2


def test_slow_half_sent_requests_do_not_delay_others(shared):
    """Clients that send part of a request and stall must not hold up anyone else."""
    stalled = []
    try:
        for i in range(20):
            s = socket.create_connection(('127.0.0.1', shared.http_port), timeout=5)
            if i % 2:
                s.sendall(b'POST /api/auth/login HTTP/1.1\r\nHost: x\r\n'
                          b'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"user')
            else:
                s.sendall(b'GET /api/devi')
            stalled.append(s)
        worst = 0.0
        with requests.Session() as session:
            for _ in range(30):
                start = time.monotonic()
                r = session.get(shared.base_url + '/health', timeout=5)
                worst = max(worst, time.monotonic() - start)
                assert r.status_code == 200
        assert worst < 0.5 * SLOWDOWN, f'slowest /health took {worst:.3f} s'
    finally:
        for s in stalled:
            s.close()


def test_stalled_request_is_dropped_after_the_header_timeout(shared):
    """A request whose header never completes, and a connection that never sends anything,
    do not hold their connection for ever (nor, the second, for the keep-alive minute)."""
    silent = socket.create_connection(('127.0.0.1', shared.http_port), timeout=40)
    try:
        start = time.monotonic()
        out = raw_exchange(shared.http_port, b'GET /health HTTP/1.1\r\nHost: x\r\n',
                           read_timeout=40)
        elapsed = time.monotonic() - start
        assert out == b''
        assert 10 < elapsed < 25, elapsed
        assert silent.recv(1) == b''
        assert time.monotonic() - start < 25
    finally:
        silent.close()


def test_one_address_cannot_take_every_connection(make_platform, broker):
    """A client holding 1,000 connections gets no more; other clients are still served."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= 2048, f'this test needs 2,048 open files; the hard limit is {hard}'
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    p = make_platform(broker)
    held = []
    try:
        for _ in range(1000):
            held.append(socket.create_connection(('127.0.0.1', p.http_port), timeout=5))
        # The platform has registered them all once a request on one of them is answered.
        held[-1].sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
        assert held[-1].recv(12) == b'HTTP/1.1 200'
        with socket.create_connection(('127.0.0.1', p.http_port), timeout=5) as extra:
            extra.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
            try:
                assert extra.recv(64) == b''
            except ConnectionResetError:
                pass
        # Another address (all of 127/8 is this machine) is served.
        other = requests.Session()
        other.mount('http://', SourceAddressAdapter('127.0.0.2'))
        assert other.get(p.base_url + '/health', timeout=5).status_code == 200
    finally:
        for s in held:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    wait_for(lambda: p.api('GET', '/health').status_code == 200, timeout=10,
             what='a connection from the first address once it closed the others')
    assert 'the most one address may hold' in p.run_output()


def test_rate_limit(make_platform, broker):
    p = make_platform(broker, env={'RATE_LIMIT_MAX': '5', 'RATE_LIMIT_WINDOW': '60'})
    seen = []
    for i in range(5):
        r = p.api('GET', '/api/devices')
        assert r.status_code == 401
        assert r.headers['RateLimit-Limit'] == '5'
        seen.append(int(r.headers['RateLimit-Remaining']))
        assert 0 < int(r.headers['RateLimit-Reset']) <= 60
    assert seen == [4, 3, 2, 1, 0]
    r = p.api('GET', '/api/devices')
    assert r.status_code == 429
    assert r.json()['success'] is False
    assert 0 < int(r.headers['Retry-After']) <= 60
    # Even a correct login is refused now: the limit covers all of /api/.
    assert p.api('POST', '/api/auth/login',
                 json={'username': 'admin', 'password': 'admin123'}).status_code == 429
    # /health is outside /api/.
    assert p.api('GET', '/health').status_code == 200


def test_forwarded_for_is_believed_only_behind_a_trusted_proxy(make_platform, broker):
    direct = make_platform(broker, env={'RATE_LIMIT_MAX': '2'})
    for ip in ('1.1.1.1', '2.2.2.2'):
        direct.api('GET', '/api/devices', headers={'X-Forwarded-For': ip})
    assert direct.api('GET', '/api/devices',
                      headers={'X-Forwarded-For': '3.3.3.3'}).status_code == 429

    proxied = make_platform(broker, env={'RATE_LIMIT_MAX': '2', 'TRUST_PROXY': 'true'})
    for ip in ('1.1.1.1', '2.2.2.2', '3.3.3.3'):
        r = proxied.api('GET', '/api/devices', headers={'X-Forwarded-For': ip})
        assert r.status_code == 401, ip
    # The right-most address is the one the proxy saw; a forged left part changes nothing.
    proxied.api('GET', '/api/devices', headers={'X-Forwarded-For': '9.9.9.9, 4.4.4.4'})
    proxied.api('GET', '/api/devices', headers={'X-Forwarded-For': '8.8.8.8, 4.4.4.4'})
    assert proxied.api('GET', '/api/devices',
                       headers={'X-Forwarded-For': '7.7.7.7, 4.4.4.4'}).status_code == 429


def test_https_on_the_same_port(make_platform, broker, tmp_path):
    ca = make_ca(tmp_path / 'pki')
    cert = make_server_cert(tmp_path / 'pki', ca)
    p = make_platform(broker, env={'TLS_CERT': cert['cert'], 'TLS_KEY': cert['key']})
    url = f'https://127.0.0.1:{p.http_port}'
    r = requests.get(url + '/health', verify=ca['cert'], timeout=5)
    assert r.status_code == 200
    assert r.json()['status'] == 'ok'
    assert r.headers['Strict-Transport-Security'].startswith('max-age=')
    # The first login may wait for the default admin's creation: two password hashes.
    login = requests.post(url + '/api/auth/login', verify=ca['cert'], timeout=30,
                          json={'username': 'admin', 'password': 'admin123'})
    assert login.status_code == 200
    token = login.json()['token']
    r = requests.get(url + '/api/devices', verify=ca['cert'], timeout=5,
                     headers={'Authorization': f'Bearer {token}'})
    assert r.status_code == 200
    # Plain HTTP to the HTTPS port is told so, not left hanging.
    out = raw_exchange(p.http_port, b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    assert out.startswith(b'HTTP/1.1 400')
    assert b'HTTPS' in out
    # An untrusting client fails the handshake.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + '/health', timeout=5)


def test_unusable_tls_files_refuse_to_start(make_platform, broker, tmp_path):
    missing = tmp_path / 'missing.pem'
    p = make_platform(broker, env={'TLS_CERT': str(missing), 'TLS_KEY': str(missing)},
                      start=False)
    p.start(wait=False)
    code = p.proc.wait(20)
    assert code != 0
    assert 'TLS_CERT' in p.run_output()


def test_port_in_use_names_the_address(make_platform, broker):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen()
        port = s.getsockname()[1]
        p = make_platform(broker, env={'PORT': str(port)}, start=False)
        p.start(wait=False)
        code = p.proc.wait(20)
    assert code != 0
    assert f'127.0.0.1:{port}' in p.run_output()


def test_graceful_stop_finishes_the_request_in_flight(make_platform, broker):
    p = make_platform(broker)
    # The request in flight is a cheap one: a login's password hash could take seconds under
    # the sanitizers, longer than the platform's grace for a busy connection.
    token = p.login()
    body = json.dumps({'device_id': 'InFlight'}).encode()
    head = (f'POST /api/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
            f'Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n').encode()
    with socket.create_connection(('127.0.0.1', p.http_port), timeout=10) as busy, \
            socket.create_connection(('127.0.0.1', p.http_port), timeout=10) as idle:
        idle.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
        assert idle.recv(4096).startswith(b'HTTP/1.1 200')
        busy.sendall(head + body[:10])
        time.sleep(0.3)
        stopped_at = time.monotonic()
        p.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # The idle keep-alive connection is closed at once.
        assert idle.recv(4096) == b''
        # No new connections are accepted.
        wait_for(lambda: not _connects(p.http_port), timeout=2)
        busy.sendall(body[10:])
        data = b''
        while True:
            part = busy.recv(65536)
            if not part:
                break
            data += part
    status, headers, payload = split_responses(data)[0]
    assert status == 201, payload
    assert headers['connection'] == 'close'
    assert json.loads(payload)['data']['device_id'] == 'InFlight'
    assert p.proc.wait(10) == 0
    assert time.monotonic() - stopped_at < STOP_LIMIT_S + 1


def _connects(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=0.2) as s:
            s.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
            return s.recv(16).startswith(b'HTTP')
    except OSError:
        return False
