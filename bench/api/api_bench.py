"""REST API benchmark orchestrator (run through bench/api/run.sh).

1. `blazeiot init-db` creates the schema in a fresh directory.
2. N readings (default 1,000,000) spread over D devices (default 100) are written straight
   into the SQLite file in one transaction (a recursive CTE: seconds, not minutes), one
   reading a minute per device, each with a JSON data object like a real device's.
3. `blazeiot serve` runs on free loopback ports with the embedded broker, the default log
   level (the access log is on) and RATE_LIMIT_MAX raised so the limiter never answers 429.
4. wrk (2 threads, C connections, --latency) runs for S seconds against each endpoint after a
   short warm-up; the requests/s and p50/p99 latencies are printed next to the targets.

Everything started here is stopped by PID at the end (also on Ctrl-C or an error).
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench_processes import free_port  # noqa: E402

TARGET_DATA_P99_MS = 5.0


def generate(db_path, readings, devices):
    start_ms = int(time.time() * 1000) - readings // devices * 60_000
    con = sqlite3.connect(db_path)
    con.execute('PRAGMA journal_mode=WAL')
    con.execute('PRAGMA synchronous=OFF')
    t0 = time.monotonic()
    with con:
        con.execute(
            "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < ? - 1) "
            "INSERT INTO devices(device_id, name, type, status, last_seen, created_at, updated_at) "
            "SELECT printf('Device%04d', n), printf('Device%04d', n), 'Temperature', 'online', "
            "?2, ?2, ?2 FROM d", (devices, start_ms))
        con.execute(
            "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < ? - 1) "
            "INSERT INTO sensor_data(source_type, source_id, type, value, data, timestamp) "
            "SELECT 'device', printf('Device%04d', i % ?2), 'temperature', 20 + (i % 97) / 10.0, "
            "printf('{\"device_id\":\"Device%04d\",\"type\":\"temperature\",\"value\":%.1f,"
            "\"unit\":\"C\",\"rssi\":%d,\"seq\":%d}', i % ?2, 20 + (i % 97) / 10.0, -40 - i % 50, i), "
            "?3 + (i / ?2) * 60000 FROM r", (readings, devices, start_ms))
    con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    con.close()
    return time.monotonic() - t0


# Every request a different page (device and offset 0-999 rotate: 100,000 combinations), so
# no answer comes from the platform's page cache: the cost of reading and rendering each page.
ROTATING_PAGES_LUA = """
local thread_id, counter = 0, 0
local next_id = 0
function setup(thread) thread:set("thread_id", next_id); next_id = next_id + 1 end
function request()
  counter = counter + 1
  local n = counter * 2 + thread_id
  local path = string.format("/api/devices/Device%04d/data?limit=100&offset=%d",
                             n % DEVICES, math.floor(n / DEVICES) % 1000)
  return wrk.format("GET", path)
end
"""


def wrk(url, connections, duration, token=None, script=None):
    threads = min(2, connections)
    cmd = ['wrk', f'-t{threads}', f'-c{connections}', f'-d{duration}s', '--latency', url]
    if script:
        cmd[1:1] = ['-s', script]
    if token:
        cmd[1:1] = ['-H', f'Authorization: Bearer {token}']
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label):
        m = re.search(rf'^\s*{label}\s+([\d.]+)(us|ms|s)\s*$', out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == 'us' else value * 1000 if unit == 's' else value

    rate = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    non_2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    errors = re.search(r'Socket errors:.*', out)
    return {'rps': rate, 'p50': ms('50%'), 'p99': ms('99%'),
            'non_2xx': int(non_2xx.group(1)) if non_2xx else 0,
            'socket_errors': errors.group(0) if errors else ''}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--blazeiot', required=True)
    ap.add_argument('--readings', type=int, default=1_000_000)
    ap.add_argument('--devices', type=int, default=100)
    ap.add_argument('--connections', type=int, default=64)
    ap.add_argument('--duration', type=int, default=15)
    ap.add_argument('--keep', action='store_true', help='keep the working directory')
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix='blazeiot-api-bench-')
    port, mqtt_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('MQTT_', 'JWT_', 'ADMIN_', 'RATE_LIMIT_', 'TLS_', 'LOG_'))}
    env.update({'HOST': '127.0.0.1', 'PORT': str(port), 'NODE_ENV': 'development',
                'DATA_DIR': f'{work}/data', 'SQLITE_PATH': f'{work}/data/blazeiot.db',
                'LOG_DIR': f'{work}/logs', 'UPLOAD_DIR': f'{work}/uploads',
                'MQTT_EMBEDDED_PORT': str(mqtt_port), 'RATE_LIMIT_MAX': '100000000'})
    proc = None
    try:
        subprocess.run([args.blazeiot, 'init-db'], cwd=work, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = generate(f'{work}/data/blazeiot.db', args.readings, args.devices)
        size_mb = os.path.getsize(f'{work}/data/blazeiot.db') / 1e6
        print(f'generated {args.readings:,} readings over {args.devices} devices in '
              f'{seconds:.1f} s ({size_mb:.0f} MB)')

        out = open(f'{work}/platform.out', 'wb')
        proc = subprocess.Popen([args.blazeiot, 'serve'], cwd=work, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        base = f'http://127.0.0.1:{port}'
        deadline = time.monotonic() + 30
        while b'Platform ready' not in open(f'{work}/platform.out', 'rb').read():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit('blazeiot did not start:\n' + open(f'{work}/platform.out').read())
            time.sleep(0.05)
        req = urllib.request.Request(base + '/api/auth/login', method='POST',
                                     data=json.dumps({'username': 'admin',
                                                      'password': 'admin123'}).encode(),
                                     headers={'Content-Type': 'application/json'})
        token = json.load(urllib.request.urlopen(req))['token']

        device = f'Device{args.devices // 2:04d}'
        data_url = f'{base}/api/devices/{device}/data?limit=100'
        data_name = f'GET /api/devices/{device}/data?limit=100'
        rotating = f'{work}/rotating_pages.lua'
        with open(rotating, 'w') as f:
            f.write(ROTATING_PAGES_LUA.replace('DEVICES', str(args.devices)))
        # (name, url, token, connections, p99 target, wrk script): the single-connection rows
        # show the service time without queueing behind 63 other connections.
        cases = [
            ('GET /health', base + '/health', None, args.connections, None, None),
            (data_name, data_url, token, args.connections, TARGET_DATA_P99_MS, None),
            (data_name, data_url, token, 1, TARGET_DATA_P99_MS, None),
            ('  same, every request another page (uncached)', base, token, args.connections,
             None, rotating),
            ('  same, every request another page (uncached)', base, token, 1, None, rotating),
        ]
        check = urllib.request.Request(data_url, headers={'Authorization': f'Bearer {token}'})
        body = json.load(urllib.request.urlopen(check))
        print(f"data endpoint: count={body['count']} total={body['total']} "
              f"response={len(json.dumps(body)):,} bytes")

        print(f'\nwrk: 2 threads (1 for one connection), {args.duration} s per case after a 3 s '
              f'warm-up; {os.cpu_count()} CPUs shared by wrk and the platform; load average '
              f'before: {os.getloadavg()[0]:.2f}\n')
        print(f"{'endpoint':<48} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'target p99':>14}")
        for name, url, tok, conns, target, script in cases:
            wrk(url, conns, 3, tok, script)
            r = wrk(url, conns, args.duration, tok, script)
            verdict = '' if target is None else \
                f"< {target:g} ms {'ok' if r['p99'] < target else 'MISSED'}"
            print(f"{name:<48} {conns:>5} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
                  f"{verdict:>14}")
            if r['non_2xx'] or r['socket_errors']:
                print(f"  ! non-2xx: {r['non_2xx']} {r['socket_errors']}")
    finally:
        if proc and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        if args.keep:
            print(f'\nkept {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
