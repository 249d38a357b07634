"""Black-box harness: a real Mosquitto, the real `blazeiot` binary, real clients.

Every process is started here and stopped by its PID; every port is a free loopback port.
"""
import itertools
import json
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import requests

MOSQUITTO = '/usr/sbin/mosquitto'
MOSQUITTO_PUB = '/usr/bin/mosquitto_pub'

# Under AddressSanitizer (scripts/test.sh sets BLAZEIOT_SANITIZED=1) the platform runs several
# times slower, and its exit scans for leaks. Bounds on durations are multiplied by SLOWDOWN
# there: what they guard against (a stall, a blocked thread, a missed deadline) shows as
# seconds either way.
SANITIZED = os.environ.get('BLAZEIOT_SANITIZED') == '1'
SLOWDOWN = 4 if SANITIZED else 1
# A SIGTERM drains and exits within 5 s (the platform's own deadline is 4.5 s).
STOP_LIMIT_S = 5 + (3 if SANITIZED else 0)

# Variables the platform reads. A developer's shell must not leak any of them into a test.
_CONFIG_PREFIXES = ('MQTT_', 'POSTGRES_', 'DB_', 'JWT_', 'ADMIN_', 'LOG_', 'RATE_LIMIT_', 'TLS_',
                    'WS_', 'MAX_')
_CONFIG_NAMES = {
    'NODE_ENV', 'HOST', 'PORT', 'TRUST_PROXY', 'CORS_ORIGIN', 'SQLITE_PATH', 'DATABASE_URL',
    'DATA_DIR', 'UPLOAD_DIR', 'DEVICE_OFFLINE_TIMEOUT', 'MAX_JSON_BODY', 'MAX_FIRMWARE_SIZE',
    'DATA_RETENTION_DAYS', 'MIN_FREE_DISK_MB',
}


_ports_given = set()


def free_port():
    """A loopback TCP port that nothing listens on right now and that this test run has not
    handed out before: the kernel may offer a released port again at once, and processes
    that are given their ports before any of them starts would then collide."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def port_open(port, host='127.0.0.1', timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(fn, timeout=10, interval=0.05, what=None):
    """Polls fn until it returns something truthy and returns that; raises TimeoutError.

    A database that is not there yet or an HTTP server that does not listen yet counts as
    "not yet", so callers can poll from the moment a process starts.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = fn()
            if value:
                return value
        except (sqlite3.OperationalError, requests.ConnectionError) as e:
            last_error = e
        if time.monotonic() >= deadline:
            detail = f' (last error: {last_error!r})' if last_error else ''
            raise TimeoutError(f'timed out after {timeout} s waiting for {what or fn}{detail}')
        time.sleep(interval)


def children_of(pid):
    """PIDs whose parent is pid (read from /proc/<n>/stat; works where .../children does not)."""
    out = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        fields = stat[stat.rfind(')') + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return out


def process_name(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return None


def process_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(')') + 2:].split()[0] != 'Z'


def _terminate(proc, sig=signal.SIGTERM, timeout=10):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise


class Broker:
    """A real Mosquitto on a free loopback port, persistence in its own directory."""

    def __init__(self, tmp_dir, tls=None):
        self.port = free_port()
        self.tls = tls
        self.dir = pathlib.Path(tmp_dir) / f'broker-{self.port}'
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.dir / 'mosquitto.conf'
        self.log_path = self.dir / 'mosquitto.log'
        self.proc = None
        self._write_config()

    @property
    def url(self):
        if self.tls:
            return f'mqtts://localhost:{self.port}'
        return f'mqtt://127.0.0.1:{self.port}'

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def _write_config(self):
        lines = [
            f'listener {self.port} 127.0.0.1',
            'allow_anonymous true',
            'persistence true',
            f'persistence_location {self.dir}/',
            'persistence_file mosquitto.db',
            'autosave_interval 0',
            # No limit on what the broker holds for a session that is away.
            'max_queued_messages 0',
            'max_queued_bytes 0',
            'set_tcp_nodelay true',
            f'log_dest file {self.log_path}',
            'log_type error',
            'log_type warning',
            'log_type notice',
            'log_type information',
            'connection_messages true',
            'log_timestamp_format %H:%M:%S',
        ]
        if os.geteuid() == 0:
            # Stay root so the broker can write its persistence file in the test directory.
            lines.append('user root')
        if self.tls:
            lines += [
                f"certfile {self.tls['certfile']}",
                f"keyfile {self.tls['keyfile']}",
            ]
            if self.tls.get('cafile'):
                lines.append(f"cafile {self.tls['cafile']}")
        self.config_path.write_text('\n'.join(lines) + '\n')

    def start(self, timeout=10):
        assert self.proc is None or self.proc.poll() is not None, 'broker already running'
        log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen([MOSQUITTO, '-c', str(self.config_path)],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f'mosquitto exited with {self.proc.returncode}:\n{self.log()}')
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise TimeoutError(f'mosquitto did not listen on {self.port}:\n{self.log()}')
            time.sleep(0.02)
        return self

    def stop(self, timeout=10):
        if self.proc is None:
            return None
        return _terminate(self.proc, signal.SIGTERM, timeout)

    def restart(self):
        self.stop()
        self.start()
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''


def platform_env(tmp_dir, broker_url=None, env=None, port=None):
    """The environment `blazeiot` runs with in tests: state under tmp_dir, nothing inherited.

    A value of None in env removes that variable (e.g. to let a .env file supply it).
    """
    tmp_dir = pathlib.Path(tmp_dir)
    out = {k: v for k, v in os.environ.items()
           if k not in _CONFIG_NAMES and not k.startswith(_CONFIG_PREFIXES)}
    data = tmp_dir / 'data'
    out.update({
        'HOST': '127.0.0.1',
        'NODE_ENV': 'development',
        'DATA_DIR': str(data),
        'SQLITE_PATH': str(data / 'blazeiot.db'),
        'LOG_DIR': str(tmp_dir / 'logs'),
        'UPLOAD_DIR': str(tmp_dir / 'uploads' / 'firmware'),
    })
    if port is not None:
        out['PORT'] = str(port)
    if broker_url:
        out['MQTT_URL'] = broker_url
    for k, v in (env or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = str(v)
    if not any(out.get(k) for k in ('MQTT_URL', 'MQTT_HOST', 'MQTT_EMBEDDED_PORT')) and \
            not (env and 'MQTT_EMBEDDED_PORT' in env):
        # The embedded broker's default port 1883 may be taken; never collide with it.
        out['MQTT_EMBEDDED_PORT'] = str(free_port())
    return out


class Platform:
    """`blazeiot serve` with its state in tmp_dir; restartable on the same state."""

    def __init__(self, binary, tmp_dir, broker_url=None, env=None, args=()):
        self.binary = str(binary)
        self.tmp_dir = pathlib.Path(tmp_dir)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.broker_url = broker_url
        env = dict(env or {})
        if 'PORT' in env:
            # The test sets (or removes) PORT itself; it knows which port to expect.
            self.http_port = int(env['PORT']) if env['PORT'] is not None else None
            port = None
        else:
            self.http_port = free_port()
            port = self.http_port
        self.env = platform_env(self.tmp_dir, broker_url, env, port)
        self.args = list(args)
        self.db_path = pathlib.Path(self.env.get('SQLITE_PATH', self.tmp_dir / 'data/blazeiot.db'))
        if not self.db_path.is_absolute():
            self.db_path = self.tmp_dir / self.db_path
        self.output_path = self.tmp_dir / 'platform.out'
        self.proc = None
        self.start_offset = 0
        self.started_at = None

    @property
    def base_url(self):
        return f'http://127.0.0.1:{self.http_port}'

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True, timeout=20):
        assert not self.alive(), 'platform already running'
        self.start_offset = self.output_path.stat().st_size if self.output_path.exists() else 0
        out = open(self.output_path, 'ab')
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen([self.binary, 'serve', *self.args], cwd=self.tmp_dir,
                                     env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        if wait:
            self.wait_ready(timeout)
        return self

    def run_output(self):
        """Output of the current (latest) run only."""
        with open(self.output_path, 'rb') as f:
            f.seek(self.start_offset)
            return f.read().decode(errors='replace')

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while 'Platform ready' not in self.run_output():
            if self.proc.poll() is not None:
                raise RuntimeError(f'blazeiot exited with {self.proc.returncode} before it was '
                                   f'ready:\n{self.run_output()}')
            if time.monotonic() > deadline:
                raise TimeoutError(f'blazeiot not ready after {timeout} s:\n{self.run_output()}')
            time.sleep(0.02)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the process, waits, returns the exit code (negative: killed by a signal)."""
        if self.proc is None:
            return None
        try:
            return _terminate(self.proc, sig, timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f'blazeiot did not exit within {timeout} s of signal {sig}:\n'
                               f'{self.run_output()[-4000:]}')

    def kill(self):
        return self.stop(signal.SIGKILL, timeout=10)

    def output(self):
        try:
            return self.output_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    def sql(self, query, params=()):
        if not self.db_path.exists():
            raise sqlite3.OperationalError(f'{self.db_path} does not exist yet')
        con = sqlite3.connect(f'file:{self.db_path}?mode=ro', uri=True, timeout=5)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def wait_for(self, fn, timeout=10, interval=0.05, what=None):
        return wait_for(fn, timeout, interval, what)

    def api(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop('headers', None) or {})
        if token:
            headers['Authorization'] = f'Bearer {token}'
        kwargs.setdefault('timeout', 10)
        return requests.request(method, self.base_url + path, headers=headers, **kwargs)

    def login(self, username='admin', password='admin123'):
        r = self.api('POST', '/api/auth/login', json={'username': username, 'password': password})
        assert r.status_code == 200, f'login failed: {r.status_code} {r.text}'
        return r.json()['token']


# ---------------------------------------------------------------------------------------
# Publishing


def _port_of(target):
    return target.port if isinstance(target, Broker) else int(target)


def mosquitto_pub(target, topic, payload, qos=1, extra=(), host='127.0.0.1', timeout=10):
    """Publishes one message with the mosquitto_pub CLI; payload (str or bytes) via stdin."""
    if isinstance(payload, (dict, list)):
        payload = json.dumps(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    cmd = [MOSQUITTO_PUB, '-h', host, '-p', str(_port_of(target)), '-q', str(qos),
           '-t', topic, '-s', *extra]
    r = subprocess.run(cmd, input=payload, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f'mosquitto_pub failed ({r.returncode}): {r.stderr.decode()}')


class PahoPublisher:
    """A paho-mqtt client that counts the broker's acknowledgements (PUBACK) per message."""

    def __init__(self, target, client_id='', clean_session=True, will=None, loop=True):
        self.port = _port_of(target)
        self.client = mqtt.Client(client_id=client_id, clean_session=clean_session)
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.05, 0.5)
        self._lock = threading.Lock()
        self._pending = {}   # mid -> tag
        self._early = set()  # mids acknowledged before publish() recorded them
        self.acked = []      # tags in PUBACK order
        self.connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, rc: self.connected.clear()
        self.client.on_publish = self._on_publish
        if will:
            self.client.will_set(**will)
        self.loop = loop
        self.client.connect('127.0.0.1', self.port, keepalive=30)
        if loop:
            self.client.loop_start()
            if not self.connected.wait(10):
                raise TimeoutError(f'paho could not connect to 127.0.0.1:{self.port}')
        else:
            deadline = time.monotonic() + 10
            while not self.connected.is_set():
                self.client.loop(0.05)
                if time.monotonic() > deadline:
                    raise TimeoutError(f'paho could not connect to 127.0.0.1:{self.port}')

    def _on_connect(self, client, userdata, flags, rc):
        if rc == 0:
            self.connected.set()

    def _on_publish(self, client, userdata, mid):
        # paho calls this with its own message lock held: never wait for anything here that
        # publish() could hold while it calls into paho.
        with self._lock:
            if mid in self._pending:
                self.acked.append(self._pending.pop(mid))
            else:
                self._early.add(mid)

    def publish(self, topic, payload, qos=1, tag=None):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        info = self.client.publish(topic, payload, qos=qos)
        if qos > 0:
            tag = tag if tag is not None else info.mid
            with self._lock:
                if info.mid in self._early:
                    self._early.discard(info.mid)
                    self.acked.append(tag)
                else:
                    self._pending[info.mid] = tag
        if not self.loop:
            self.client.loop(0.01)
        return info

    def acked_tags(self):
        with self._lock:
            return list(self.acked)

    def pending_count(self):
        with self._lock:
            return len(self._pending)

    def wait_all_acked(self, timeout=10):
        return wait_for(lambda: self.pending_count() == 0, timeout, what='all PUBACKs')

    def pump(self, seconds):
        """Runs the network loop by hand (for a client made with loop=False)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.client.loop(0.02)

    def drop_connection(self):
        """Closes the TCP connection without DISCONNECT, so the broker publishes the will."""
        sock = self.client.socket()
        if self.loop:
            self.client.loop_stop()
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def close(self):
        try:
            if self.loop:
                self.client.disconnect()
                self.client.loop_stop()
            else:
                self.client.disconnect()
        except Exception:
            pass


def publish_paho(target, topic, payload, qos=1, timeout=10):
    """Publishes one message with paho and waits for the broker's acknowledgement."""
    pub = PahoPublisher(target)
    try:
        pub.publish(topic, payload, qos=qos)
        if qos > 0:
            pub.wait_all_acked(timeout)
    finally:
        pub.close()


class SeqLoad:
    """Publishes seq 0, 1, ... at QoS 1 at about `rate` messages per second on one thread, in
    turn to each of `devices` (`SensorData/<device>`): `count` messages, or with count=None
    until stop() (a load that must still be running when something happens to the platform,
    however slow the machine). finish() returns the seqs the broker acknowledged."""

    def __init__(self, broker, devices, count=None, rate=2000):
        self.pub = PahoPublisher(broker)
        self.count, self.rate, self.devices = count, rate, list(devices)
        self.published = 0
        self.error = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self._publish()
        except Exception as e:  # noqa: BLE001 - reported by finish()
            self.error = e
            raise

    def _publish(self):
        burst = 20
        start = time.monotonic()
        for seq in range(self.count) if self.count is not None else itertools.count():
            if self.stopping.is_set():
                break
            device = self.devices[seq % len(self.devices)]
            self.pub.publish(f'SensorData/{device}',
                             json.dumps({'device_id': device, 'type': 'seq', 'value': seq,
                                         'seq': seq}), qos=1, tag=seq)
            self.published += 1
            if self.published % burst == 0:
                ahead = start + self.published / self.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)

    @property
    def running(self):
        return self.thread.is_alive()

    def go_on_for(self, messages, timeout=30):
        """Returns once `messages` more have been published (after an event under test)."""
        target = self.published + messages
        wait_for(lambda: self.published >= target, timeout=timeout,
                 what=f'{messages} more messages published')
        return self

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        return self

    def finish(self, timeout=20):
        """Waits until the broker acknowledged everything; returns the acknowledged seqs."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), 'publisher did not finish'
        assert self.error is None, f'publisher failed: {self.error!r}'
        expected = self.count if self.count is not None else self.published
        self.pub.wait_all_acked(timeout)
        acked = set(self.pub.acked_tags())
        self.pub.close()
        assert acked == set(range(expected)), f'broker acknowledged {len(acked)}/{expected}'
        return acked


def wait_progress(measure, done, stall_s, what, cap_s=300):
    """Polls measure() until done(its value) holds, for as long as the value keeps changing and
    at most stall_s seconds after it last did: a slow machine works through a backlog slowly,
    a stuck one not at all. Returns (whether done, the last value) so that the caller can say
    what is missing without measuring again."""
    last, changed_at = None, time.monotonic()

    def done_or_stalled():
        nonlocal last, changed_at
        value = measure()
        if value != last:
            last, changed_at = value, time.monotonic()
        return done(value) or time.monotonic() - changed_at > stall_s

    try:
        wait_for(done_or_stalled, timeout=cap_s, interval=0.2, what=what)
    except TimeoutError:
        pass
    return last is not None and done(last), last


# ---------------------------------------------------------------------------------------
# Small helpers shared by the tests


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------------------------------
# Certificates (openssl CLI)


def _openssl(*args, cwd):
    r = subprocess.run(['openssl', *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f'openssl {" ".join(args)} failed:\n{r.stderr}')


def make_ca(directory, name='ca'):
    """A self-signed CA: returns {'cert': <name>.pem, 'key': <name>.key} paths."""
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
             '-nodes', '-keyout', f'{name}.key', '-out', f'{name}.pem', '-days', '2',
             '-subj', f'/CN=BlazeIoT test {name}',
             '-addext', 'basicConstraints=critical,CA:TRUE',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=d)
    return {'cert': str(d / f'{name}.pem'), 'key': str(d / f'{name}.key')}


def make_server_cert(directory, ca, name='server', san='DNS:localhost,IP:127.0.0.1'):
    """A server certificate signed by ca: returns {'cert': ..., 'key': ...} paths."""
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / f'{name}.ext').write_text(
        f'subjectAltName={san}\nbasicConstraints=CA:FALSE\n'
        'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n')
    _openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
             '-keyout', f'{name}.key', '-out', f'{name}.csr', '-subj', f'/CN={name}', cwd=d)
    _openssl('x509', '-req', '-in', f'{name}.csr', '-CA', ca['cert'], '-CAkey', ca['key'],
             '-CAcreateserial', '-out', f'{name}.pem', '-days', '2', '-extfile', f'{name}.ext',
             cwd=d)
    return {'cert': str(d / f'{name}.pem'), 'key': str(d / f'{name}.key')}


# ---------------------------------------------------------------------------------------
# PostgreSQL (several instances, outages)

import asyncio  # noqa: E402  (kept with the helpers that need them)
import shlex  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402

import websockets  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
PSQL = '/usr/bin/psql'
PG_TEST_SERVER = REPO / 'scripts' / 'postgres-test-server.sh'


def shared_pg_server_uri():
    """The shared test server's conninfo (BLAZEIOT_TEST_PG, set by scripts/test.sh)."""
    uri = os.environ.get('BLAZEIOT_TEST_PG')
    if not uri:
        raise RuntimeError('BLAZEIOT_TEST_PG is not set: start a server with '
                           '`uri=$(scripts/postgres-test-server.sh start /tmp/pg)` and export '
                           'BLAZEIOT_TEST_PG=$uri (scripts/test.sh does this)')
    return uri


def psql(uri, query, timeout=30):
    """Runs one SQL statement with the psql CLI; returns rows as lists of strings."""
    r = subprocess.run([PSQL, '-X', '-q', '-A', '-t', '-F', '\x1f', '-v', 'ON_ERROR_STOP=1',
                        '-d', uri, '-c', query], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f'psql failed ({r.returncode}): {r.stderr.strip()}\n  query: {query}')
    return [line.split('\x1f') for line in r.stdout.splitlines() if line]


def with_database(uri, name):
    """The same conninfo (URI form) naming another database."""
    base, _, query = uri.partition('?')
    base = base[:base.rfind('/')] if base.count('/') > 2 else base
    return f'{base}/{name}' + (f'?{query}' if query else '')


class PgDatabase:
    """A fresh, uniquely named database on a server; dropped by drop()."""

    def __init__(self, server_uri):
        self.server_uri = server_uri
        self.name = f't_{os.getpid()}_{uuid.uuid4().hex[:10]}'
        psql(server_uri, f'CREATE DATABASE {self.name}')
        self.uri = with_database(server_uri, self.name)

    def sql(self, query):
        return psql(self.uri, query)

    def scalar(self, query):
        rows = self.sql(query)
        return rows[0][0] if rows else None

    def drop(self):
        psql(self.server_uri, f'DROP DATABASE IF EXISTS {self.name} WITH (FORCE)')


class PostgresServer:
    """A private PostgreSQL 15 (scripts/postgres-test-server.sh) that a test may stop and start
    again on the same port and data, as an operator's restart or an outage would."""

    def __init__(self):
        # Not under pytest's tmp_path: as root the server runs as `postgres`, which must be
        # able to reach its directory (the script makes it the owner of this one).
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix='blazeiot-test-pg.'))
        r = subprocess.run([str(PG_TEST_SERVER), 'start', str(self.dir)], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f'postgres-test-server.sh start failed:\n{r.stderr}')
        self.uri = r.stdout.strip()
        self.data = self.dir / 'data'
        # The server's own command line, to start it again exactly as the script did.
        opts = shlex.split((self.data / 'postmaster.opts').read_text())
        options = []
        skip = False
        for i, arg in enumerate(opts[1:], 1):
            if skip:
                skip = False
                continue
            if arg == '-D':
                skip = True
                continue
            options.append(arg)
        self.options = ' '.join(shlex.quote(o) for o in options)
        self.pg_ctl = str(pathlib.Path(opts[0]).parent / 'pg_ctl')

    def _as_owner(self, *cmd):
        return (['runuser', '-u', 'postgres', '--', *cmd] if os.geteuid() == 0 else list(cmd))

    def stop_server(self, mode='fast'):
        subprocess.run(self._as_owner(self.pg_ctl, '-D', str(self.data), '-m', mode, '-w',
                                      'stop'), check=True, capture_output=True, timeout=60)

    def start_server(self):
        subprocess.run(self._as_owner(self.pg_ctl, '-D', str(self.data), '-l',
                                      str(self.dir / 'server.log'), '-w', '-t', '60', '-o',
                                      self.options, 'start'),
                       check=True, capture_output=True, timeout=90)

    def close(self):
        subprocess.run([str(PG_TEST_SERVER), 'stop', str(self.dir)], capture_output=True,
                       timeout=60)


def pg_env(database_uri, shared_group=None, **extra):
    """Platform environment for DB_TYPE=postgres (JWT_SECRET shared, so one login serves all
    instances)."""
    env = {'DB_TYPE': 'postgres', 'DATABASE_URL': database_uri,
           'JWT_SECRET': 'integration-test-secret-shared-by-all-instances-0123456789'}
    if shared_group:
        env['MQTT_SHARED_GROUP'] = shared_group
    env.update(extra)
    return env


class WsRecorder:
    """A WebSocket client on a thread of its own that keeps every message it receives on the
    channels it subscribed to."""

    def __init__(self, platform, token, channels):
        self.url = f'ws://127.0.0.1:{platform.http_port}/ws?token={token}'
        self.channels = list(channels)
        self._lock = threading.Lock()
        self._messages = []
        self._ready = threading.Event()
        self._stopping = False
        self.error = None
        self.closed = False
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self):
        try:
            async with websockets.connect(self.url, ping_interval=None, close_timeout=2,
                                          max_size=2 ** 24, open_timeout=5) as ws:
                hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert hello.get('type') == 'connected', hello
                for channel in self.channels:
                    await ws.send(json.dumps({'type': 'subscribe', 'channel': channel}))
                    while json.loads(await asyncio.wait_for(ws.recv(), 5)).get('type') != \
                            'subscribed':
                        pass
                self._ready.set()
                while not self._stopping:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.2)
                    except asyncio.TimeoutError:
                        continue
                    message = json.loads(raw)
                    with self._lock:
                        self._messages.append(message)
        except websockets.ConnectionClosed:
            self.closed = True
        except Exception as e:  # reported by start() or the test
            self.error = e
        finally:
            self._ready.set()

    def start(self):
        self._thread.start()
        if not self._ready.wait(10) or self.error:
            raise RuntimeError(f'WebSocket client did not get going: {self.error!r}')
        return self

    def messages(self, type_=None):
        with self._lock:
            return [m for m in self._messages if type_ is None or m.get('type') == type_]

    def stop(self):
        self._stopping = True
        self._thread.join(5)
