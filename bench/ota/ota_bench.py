"""Firmware upload/download benchmark orchestrator (run through bench/ota/run.sh).

The platform runs on its embedded defaults in a fresh directory. A file of random bytes
(50 MB, the default MAX_FIRMWARE_SIZE) is uploaded with curl as multipart/form-data and
downloaded back with curl, R times each. A sampler reads the platform's VmRSS from
/proc every 5 ms; for each transfer it reports MB/s and the RSS growth over the RSS just
before the transfer (target: less than 8 MB). The download is checked against the
upload's SHA-256.

Everything started here is stopped by PID at the end (also on Ctrl-C or an error).
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench_processes import free_port, status_kb  # noqa: E402

TARGET_RSS_GROWTH_MB = 8.0


class RssSampler:
    """Peak VmRSS of a process while `with` is open."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self.before = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.before = status_kb(self.pid, "VmRSS")
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))

    @property
    def growth_mb(self):
        return (self.peak - self.before) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--blazeiot', required=True)
    ap.add_argument('--size-mb', type=int, default=50)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix='blazeiot-ota-bench-')
    port, mqtt_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k == 'PATH' or k == 'HOME'}
    env.update({'HOST': '127.0.0.1', 'PORT': str(port), 'MQTT_EMBEDDED_PORT': str(mqtt_port),
                'DATA_DIR': f'{work}/data', 'SQLITE_PATH': f'{work}/data/blazeiot.db',
                'LOG_DIR': f'{work}/logs', 'UPLOAD_DIR': f'{work}/uploads',
                'WEB_DIR': '', 'MAX_FIRMWARE_SIZE': str(max(args.size_mb, 50) * 1024 * 1024)})
    out = open(f'{work}/platform.out', 'wb')
    proc = subprocess.Popen([args.blazeiot, 'serve'], cwd=work, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        deadline = time.monotonic() + 30
        while b'Platform ready' not in open(f'{work}/platform.out', 'rb').read():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit('platform did not start:\n' + open(f'{work}/platform.out').read())
            time.sleep(0.05)
        base = f'http://127.0.0.1:{port}'
        req = urllib.request.Request(base + '/api/auth/login', method='POST',
                                     data=b'{"username":"admin","password":"admin123"}',
                                     headers={'Content-Type': 'application/json'})
        token = json.load(urllib.request.urlopen(req))['token']

        image = f'{work}/image.bin'
        size = args.size_mb * 1024 * 1024
        with open(image, 'wb') as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1024 * 1024))
        digest = hashlib.sha256(open(image, 'rb').read()).hexdigest()
        mb = size / (1024 * 1024)
        print(f'platform pid {proc.pid}, idle RSS {status_kb(proc.pid, "VmRSS") / 1024:.1f} MB; '
              f'file {mb:.0f} MB, {args.runs} runs each')

        uploads, downloads = [], []
        for run in range(args.runs):
            with RssSampler(proc.pid) as rss:
                t0 = time.monotonic()
                res = subprocess.run(
                    ['curl', '-sS', '-f', '-H', f'Authorization: Bearer {token}',
                     '-F', f'file=@{image}', '-F', f'version=1.0.{run}', '-F', 'device_type=bench',
                     base + '/api/ota/firmware'], capture_output=True, text=True, check=True)
                seconds = time.monotonic() - t0
            fw = json.loads(res.stdout)['data']
            assert fw['sha256'] == digest, 'uploaded file hash differs'
            uploads.append((mb / seconds, rss.growth_mb))
            print(f'  upload   run {run + 1}: {mb / seconds:7.1f} MB/s, RSS '
                  f'{rss.before / 1024:.1f} -> peak {rss.peak / 1024:.1f} MB '
                  f'(+{rss.growth_mb:.1f})')

            target = f'{work}/download.bin'
            with RssSampler(proc.pid) as rss:
                t0 = time.monotonic()
                subprocess.run(['curl', '-sS', '-f', '-H', f'Authorization: Bearer {token}',
                                '-o', target, base + fw['download_path']], check=True)
                seconds = time.monotonic() - t0
            with open(target, 'rb') as f:
                assert hashlib.sha256(f.read()).hexdigest() == digest, 'download differs'
            os.remove(target)
            downloads.append((mb / seconds, rss.growth_mb))
            print(f'  download run {run + 1}: {mb / seconds:7.1f} MB/s, RSS '
                  f'{rss.before / 1024:.1f} -> peak {rss.peak / 1024:.1f} MB '
                  f'(+{rss.growth_mb:.1f})')

        def summary(name, rows):
            rate = statistics.median(r for r, _ in rows)
            growth = max(g for _, g in rows)
            verdict = 'met' if growth < TARGET_RSS_GROWTH_MB else 'MISSED'
            print(f'{name:8s}: median {rate:7.1f} MB/s; largest RSS growth {growth:.1f} MB '
                  f'(target < {TARGET_RSS_GROWTH_MB:.0f} MB: {verdict})')
        print('--- result')
        summary('upload', uploads)
        summary('download', downloads)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        out.close()
        if args.keep:
            print(f'kept {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
