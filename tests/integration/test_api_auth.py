"""Authentication and authorisation against the real binary: logins, tokens and the ways to
forge them, roles, account management, password storage, throttling, start-up safety."""
import base64
import crypt
import hashlib
import hmac
import json
import os
import sqlite3
import stat
import subprocess
import threading
import time
import warnings

import pytest
import requests

from harness import SLOWDOWN, Broker, Platform, children_of

SECRET = 'k3Jd9sLq2VbX8nRt5YwZ1cFg7HmP4aUe6TiO0yEr'


def b64url(data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(',', ':'))
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def forge(payload, header=None, secret=SECRET, signature=None):
    """An HS256 token over any header and payload; signature None = the correct one."""
    header = header or {'alg': 'HS256', 'typ': 'JWT'}
    signing_input = f'{b64url(header)}.{b64url(payload)}'
    if signature is None:
        mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        signature = b64url(mac)
    return f'{signing_input}.{signature}'


def claims(user_id=1, role='admin', **overrides):
    now = int(time.time())
    c = {'sub': str(user_id), 'id': user_id, 'username': 'admin', 'role': role,
         'iat': now, 'exp': now + 600, 'iss': 'blazeiot', 'aud': 'blazeiot-api'}
    c.update(overrides)
    return c


@pytest.fixture(scope='module')
def shared(blazeiot_binary, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('api-auth')
    broker = Broker(tmp).start()
    p = Platform(blazeiot_binary, tmp / 'platform', broker_url=broker.url,
                 env={'JWT_SECRET': SECRET, 'JWT_EXPIRES_IN': '3600'})
    p.start()
    p.admin_token = p.login()
    r = p.api('POST', '/api/users', token=p.admin_token,
              json={'username': 'viewer1', 'email': 'viewer1@example.com',
                    'password': 'viewer-pass-1', 'role': 'viewer'})
    assert r.status_code == 201, r.text
    p.viewer_id = r.json()['data']['id']
    p.viewer_token = p.login('viewer1', 'viewer-pass-1')
    yield p
    p.stop()
    broker.stop()


def test_login_shape(shared):
    r = shared.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 'admin123'})
    assert r.status_code == 200
    body = r.json()
    assert body['success'] is True
    assert body['token'].count('.') == 2
    assert body['user'] == {'id': 1, 'username': 'admin', 'email': 'admin@blazeiot.com',
                            'role': 'admin'}
    header = json.loads(base64.urlsafe_b64decode(body['token'].split('.')[0] + '=='))
    assert header['alg'] == 'HS256'
    payload = json.loads(base64.urlsafe_b64decode(body['token'].split('.')[1] + '=='))
    assert payload['iss'] == 'blazeiot' and payload['aud'] == 'blazeiot-api'
    assert payload['exp'] - payload['iat'] == 3600
    assert 'admin123' not in r.text


def test_login_failures(shared):
    wrong = shared.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 'nope-nope'})
    ghost = shared.api('POST', '/api/auth/login', json={'username': 'ghost', 'password': 'nope-nope'})
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json() == ghost.json() == {'success': False, 'message': 'Invalid credentials'}

    r = shared.api('POST', '/api/auth/login', json={'username': 'admin'})
    assert r.status_code == 400
    assert r.json() == {'success': False,
                        'errors': [{'field': 'password', 'message': 'is required'}]}
    r = shared.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 1234})
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'password'
    r = shared.api('POST', '/api/auth/login',
                   json={'username': 'admin', 'password': 'admin123', 'role': 'admin'})
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'role'


def test_me(shared):
    r = shared.api('GET', '/api/auth/me', token=shared.viewer_token)
    assert r.status_code == 200
    body = r.json()
    assert body['success'] is True
    assert body['data']['username'] == 'viewer1'
    assert body['data']['role'] == 'viewer'
    assert body['user'] == body['data']
    assert 'password_hash' not in r.text and '$argon2' not in r.text


@pytest.mark.parametrize('case', [
    'missing', 'not-bearer', 'garbage', 'alg-none', 'alg-none-signed', 'alg-hs512',
    'tampered-signature', 'tampered-role', 'expired', 'wrong-audience', 'no-audience',
    'wrong-issuer', 'other-secret', 'not-yet-valid', 'unknown-user'])
def test_bad_tokens_are_401(shared, case):
    genuine = shared.viewer_token
    head, payload, sig = genuine.split('.')
    viewer = claims(shared.viewer_id, 'viewer', username='viewer1')
    tokens = {
        'garbage': 'abc.def.ghi',
        'alg-none': forge(claims(), header={'alg': 'none', 'typ': 'JWT'}, signature=''),
        'alg-none-signed': forge(claims(), header={'alg': 'none', 'typ': 'JWT'}),
        'alg-hs512': forge(claims(), header={'alg': 'HS512', 'typ': 'JWT'}),
        'tampered-signature': f'{head}.{payload}.{sig[:-4]}{"AAAA" if sig[-4:] != "AAAA" else "BBBB"}',
        'tampered-role': f'{head}.{b64url(dict(viewer, role="admin"))}.{sig}',
        'expired': forge(dict(viewer, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        'wrong-audience': forge(dict(viewer, aud='another-api')),
        'no-audience': forge({k: v for k, v in viewer.items() if k != 'aud'}),
        'wrong-issuer': forge(dict(viewer, iss='someone-else')),
        'other-secret': forge(viewer, secret='a-completely-different-secret-value-123'),
        'not-yet-valid': forge(dict(viewer, nbf=int(time.time()) + 3600)),
        'unknown-user': forge(claims(9999, 'admin')),
    }
    if case == 'missing':
        r = shared.api('GET', '/api/devices')
    elif case == 'not-bearer':
        r = shared.api('GET', '/api/devices', headers={'Authorization': 'Basic YWRtaW46YWRtaW4xMjM='})
    else:
        r = shared.api('GET', '/api/devices', token=tokens[case])
    assert r.status_code == 401, r.text
    assert r.json()['success'] is False
    # The forged admin claims must not open admin endpoints either.
    if case != 'missing':
        assert shared.api('GET', '/api/users', token=tokens.get(case, 'x')).status_code == 401


def test_a_correctly_forged_token_is_accepted(shared):
    """The test's forging code is right: with the real secret it produces a token the server
    takes, so the rejections above are about what was wrong with each token."""
    good = forge(claims(shared.viewer_id, 'viewer', username='viewer1'))
    assert shared.api('GET', '/api/devices', token=good).status_code == 200


def test_viewer_writes_are_403(shared):
    t = shared.viewer_token
    writes = [
        ('POST', '/api/devices', {'device_id': 'V1'}),
        ('PUT', '/api/devices/V1', {'name': 'x'}),
        ('DELETE', '/api/devices/V1', None),
        ('POST', '/api/gateways', {'gateway_id': 'G1'}),
        ('PUT', '/api/gateways/G1', {'name': 'x'}),
        ('DELETE', '/api/gateways/G1', None),
        ('PUT', '/api/nodes/aa:bb', {'name': 'x'}),
        ('DELETE', '/api/nodes/aa:bb', None),
        ('POST', '/api/users', {'username': 'eve', 'email': 'e@x.io', 'password': 'longpassword'}),
        ('PUT', f'/api/users/{shared.viewer_id}', {'role': 'admin'}),
        ('DELETE', '/api/users/1', None),
        ('GET', '/api/users', None),
        ('GET', '/api/logs', None),
    ]
    for method, path, body in writes:
        r = shared.api(method, path, token=t, json=body)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json() == {'success': False, 'message': 'Admin access required'}
    me = shared.api('GET', '/api/auth/me', token=t).json()['data']
    assert me['role'] == 'viewer'
    assert shared.api('GET', '/api/devices/V1', token=shared.admin_token).status_code == 404


def test_user_management(shared):
    admin = shared.admin_token
    r = shared.api('POST', '/api/users', token=admin,
                   json={'username': 'ops.lead', 'email': 'ops@example.com',
                         'password': 'ops-password-1', 'role': 'admin'})
    assert r.status_code == 201
    ops = r.json()['data']
    assert ops['role'] == 'admin' and 'password' not in json.dumps(ops)
    assert shared.api('POST', '/api/users', token=admin,
                      json={'username': 'ops.lead', 'email': 'o2@example.com',
                            'password': 'ops-password-1'}).status_code == 409

    bad = shared.api('POST', '/api/users', token=admin,
                     json={'username': 'a b', 'email': 'not-an-email', 'password': 'short',
                           'role': 'root', 'id': 1, 'created_at': 'x'})
    assert bad.status_code == 400
    fields = sorted(e['field'] for e in bad.json()['errors'])
    assert fields == ['created_at', 'email', 'id', 'password', 'role', 'username']

    listing = shared.api('GET', '/api/users', token=admin).json()
    assert listing['success'] is True and listing['count'] == len(listing['data'])
    assert 'ops.lead' in [u['username'] for u in listing['data']]
    assert shared.api('GET', f"/api/users/{ops['id']}", token=admin).json()['data']['email'] == \
        'ops@example.com'

    ops_token = shared.login('ops.lead', 'ops-password-1')
    r = shared.api('PUT', f"/api/users/{ops['id']}", token=admin, json={'role': 'viewer'})
    assert r.status_code == 200 and r.json()['data']['role'] == 'viewer'
    # The role change applies to the token already issued.
    assert shared.api('GET', '/api/users', token=ops_token).status_code == 403
    assert shared.api('PUT', f"/api/users/{ops['id']}", token=admin,
                      json={'username': 'renamed'}).status_code == 400

    assert shared.api('DELETE', f"/api/users/{ops['id']}", token=admin).status_code == 200
    assert shared.api('GET', '/api/devices', token=ops_token).status_code == 401
    assert shared.api('DELETE', f"/api/users/{ops['id']}", token=admin).status_code == 404


def test_cannot_delete_yourself_or_the_last_admin(shared):
    admin = shared.admin_token
    r = shared.api('DELETE', '/api/users/1', token=admin)
    assert r.status_code == 409 and r.json()['success'] is False
    r = shared.api('PUT', '/api/users/1', token=admin, json={'role': 'viewer'})
    assert r.status_code == 409
    # A second admin may delete the first, but then the survivor is protected.
    second = shared.api('POST', '/api/users', token=admin,
                        json={'username': 'second', 'email': 's@example.com',
                              'password': 'second-pass-1', 'role': 'admin'}).json()['data']
    second_token = shared.login('second', 'second-pass-1')
    assert shared.api('PUT', '/api/users/1', token=second_token,
                      json={'role': 'viewer'}).status_code == 200
    assert shared.api('PUT', f"/api/users/{second['id']}", token=second_token,
                      json={'role': 'viewer'}).status_code == 409
    assert shared.api('PUT', '/api/users/1', token=second_token,
                      json={'role': 'admin'}).status_code == 200
    assert shared.api('DELETE', f"/api/users/{second['id']}", token=admin).status_code == 200


def test_default_admin_survives_a_stop_right_after_the_first_start(make_platform, broker):
    # The first start creates the default admin in the background (its password hash takes
    # a while): a SIGTERM as soon as the platform is ready must still exit cleanly, with the
    # account created, and a login as soon as it is ready must wait for the account.
    p = make_platform(broker)
    assert p.stop() == 0
    assert p.sql('SELECT username, role FROM users') == [('admin', 'admin')]
    fresh = make_platform(broker)
    fresh.login()


def test_change_own_password(make_platform, broker):
    p = make_platform(broker)
    token = p.login()
    r = p.api('PUT', '/api/auth/password', token=token,
              json={'current_password': 'wrong-one', 'new_password': 'new-admin-pass'})
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'current_password'
    r = p.api('PUT', '/api/auth/password', token=token,
              json={'current_password': 'admin123', 'new_password': 'short'})
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'new_password'
    r = p.api('PUT', '/api/auth/password', token=token,
              json={'current_password': 'admin123', 'new_password': 'new-admin-pass',
                    'role': 'admin'})
    assert r.status_code == 400 and r.json()['errors'][0]['field'] == 'role'
    r = p.api('PUT', '/api/auth/password', token=token,
              json={'current_password': 'admin123', 'new_password': 'new-admin-pass'})
    assert r.status_code == 200 and r.json()['success'] is True
    assert p.api('POST', '/api/auth/login',
                 json={'username': 'admin', 'password': 'admin123'}).status_code == 401
    p.login('admin', 'new-admin-pass')
    stored = p.sql('SELECT password_hash FROM users WHERE username = ?', ('admin',))[0][0]
    assert stored.startswith('$argon2id$') and 'new-admin-pass' not in stored


def test_password_change_signs_out_other_sessions(make_platform, broker):
    p = make_platform(broker)
    admin = p.login()
    r = p.api('POST', '/api/users', token=admin,
              json={'username': 'operator', 'email': 'op@example.com',
                    'password': 'operator-pass', 'role': 'viewer'})
    assert r.status_code == 201
    operator_id = r.json()['data']['id']
    old = p.login('operator', 'operator-pass')
    other = p.login()
    time.sleep(1.1)  # tokens carry their issue time in whole seconds

    r = p.api('PUT', '/api/auth/password', token=old,
              json={'current_password': 'operator-pass', 'new_password': 'operator-pass-2'})
    assert r.status_code == 200
    fresh = r.json()['token']
    assert p.api('GET', '/api/auth/me', token=old).status_code == 401
    assert p.api('GET', '/api/auth/me', token=fresh).json()['data']['username'] == 'operator'
    assert p.api('GET', '/api/auth/me', token=other).status_code == 200  # another user's

    # An admin resetting the password revokes the user's tokens as well.
    time.sleep(1.1)
    r = p.api('PUT', f'/api/users/{operator_id}', token=other, json={'password': 'reset-pass-3'})
    assert r.status_code == 200, r.text
    assert p.api('GET', '/api/auth/me', token=fresh).status_code == 401
    assert p.api('GET', '/api/auth/me', token=p.login('operator', 'reset-pass-3')).status_code == 200


def test_legacy_bcrypt_hash_logs_in_and_is_upgraded(make_platform, broker):
    p = make_platform(broker)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        legacy = crypt.crypt('legacy-pass-42', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024))
    assert legacy.startswith('$2b$10$')
    con = sqlite3.connect(p.db_path, timeout=10)
    with con:
        con.execute("INSERT INTO users(username, email, password_hash, role, created_at, "
                    "updated_at) VALUES ('legacy', 'l@example.com', ?, 'viewer', 0, 0)", (legacy,))
    con.close()
    assert p.api('POST', '/api/auth/login',
                 json={'username': 'legacy', 'password': 'legacy-pass-43'}).status_code == 401
    p.login('legacy', 'legacy-pass-42')
    stored = p.sql("SELECT password_hash, last_login FROM users WHERE username = 'legacy'")[0]
    assert stored[0].startswith('$argon2id$')
    assert stored[1] is not None
    p.login('legacy', 'legacy-pass-42')


def test_login_throttling(make_platform, broker):
    p = make_platform(broker)
    for _ in range(5):
        r = p.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 'guess-guess'})
        assert r.status_code == 401
    r = p.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 'admin123'})
    assert r.status_code == 429
    assert r.json()['success'] is False
    wait = int(r.headers['Retry-After'])
    assert 1 <= wait <= 2
    time.sleep(wait)
    # One more failure doubles the wait.
    assert p.api('POST', '/api/auth/login',
                 json={'username': 'admin', 'password': 'guess-again'}).status_code == 401
    r = p.api('POST', '/api/auth/login', json={'username': 'admin', 'password': 'admin123'})
    assert r.status_code == 429 and int(r.headers['Retry-After']) == 2
    time.sleep(2)
    p.login()


def test_hashing_does_not_stall_other_requests(shared):
    """Logins (Argon2id, tens of ms each) run off the network threads."""
    stop = threading.Event()
    errors = []

    def hammer():
        while not stop.is_set():
            try:
                # Six logins share two hashing slots: each may queue behind a few hashes.
                shared.api('POST', '/api/auth/login', timeout=60,
                           json={'username': 'viewer1', 'password': 'viewer-pass-1'})
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        latencies = []
        with requests.Session() as s:
            for _ in range(40):
                start = time.monotonic()
                assert s.get(shared.base_url + '/health', timeout=5).status_code == 200
                latencies.append(time.monotonic() - start)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.05 * SLOWDOWN, latencies
    assert latencies[-1] < 0.5 * SLOWDOWN, latencies


def status_kb(pid, field):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def test_passwords_are_hashed_in_a_child_process(shared):
    """Argon2id's 64 MiB, which libsodium faults in all at once while holding the address-space
    lock, belong to a short-lived child: the platform's peak memory does not grow by them at a
    login or a password change, and no child is left behind."""
    r = shared.api('POST', '/api/users', token=shared.admin_token,
                   json={'username': 'hashing1', 'email': 'hashing1@example.com',
                         'password': 'hashing-pass-1', 'role': 'viewer'})
    assert r.status_code == 201, r.text
    with open(f'/proc/{shared.pid}/clear_refs', 'w') as f:
        f.write('5')  # the peak (VmHWM) starts again from the current size
    rss_before = status_kb(shared.pid, 'VmRSS')
    token = shared.login('hashing1', 'hashing-pass-1')
    for current, new in (('hashing-pass-1', 'hashing-pass-2'), ('hashing-pass-2', 'hashing-pass-1')):
        r = shared.api('PUT', '/api/auth/password', token=token,
                       json={'current_password': current, 'new_password': new})
        assert r.status_code == 200, r.text
        token = r.json()['token']
    growth_mb = (status_kb(shared.pid, 'VmHWM') - rss_before) / 1024
    assert growth_mb < 32, f'peak grew by {growth_mb:.1f} MB'
    assert children_of(shared.pid) == []


def test_development_secret_is_generated_private_and_kept(make_platform, broker, tmp_path):
    p = make_platform(broker, tmp_dir=tmp_path / 'dev')
    token = p.login()
    secret_file = tmp_path / 'dev' / 'data' / 'jwt_secret'
    mode = stat.S_IMODE(os.stat(secret_file).st_mode)
    assert mode == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    p.stop()
    p.start()
    assert p.api('GET', '/api/auth/me', token=token).status_code == 200


@pytest.mark.parametrize('env, variable', [
    ({'ADMIN_PASSWORD': None, 'JWT_SECRET': SECRET}, 'ADMIN_PASSWORD'),
    ({'ADMIN_PASSWORD': 'admin123', 'JWT_SECRET': SECRET}, 'ADMIN_PASSWORD'),
    ({'ADMIN_PASSWORD': 'Str0ng-Admin-Passw0rd', 'JWT_SECRET': None}, 'JWT_SECRET'),
    ({'ADMIN_PASSWORD': 'Str0ng-Admin-Passw0rd', 'JWT_SECRET': 'too-short'}, 'JWT_SECRET'),
    ({'ADMIN_PASSWORD': 'Str0ng-Admin-Passw0rd',
      'JWT_SECRET': 'use_a_very_long_random_string_here'}, 'JWT_SECRET'),
])
def test_production_refuses_unsafe_settings(make_platform, broker, env, variable):
    p = make_platform(broker, env=dict(env, NODE_ENV='production'), start=False)
    p.start(wait=False)
    code = p.proc.wait(20)
    out = p.run_output()
    assert code != 0, out
    assert variable in out
    assert 'Platform ready' not in out


def test_production_starts_with_safe_settings(make_platform, broker):
    p = make_platform(broker, env={'NODE_ENV': 'production', 'JWT_SECRET': SECRET,
                                   'ADMIN_PASSWORD': 'Str0ng-Admin-Passw0rd'})
    p.login('admin', 'Str0ng-Admin-Passw0rd')


def test_seed_admin_command(blazeiot_binary, make_platform, broker, tmp_path):
    p = make_platform(broker, start=False)
    run = lambda args, stdin: subprocess.run(  # noqa: E731
        [str(blazeiot_binary), 'seed-admin', *args], cwd=p.tmp_dir, env=p.env, input=stdin,
        capture_output=True, text=True, timeout=30)
    r = run(['--username', 'operator', '--email', 'operator@example.com', '--password-stdin'],
            'operator-pass-1\n')
    assert r.returncode == 0, r.stderr
    assert 'operator-pass-1' not in r.stdout + r.stderr
    missing = run(['--username', 'x-user', '--email', 'x@example.com'], '')
    assert missing.returncode != 0
    assert '--password' in missing.stderr
    weak = run(['--username', 'y-user', '--email', 'y@example.com', '--password-stdin'], 'short\n')
    assert weak.returncode != 0 and '--password' in weak.stderr
    p.start()
    p.login('operator', 'operator-pass-1')
    role = p.sql("SELECT role FROM users WHERE username = 'operator'")[0][0]
    assert role == 'admin'
