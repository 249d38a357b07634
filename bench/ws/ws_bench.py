#!/usr/bin/python3
"""WebSocket benchmark: publish -> client latency and loss, and memory per idle connection.

  1. stream: a fresh Mosquitto and `blazeiot serve`; bench_ws_load opens N clients subscribed
     to sensor_data while it publishes SensorData at each rate in turn; every client times
     every message and counts what it did not get.
  2. idle: a fresh platform again; VmRSS before and after bench_ws_load holds M idle
     connections.
It reports; it asserts nothing. run.sh builds the binaries and calls this script.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench_processes import (BenchError, Broker, Processes, cpu_seconds,  # noqa: E402
                             free_port, machine_speed, status_kb)

READY_TIMEOUT_S = 30.0
SETTLE_S = 1.0

TARGET_P99_MS = 10.0      # at 5k msg/s
TARGET_IDLE_KB = 50.0     # platform memory per idle connection


def thread_cpu(pid):
    """{thread label: CPU seconds} for every thread of pid (label: name and tid offset)."""
    result = {}
    for tid in map(int, os.listdir(f"/proc/{pid}/task")):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            result[f"{name}+{tid - pid}"] = cpu_seconds(pid, tid)
        except OSError:
            continue  # the thread ended meanwhile
    return result


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Platform:
    """`blazeiot serve` on a fresh state directory; its output is drained into a log file."""

    def __init__(self, processes, binary, broker, workdir, extra_env=None):
        self.workdir = workdir
        self.port = free_port()
        data = os.path.join(workdir, "data")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MQTT_", "POSTGRES_", "BLAZEIOT_", "WS_", "JWT_"))
               and k not in ("DATABASE_URL", "DB_TYPE", "NODE_ENV", "PORT", "HOST")}
        env.update({
            "NODE_ENV": "development",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "MQTT_URL": broker.url,
            "MQTT_CLIENT_ID": f"blazeiot-ws-bench-{os.getpid()}-{self.port}",
            "DB_TYPE": "sqlite",
            "DATA_DIR": data,
            "SQLITE_PATH": os.path.join(data, "blazeiot.db"),
            "LOG_DIR": os.path.join(workdir, "logs"),
            "UPLOAD_DIR": os.path.join(workdir, "uploads"),
            **(extra_env or {}),
        })
        self.log_path = os.path.join(workdir, "platform.log")
        self._ready = threading.Event()
        self.tail = []
        self.process = processes.start([binary, "serve"], cwd=workdir, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(READY_TIMEOUT_S) or self.process.poll() is not None:
            raise BenchError("the platform did not become ready:\n" + "\n".join(self.tail))

    def _drain(self):
        with open(self.log_path, "wb") as log:
            for line in self.process.stdout:
                log.write(line)
                self.tail = (self.tail + [line.decode(errors="replace").rstrip()])[-20:]
                if b"Platform ready" in line:
                    self._ready.set()
        self._ready.set()

    @property
    def pid(self):
        return self.process.pid

    def login(self):
        body = json.dumps({"username": "admin", "password": "admin123"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/auth/login", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["token"]


def read_events(process, on_event):
    """Feeds each JSON line of the tool's output to on_event; returns the list of events."""
    events = []
    for line in process.stdout:
        line = line.strip()
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        events.append(event)
        on_event(event)
    return events


def run_stream(args, processes, root):
    workdir = os.path.join(root, "stream")
    os.makedirs(workdir)
    broker = Broker(processes, workdir, tcp_nodelay=True)
    platform = Platform(processes, args.blazeiot, broker, workdir)
    token = platform.login()
    time.sleep(SETTLE_S)
    rss_idle = status_kb(platform.pid, "VmRSS")
    tool = processes.start(
        [args.tool, "stream", "--ws-port", str(platform.port), "--token", token,
         "--mqtt-port", str(broker.port), "--clients", str(args.clients),
         "--rates", ",".join(str(r) for r in args.rates), "--seconds", str(args.seconds),
         "--devices", str(args.devices), "--qos", str(args.qos), "--gap", str(args.gap)],
        stdout=subprocess.PIPE, text=True)
    phases = {}

    def on_event(event):
        kind = event.get("event")
        if kind == "subscribed":
            print(f"  {event['clients']} clients subscribed", flush=True)
        elif kind == "phase_start":
            phases[event["run"]] = {"cpu": cpu_seconds(platform.pid),
                                    "broker_cpu": cpu_seconds(broker.process.pid),
                                    "receiver_cpu": cpu_seconds(tool.pid, tool.pid),
                                    "threads": thread_cpu(platform.pid),
                                    "t": time.monotonic()}
            print(f"  phase {event['run']}: {event['rate']:.0f} msg/s ...", flush=True)
        elif kind == "phase_end":
            p = phases[event["run"]]
            elapsed = time.monotonic() - p["t"]
            p["platform_cpu_pct"] = 100 * (cpu_seconds(platform.pid) - p["cpu"]) / elapsed
            p["broker_cpu_pct"] = 100 * (cpu_seconds(broker.process.pid) - p["broker_cpu"]) / elapsed
            # The receiving clients run on the tool's main thread; when it nears 100 % the
            # figures measure the load generator rather than the platform.
            p["receiver_cpu_pct"] = 100 * (cpu_seconds(tool.pid, tool.pid) - p["receiver_cpu"]) / elapsed
            p["rss_kb"] = status_kb(platform.pid, "VmRSS")
            now = thread_cpu(platform.pid)
            p["platform_threads_pct"] = {
                label: round(100 * (cpu - p["threads"].get(label, 0)) / elapsed)
                for label, cpu in sorted(now.items(), key=lambda kv: p["threads"].get(kv[0], 0) - kv[1])
                if cpu - p["threads"].get(label, 0) > 0.01 * elapsed}

    events = read_events(tool, on_event)
    code = tool.wait()
    result = next((e for e in events if e.get("event") == "result"), None)
    if result is None:
        raise BenchError(f"bench_ws_load stream failed (exit {code}): {events[-1:]}")
    for run in result["runs"]:
        run.update({k: v for k, v in phases.get(run["run"], {}).items()
                    if k in ("platform_cpu_pct", "broker_cpu_pct", "receiver_cpu_pct", "rss_kb", "platform_threads_pct")})
    result["rss_idle_kb"] = rss_idle
    result["rss_peak_kb"] = status_kb(platform.pid, "VmHWM")
    result["platform_alive"] = platform.process.poll() is None
    processes.stop(platform.process)
    processes.stop(broker.process)
    return result


def run_idle(args, processes, root):
    workdir = os.path.join(root, "idle")
    os.makedirs(workdir)
    broker = Broker(processes, workdir, tcp_nodelay=True)
    platform = Platform(processes, args.blazeiot, broker, workdir)
    token = platform.login()
    time.sleep(SETTLE_S)
    before = status_kb(platform.pid, "VmRSS")
    fds_before = open_fds(platform.pid)
    tool = processes.start(
        [args.tool, "idle", "--ws-port", str(platform.port), "--token", token,
         "--clients", str(args.idle)],
        stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    line = tool.stdout.readline()
    if not line.startswith("{"):
        raise BenchError(f"bench_ws_load idle failed (exit {tool.wait()}): {line.strip()}")
    ready = json.loads(line)
    time.sleep(SETTLE_S)
    after = status_kb(platform.pid, "VmRSS")
    fds_after = open_fds(platform.pid)
    tool.stdin.write("close\n")
    tool.stdin.flush()
    done = json.loads(tool.stdout.readline() or "{}")
    tool.wait(10)
    processes.stop(platform.process)
    processes.stop(broker.process)
    connected = ready.get("connected", 0)
    return {
        "requested": args.idle, "connected": connected, "failed": ready.get("failed"),
        "refused": ready.get("closed"), "error": ready.get("error"),
        "dropped_while_idle": done.get("closed_by_server_while_idle"),
        "rss_before_kb": before, "rss_after_kb": after,
        "fds_before": fds_before, "fds_after": fds_after,
        "kb_per_connection": (after - before) / args.idle,
    }


def verdict(ok):
    return "met" if ok else "MISSED"


def print_report(stream, idle):
    print()
    if stream:
        print(f"Stream: {stream['clients']} clients subscribed to sensor_data "
              f"(platform RSS idle {stream['rss_idle_kb'] / 1024:.1f} MB, "
              f"peak {stream['rss_peak_kb'] / 1024:.1f} MB)")
        print(f"  {'rate':>9} {'sent':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'lost/client (min/mean/max)':>28} {'CPU: platform':>14} {'broker':>7} "
              f"{'clients':>8}  {'1st s p99/max':>14}  {'later p99/max':>14}  target")
        for run in stream["runs"]:
            lat = run["latency_us"]
            first = run["first_second_us"]
            later = run["later_us"]
            lost = run["lost_per_client"]
            target = ""
            if run["rate"] >= 5000:
                target = (f"p99 < {TARGET_P99_MS:.0f} ms: "
                          f"{verdict(lat['p99'] / 1000 < TARGET_P99_MS and lost['max'] == 0)}")
            print(f"  {run['rate']:>5.0f}/s {run['sent']:>7} {lat['p50'] / 1000:>8.2f} "
                  f"{lat['p99'] / 1000:>8.2f} {lat['max'] / 1000:>8.1f} "
                  f"{lost['min']:>9}/{lost['mean']:>8.1f}/{lost['max']:<9} "
                  f"{run.get('platform_cpu_pct', 0):>13.0f}% {run.get('broker_cpu_pct', 0):>6.0f}% "
                  f"{run.get('receiver_cpu_pct', 0):>7.0f}%  "
                  f"{first['p99'] / 1000:>7.1f}/{first['max'] / 1000:<6.1f}  "
                  f"{later['p99'] / 1000:>7.1f}/{later['max'] / 1000:<6.1f}  {target}")
        for run in stream["runs"]:
            threads = ", ".join(f"{k} {v}%" for k, v in run.get("platform_threads_pct", {}).items())
            print(f"  {run['rate']:>5.0f}/s platform threads: {threads}")
        closed = stream["closed_by_server"]
        print(f"  clients closed by the server: {closed or 'none'}; platform alive after: "
              f"{stream['platform_alive']}")
    if idle:
        print(f"Idle: {idle['connected']}/{idle['requested']} connections held "
              f"(failed {idle['failed']}, refused {idle['refused'] or 'none'}); "
              f"RSS {idle['rss_before_kb'] / 1024:.1f} -> {idle['rss_after_kb'] / 1024:.1f} MB")
        print(f"  memory per idle connection: {idle['kb_per_connection']:.1f} KB "
              f"(target < {TARGET_IDLE_KB:.0f} KB: "
              f"{verdict(idle['kb_per_connection'] < TARGET_IDLE_KB and idle['connected'] == idle['requested'])})")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blazeiot", required=True, help="platform binary")
    parser.add_argument("--tool", required=True, help="bench_ws_load binary")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",")],
                        default=[1000.0, 5000.0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--gap", type=float, default=0,
                        help="idle seconds between phases (a phase after a gap starts cold: "
                             "see bench/machine)")
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--qos", type=int, default=1, choices=(0, 1))
    parser.add_argument("--idle", type=int, default=1000, help="idle connections")
    parser.add_argument("--skip-stream", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--machine-probe", help="bench/machine's bench_cold_memory binary")
    args = parser.parse_args()

    limit = raise_fd_limit(args.idle + args.clients + 1024)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; "
          f"open-file limit {limit}", flush=True)
    if load[0] > os.cpu_count() / 2:
        print("warning: the machine is busy; latencies will reflect that", flush=True)
    speed = machine_speed(args.machine_probe)
    print(f"machine speed now: {speed}", flush=True)

    processes = Processes()
    root = tempfile.mkdtemp(prefix="blazeiot-ws-bench-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stream = idle = None
    try:
        if not args.skip_stream:
            print(f"stream: {args.clients} clients, {args.seconds:g} s at each of "
                  f"{', '.join(f'{r:g}' for r in args.rates)} msg/s (QoS {args.qos}), "
                  f"{args.gap:g} s idle between phases", flush=True)
            stream = run_stream(args, processes, root)
        if not args.skip_idle:
            print(f"idle: {args.idle} connections", flush=True)
            idle = run_idle(args, processes, root)
    except (BenchError, OSError) as e:
        print(f"ws_bench: {e}", file=sys.stderr)
        return 1
    finally:
        processes.stop_all()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print_report(stream, idle)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"stream": stream, "idle": idle, "load_average": load,
                       "machine_speed": speed}, f, indent=2)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
