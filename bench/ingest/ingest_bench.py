#!/usr/bin/python3
"""Ingest benchmark: how close the platform's MQTT-to-database rate comes to a bare subscriber.

For each case (SensorData / BLEGatewayData at QoS 1 and QoS 0) on a fresh Mosquitto:
  1. baseline: bench_subscriber counts N messages sent by bench_publisher;
  2. platform: `blazeiot serve` on a fresh database; the same publishers send the same N
     messages; the rate runs from the first publish until `SELECT COUNT(*) FROM sensor_data`
     (polled read-only) reaches N, or stops growing at QoS 0, where the broker may drop.
It reports; it asserts nothing. run.sh builds the binaries and calls this script.

--db postgres stores in PostgreSQL (a private server unless --pg-url), --instances N runs N
platforms in one MQTT shared subscription group on that database, --shared-group turns the
group (and with it the cross-instance events) on for a single instance.
"""
import argparse
import json
import os
import platform as host_platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from bench_databases import DatabaseError, PostgresStore, PrivatePostgres, SqliteStore

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench_processes import (MOSQUITTO, BenchError, Broker, Processes,  # noqa: E402
                             cpu_seconds, free_port, machine_speed, stat_fields,
                             status_kb)

POLL_INTERVAL_S = 0.02
READY_TIMEOUT_S = 30.0
IDLE_SETTLE_S = 1.0
QOS0_SETTLE_S = 3.0     # QoS 0: no new rows for this long after the publishers finished = done
STALL_TIMEOUT_S = 20.0  # no new rows for this long = the platform stopped; report what arrived

TARGET_RATIO = {"sqlite": {1: 0.9, 0: 0.8}, "postgres": {1: 0.7, 0: None}}
TARGET_IDLE_RSS_MB = 20.0
TARGET_READY_MS = 200.0


@dataclass(frozen=True)
class Case:
    topic: str   # SensorData / BLEGatewayData
    kind: str    # bench_publisher --kind
    qos: int

    @property
    def name(self):
        return f"{self.topic} QoS {self.qos}"

    @property
    def slug(self):
        return f"{self.kind}-q{self.qos}"


CASES = [Case("SensorData", "sensor", 1), Case("BLEGatewayData", "ble", 1),
         Case("SensorData", "sensor", 0), Case("BLEGatewayData", "ble", 0)]


# --- /proc -------------------------------------------------------------------------------

def thread_label(pid, tid):
    """The thread's name (the platform names its threads), else its offset from the pid."""
    if tid == pid:
        return "main"
    try:
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            name = f.read().strip()
    except OSError:
        name = ""
    return name if name and not name.startswith("blazeiot") else f"thread {tid - pid}"


def thread_times(pid):
    """{thread label: (seconds on a CPU, seconds runnable but waiting for one)} from schedstat;
    the second figure tells a busy thread from one starved by the rest of the machine."""
    result = {}
    for tid in map(int, os.listdir(f"/proc/{pid}/task")):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                on_cpu_ns, waiting_ns = map(int, f.read().split()[:2])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
        result[thread_label(pid, tid)] = (on_cpu_ns / 1e9, waiting_ns / 1e9)
    return result


# x86-64 numbers of the system calls a server thread is usually found blocked in.
SYSCALL_NAMES = {0: "read", 1: "write", 7: "poll", 17: "pread64", 18: "pwrite64", 19: "readv",
                 20: "writev", 23: "select", 35: "nanosleep", 44: "sendto", 45: "recvfrom",
                 46: "sendmsg", 47: "recvmsg", 74: "fsync", 75: "fdatasync", 202: "futex",
                 230: "clock_nanosleep", 232: "epoll_wait", 270: "pselect6", 271: "ppoll",
                 281: "epoll_pwait", 441: "epoll_pwait2", 76: "truncate", 77: "ftruncate",
                 9: "mmap", 11: "munmap", 25: "mremap", 28: "madvise", 3: "close", 257: "openat"}


class ThreadSampler:
    """Poor man's profiler (no perf here): samples each thread's state and current system
    call from /proc every few milliseconds. Only with --profile, since sampling costs CPU."""

    def __init__(self, pid, interval_s=0.005):
        self._pid = pid
        self._interval = interval_s
        self._counts = {}  # label -> {what: samples}
        self._labels = {}  # tid -> label
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self, tid):
        _, fields = stat_fields(f"/proc/{self._pid}/task/{tid}/stat")
        state = fields[0]
        if state == "R":
            return "on CPU / runnable"
        with open(f"/proc/{self._pid}/task/{tid}/syscall") as f:
            call = f.read().split()[0]
        if call == "running":  # it woke up between the two reads
            return "on CPU / runnable"
        name = SYSCALL_NAMES.get(int(call), f"syscall {call}") if call.lstrip("-").isdigit() else call
        return f"{name}{' (D)' if state == 'D' else ''}"

    def _run(self):
        while not self._stop.wait(self._interval):
            try:
                tids = list(map(int, os.listdir(f"/proc/{self._pid}/task")))
            except FileNotFoundError:
                return
            for tid in tids:
                try:
                    what = self._sample(tid)
                except (OSError, ValueError, IndexError):
                    continue
                label = self._labels.get(tid)
                if label is None:  # read the thread's name once, not at every sample
                    label = self._labels[tid] = thread_label(self._pid, tid)
                counts = self._counts.setdefault(label, {})
                counts[what] = counts.get(what, 0) + 1

    def stop(self):
        """{thread label: [(what, share of samples), ...]}, most frequent first."""
        self._stop.set()
        self._thread.join()
        summary = {}
        for label, counts in self._counts.items():
            total = sum(counts.values())
            summary[label] = sorted(((what, n / total) for what, n in counts.items()),
                                    key=lambda item: -item[1])
        return summary


def status_mb(pid, key):
    """VmRSS / VmHWM from /proc/<pid>/status, in MB."""
    return status_kb(pid, key) / 1024


# --- the two consumers -------------------------------------------------------------------

def run_json(process, what):
    out, _ = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise BenchError(f"{what} failed (exit {process.returncode}): {out.strip()[-500:]}")
    return json.loads(lines[-1])


def publisher_argv(args, case, broker):
    return [args.publisher, "--port", str(broker.port), "--kind", case.kind, "--qos", str(case.qos),
            "--connections", str(args.connections), "--inflight", str(args.inflight),
            "--messages", str(args.messages)]


def run_baseline(args, processes, case, broker):
    subscriber = processes.start(
        [args.subscriber, "--port", str(broker.port), "--filter", f"{case.topic}/#",
         "--qos", str(case.qos), "--count", str(args.messages),
         "--idle-timeout", str(QOS0_SETTLE_S if case.qos == 0 else STALL_TIMEOUT_S)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if subscriber.stdout.readline().strip() != "subscribed":
        processes.stop(subscriber)
        raise BenchError("bench_subscriber did not subscribe")
    broker_cpu = cpu_seconds(broker.process.pid)
    publisher = processes.start(publisher_argv(args, case, broker), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    sent = run_json(publisher, "bench_publisher")
    received = run_json(subscriber, "bench_subscriber")
    return {
        "sent": sent["sent"], "received": received["received"], "rate": received["rate"],
        "seconds": received["seconds"], "subscriber_cpu_s": received["cpu_s"],
        "publisher_cpu_s": sent["cpu_s"], "broker_cpu_s": cpu_seconds(broker.process.pid) - broker_cpu,
        "wall_s": (received["last_ns"] - sent["start_ns"]) / 1e9,
    }


class OutputWatch:
    """Reads the platform's merged stdout/stderr into a log file, noting when `Platform ready`
    appears; the pipe is drained all along so logging can never block the platform."""

    def __init__(self, process, log_path):
        self.ready_at = None
        self.ready_line = ""
        self.tail = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process, log_path), daemon=True)
        self._thread.start()

    def _read(self, process, log_path):
        with open(log_path, "wb") as log:
            for line in process.stdout:
                now = time.monotonic()
                log.write(line)
                self.tail = (self.tail + [line.decode(errors="replace").rstrip()])[-20:]
                if self.ready_at is None and b"Platform ready" in line:
                    self.ready_at = now
                    self.ready_line = line.decode(errors="replace").strip()
                    self._ready.set()
        self._ready.set()  # end of output: wake the waiter, who finds ready_at unset

    def wait_ready(self, timeout):
        return self._ready.wait(timeout) and self.ready_at is not None


def platform_env(broker, workdir, store, instance=0, shared_group=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MQTT_", "POSTGRES_", "BLAZEIOT_")) and k not in ("DATABASE_URL", "DB_TYPE")}
    data_dir = os.path.join(workdir, "data")
    env.update({
        "MQTT_URL": broker.url,
        "MQTT_CLIENT_ID": f"blazeiot-bench-{os.getpid()}-{instance}",
        "DATA_DIR": data_dir,
        "LOG_DIR": os.path.join(workdir, "logs"),
        "UPLOAD_DIR": os.path.join(workdir, "uploads"),
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        # Instances must sign tokens alike; a fixed one also spares a generated file.
        "JWT_SECRET": "ingest-bench-secret-ingest-bench-secret-0123456789",
    })
    env.update(store.env())
    if shared_group:
        env["MQTT_SHARED_GROUP"] = shared_group
    return env


def start_platform(args, processes, env, workdir, log_name):
    """Starts `blazeiot serve` and waits for its ready line; returns (process, ms to ready)."""
    started = time.monotonic()
    # cwd is the empty work directory, so no .env file of the checkout leaks into the run.
    server = processes.start([args.blazeiot, "serve"], env=env, cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = OutputWatch(server, os.path.join(workdir, log_name))
    if not output.wait_ready(READY_TIMEOUT_S):
        processes.stop(server)
        raise BenchError("the platform never printed `Platform ready`:\n  " + "\n  ".join(output.tail))
    return server, output, (output.ready_at - started) * 1000


def drop_reading_indexes(args, env, workdir):
    """Creates the database as the platform would (`init-db`), then drops every sensor_data
    index: the platform's migrations are versioned, so it starts on that schema as it is."""
    subprocess.run([args.blazeiot, "init-db"], env=env, cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    con = sqlite3.connect(os.path.join(workdir, "data", "blazeiot.db"))
    try:
        names = [row[0] for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sensor_data'"
            " AND sql IS NOT NULL")]
        for name in names:
            con.execute(f'DROP INDEX "{name}"')
        con.commit()
    finally:
        con.close()
    if not names:
        raise BenchError("sensor_data has no index to drop: the schema changed, update the bench")


def make_store(args, workdir):
    if args.db == "postgres":
        return PostgresStore(args.pg_server_uri)
    return SqliteStore(os.path.join(workdir, "data", "blazeiot.db"))


def run_platform(args, processes, case, broker, workdir):
    store = make_store(args, workdir)
    group = "bench" if args.instances > 1 or args.shared_group else None
    dirs = [workdir] + [os.path.join(workdir, f"instance-{i}") for i in range(1, args.instances)]
    for d in dirs[1:]:
        os.makedirs(d)
    envs = [platform_env(broker, d, store, i, group) for i, d in enumerate(dirs)]
    try:
        # The first instance alone on the empty database (its ready time is comparable with
        # the single-instance runs), then the others.
        if args.without_reading_indexes:
            drop_reading_indexes(args, envs[0], dirs[0])
        servers = [start_platform(args, processes, envs[0], dirs[0], "platform.out")]
        servers += [start_platform(args, processes, env, d, "platform.out")
                    for env, d in zip(envs[1:], dirs[1:])]
        try:
            result = _measure_platform(args, processes, case, broker, store,
                                       [server for server, _, _ in servers])
        finally:
            for server, _, _ in servers:
                processes.stop(server)
        result.update({"ready_ms": servers[0][2], "ready_line": servers[0][1].ready_line})
        # Again on the database just filled: an operator's restart, without first-start work
        # such as creating the default admin.
        server, _, result["restart_ready_ms"] = start_platform(args, processes, envs[0], dirs[0],
                                                               "platform-restart.out")
        try:
            time.sleep(IDLE_SETTLE_S)
            result["restart_idle_rss_mb"] = status_mb(server.pid, "VmRSS")
        finally:
            processes.stop(server)
    finally:
        store.drop()
    return result


def postgres_cpu_seconds(args):
    """CPU of the private PostgreSQL: the postmaster and every backend (0 for another server)."""
    if not args.pg_server:
        return 0.0
    total = 0.0
    for pid in [args.pg_server.pid] + children_of(args.pg_server.pid):
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass  # a backend that ended meanwhile; its time is lost from both readings
    return total


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            _, fields = stat_fields(f"/proc/{entry}/stat")
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def _measure_platform(args, processes, case, broker, store, servers):
    server = servers[0]
    time.sleep(IDLE_SETTLE_S)
    result = {"idle_rss_mb": status_mb(server.pid, "VmRSS"),
              "start_peak_rss_mb": status_mb(server.pid, "VmHWM")}
    # Resets VmHWM, so the peak reported is the ingest's, not the start-up's.
    for s in servers:
        with open(f"/proc/{s.pid}/clear_refs", "w") as f:
            f.write("5")

    store.open()
    before = store.count()
    if before:
        raise BenchError(f"sensor_data holds {before} rows before the run")
    cpu_before = [cpu_seconds(s.pid) for s in servers]
    threads_before = thread_times(server.pid)
    broker_before = cpu_seconds(broker.process.pid)
    pg_before = postgres_cpu_seconds(args)
    sampler = ThreadSampler(server.pid) if args.profile else None

    publish_requested_ns = time.time_ns()
    publisher = processes.start(publisher_argv(args, case, broker), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    stored, changed_at, poll_s, polls = 0, publish_requested_ns, 0.0, 0
    outcome = "complete"
    while True:
        poll_start = time.perf_counter()
        n = store.progress(args.messages)
        poll_s += time.perf_counter() - poll_start
        polls += 1
        now = time.time_ns()
        if n != stored:
            stored, changed_at = n, now
        if stored >= args.messages:
            break
        for s in servers:
            if s.poll() is not None:
                raise BenchError(f"a platform exited ({s.returncode}) during the run")
        quiet_s = (now - changed_at) / 1e9
        if publisher.poll() is not None and case.qos == 0 and quiet_s > QOS0_SETTLE_S:
            outcome = "settled"
            break
        if quiet_s > STALL_TIMEOUT_S:
            outcome = "stalled"
            break
        time.sleep(POLL_INTERVAL_S)
    cpu_after = [cpu_seconds(s.pid) for s in servers]
    threads_after = thread_times(server.pid)
    broker_after = cpu_seconds(broker.process.pid)
    pg_after = postgres_cpu_seconds(args)
    if sampler:
        result["profile"] = sampler.stop()
    result["peak_rss_mb"] = max(status_mb(s.pid, "VmHWM") for s in servers)
    result["rss_after_mb"] = status_mb(server.pid, "VmRSS")
    if outcome == "stalled" and publisher.poll() is None:
        # At QoS 1 a stalled consumer holds the publishers' windows open for good.
        processes.stop(publisher)
        sent = {"sent": args.messages, "start_ns": publish_requested_ns, "cpu_s": float("nan")}
    else:
        sent = run_json(publisher, "bench_publisher")
    # The progress figure may be an upper bound (PostgreSQL); what was stored is counted.
    stored = store.count()
    result["sources"] = store.sources()
    store.close()

    seconds = (changed_at - sent["start_ns"]) / 1e9
    result.update({
        "sent": sent["sent"], "stored": stored, "outcome": outcome, "seconds": seconds,
        "rate": stored / seconds if seconds > 0 else 0.0,
        "cpu_s": sum(cpu_after) - sum(cpu_before),
        "instance_cpu_s": [a - b for a, b in zip(cpu_after, cpu_before)],
        "thread_s": {label: [after - before for after, before in
                             zip(threads_after[label], threads_before.get(label, (0.0, 0.0)))]
                     for label in threads_after},
        "broker_cpu_s": broker_after - broker_before,
        "postgres_cpu_s": pg_after - pg_before,
        "publisher_cpu_s": sent["cpu_s"],
        "poll_ms_mean": poll_s / polls * 1000,
    })
    for s in servers[1:]:
        processes.stop(s)
    exit_code, stop_s = processes.stop(server)
    result.update({"exit_code": exit_code, "stop_s": stop_s})
    return result


# --- report ------------------------------------------------------------------------------

def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def summarise(runs):
    """Median of every numeric field over the repetitions of one side of one case."""
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    summary = {k: median([r[k] for r in runs]) for k in keys}
    summary["rates"] = [r["rate"] for r in runs]
    return summary


def machine_summary():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    version = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True).stdout.splitlines()
    return {"cores": os.cpu_count(), "cpu": model, "kernel": host_platform.release(),
            "mosquitto": version[0] if version else "?"}


def build_type(binary):
    cache = os.path.join(os.path.dirname(os.path.abspath(binary)), "CMakeCache.txt")
    try:
        with open(cache) as f:
            match = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", f.read(), re.M)
            return match.group(1) if match else "?"
    except OSError:
        return "unknown (no CMakeCache.txt beside it)"


def verdict(ok):
    return "ok" if ok else "MISS"


def thousands(rates):
    return ", ".join(f"{r / 1000:.1f}k" for r in rates)


def print_report(args, cases):
    print(f"\nIngest: N = {args.messages:,} messages per case, {args.connections} publisher connections"
          f" x {args.inflight} in flight, median of {args.repeat} run(s)")
    print(f"Platform: {mode_summary(args)}")
    header = (f"{'case':<21}{'sent':>7}  {'raw msg/s':>9}  {'stored':>7}  {'platform msg/s':>14}"
              f"  {'ratio':>5} {'target':>6} {'':>4}  {'CPU s':>5}  {'peak MB':>7}"
              f"  {'idle MB':>7} {'<20':>4}  {'ready ms':>8} {'<200':>4}")
    rule = "-" * len(header)
    print(header)
    print(rule)
    for c in cases:
        case, base = c["case"], c["baseline"]
        line = f"{case.name:<21}{base['sent']:>7.0f}  {base['rate']:>9,.0f}"
        plat = c.get("platform")
        if plat:
            target = TARGET_RATIO[args.db][case.qos]
            stored = f"{plat['stored']:.0f}" + ("!" if c["stalled"] else "")
            target_text = ">=" + format(target, ".1f") if target else "-"
            met = verdict(c["ratio"] >= target) if target else ""
            line += (f"  {stored:>7}  {plat['rate']:>14,.0f}"
                     f"  {c['ratio']:>5.2f} {target_text:>6} {met:>4}"
                     f"  {plat['cpu_s']:>5.1f}  {plat['peak_rss_mb']:>7.1f}"
                     f"  {plat['idle_rss_mb']:>7.1f} {verdict(plat['idle_rss_mb'] < TARGET_IDLE_RSS_MB):>4}"
                     f"  {plat['ready_ms']:>8.0f} {verdict(plat['ready_ms'] < TARGET_READY_MS):>4}")
        print(line)
    print(rule)
    print("raw: bare libmosquitto subscriber, first to last message received.  platform: first publish\n"
          "until SELECT COUNT(*) FROM sensor_data reaches N (QoS 0: stops growing; the rate is on what\n"
          "was stored).  CPU s: platform user+sys during the run (all instances).  peak: VmHWM during the run (reset\n"
          "after start-up).  idle: VmRSS 1 s after `Platform ready`.  ready: exec until the\n"
          "`Platform ready` line, first start on an empty database.")
    if any(c.get("stalled") for c in cases):
        print(f"!: rows stopped arriving for {STALL_TIMEOUT_S:.0f} s before N in some run; "
              "the rate is on what arrived.")

    print(f"\nDetails (CPU seconds over each phase's wall seconds; {os.cpu_count()} cores):")
    for c in cases:
        base, plat = c["baseline"], c.get("platform")
        print(f"  {c['case'].name}")
        print(f"    baseline  runs {thousands(base['rates'])} msg/s; received {base['received']:.0f};"
              f" wall {base['wall_s']:.1f}: publishers {base['publisher_cpu_s']:.1f},"
              f" broker {base['broker_cpu_s']:.1f}, subscriber {base['subscriber_cpu_s']:.1f}")
        if not plat:
            continue
        last = c["platform_runs"][-1]
        threads = sorted(last["thread_s"].items(), key=lambda kv: -kv[1][0])
        busy = ", ".join(f"{label} {cpu:.1f} (+{wait:.1f} waiting for a CPU)"
                         for label, (cpu, wait) in threads if cpu >= 0.05)
        per_msg = plat["cpu_s"] / plat["stored"] * 1e6 if plat["stored"] else 0.0
        print(f"    platform  runs {thousands(plat['rates'])} msg/s; stored {plat['stored']:.0f};"
              f" wall {plat['seconds']:.1f}: publishers {plat['publisher_cpu_s']:.1f},"
              f" broker {plat['broker_cpu_s']:.1f}, platform {plat['cpu_s']:.1f} ({per_msg:.1f} us/msg;"
              f" last run by thread: {busy or '-'})")
        runs = c["platform_runs"]
        if args.db == "postgres":
            instances = ", ".join(f"{cpu:.1f}" for cpu in last["instance_cpu_s"])
            print(f"              PostgreSQL {plat['postgres_cpu_s']:.1f} CPU s"
                  f"{' (server not ours: not measured)' if not args.pg_server else ''};"
                  f" platform CPU s by instance, last run: {instances}")
        print(f"              {plat['sources']:.0f} distinct sources; RSS after the run {plat['rss_after_mb']:.1f} MB;"
              f" start-up peak RSS {plat['start_peak_rss_mb']:.1f} MB; progress poll {plat['poll_ms_mean']:.1f} ms")
        print(f"              ready max {max(r['ready_ms'] for r in runs):.0f} ms; restart on the filled database:"
              f" ready {plat['restart_ready_ms']:.0f} ms, idle RSS {plat['restart_idle_rss_mb']:.1f} MB;"
              f" SIGTERM -> exit {','.join(str(r['exit_code']) for r in runs)}"
              f" in max {max(r['stop_s'] for r in runs):.2f} s")
        for line in sorted({r["ready_line"] for r in c["platform_runs"]}):
            print(f"              platform said: {line}")
        for label, shares in sorted(last.get("profile", {}).items()):
            top = ", ".join(f"{what} {share:.0%}" for what, share in shares[:5])
            print(f"              profile {label}: {top}")


def mode_summary(args):
    if args.db == "sqlite":
        return "1 instance, SQLite" + (", sensor_data WITHOUT its indexes (experiment)"
                                       if args.without_reading_indexes else "")
    server = (f"given server {args.pg_url}" if args.pg_url else
              "private PostgreSQL 15, " + ("durable (fsync on)" if args.pg_durable else "fsync off"))
    group = (", MQTT_SHARED_GROUP (cross-instance events on)"
             if args.instances > 1 or args.shared_group else "")
    return f"{args.instances} instance(s), {server}{group}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publisher", required=True, help="bench_publisher binary")
    parser.add_argument("--subscriber", required=True, help="bench_subscriber binary")
    parser.add_argument("--blazeiot", help="platform binary (not needed with --baseline-only)")
    parser.add_argument("--quick", action="store_true",
                        help="20k messages per case, one run (default: 200k, three runs)")
    parser.add_argument("--messages", type=int, help="messages per case (overrides --quick)")
    parser.add_argument("--repeat", type=int, help="runs per case; the report shows medians")
    parser.add_argument("--connections", type=int, default=4, help="publisher connections")
    parser.add_argument("--inflight", type=int, default=500, help="unacknowledged messages per connection")
    parser.add_argument("--cases", default="all",
                        help="comma-separated subset of: " + ",".join(c.slug for c in CASES))
    parser.add_argument("--baseline-only", action="store_true", help="measure the bare subscriber only")
    parser.add_argument("--profile", action="store_true",
                        help="sample the platform's threads from /proc (costs CPU; skews the rates)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--machine-probe", help="bench/machine's bench_cold_memory binary")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="the platform's database (postgres: a private server unless --pg-url)")
    parser.add_argument("--pg-url", help="PostgreSQL server URI of a role that may create databases "
                                         "(default: start a private one)")
    parser.add_argument("--pg-durable", action="store_true",
                        help="private server with fsync and synchronous_commit on (default: off)")
    parser.add_argument("--instances", type=int, default=1,
                        help="platforms sharing the load through MQTT_SHARED_GROUP (implies --db postgres)")
    parser.add_argument("--shared-group", action="store_true",
                        help="set MQTT_SHARED_GROUP even for one instance (cross-instance events on)")
    parser.add_argument("--without-reading-indexes", action="store_true",
                        help="experiment, SQLite: the platform starts on a database whose sensor_data "
                             "has no index, the most any storage layout could save in the writer")
    args = parser.parse_args()
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    if args.instances > 1:
        args.db = "postgres"
    if args.shared_group and args.db != "postgres":
        parser.error("--shared-group needs --db postgres")
    if args.without_reading_indexes and (args.db != "sqlite" or args.baseline_only):
        parser.error("--without-reading-indexes measures the platform on SQLite")
    args.pg_server = None
    args.pg_server_uri = args.pg_url
    args.messages = args.messages or (20_000 if args.quick else 200_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if not args.baseline_only and not args.blazeiot:
        parser.error("--blazeiot is required unless --baseline-only")
    wanted = None if args.cases == "all" else set(args.cases.split(","))
    args.case_list = [c for c in CASES if wanted is None or c.slug in wanted]
    if not args.case_list:
        parser.error("--cases matches nothing")
    return args


def run_case(args, processes, case, workroot):
    """Baseline and platform alternate, each pair on a fresh broker: the platform keeps a
    persistent session, which must not collect the next baseline's messages."""
    baselines, platforms = [], []
    for run in range(args.repeat):
        workdir = os.path.join(workroot, f"{case.slug}-{run + 1}")
        os.makedirs(workdir)
        broker = Broker(processes, workdir)
        try:
            baselines.append(run_baseline(args, processes, case, broker))
            print(f" raw {baselines[-1]['rate'] / 1000:.1f}k", end="", flush=True)
            if not args.baseline_only:
                platforms.append(run_platform(args, processes, case, broker, workdir))
                print(f" platform {platforms[-1]['rate'] / 1000:.1f}k", end="", flush=True)
        finally:
            broker.stop()
    print()
    result = {"case": case, "baseline": summarise(baselines), "baseline_runs": baselines}
    if platforms:
        result.update({"platform": summarise(platforms), "platform_runs": platforms,
                       "stalled": any(r["outcome"] == "stalled" for r in platforms)})
        base_rate = result["baseline"]["rate"]
        result["ratio"] = result["platform"]["rate"] / base_rate if base_rate else 0.0
    return result


def main():
    args = parse_args()
    # SIGTERM/SIGHUP end the run the way Ctrl-C does: through the `finally` that stops everything.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    machine = machine_summary()
    print(f"machine: {machine['cores']} cores, {machine['cpu']}, Linux {machine['kernel']}, {machine['mosquitto']}")
    if not args.baseline_only:
        print(f"platform: {args.blazeiot} (build type {build_type(args.blazeiot)})")
    load = os.getloadavg()[0]
    if load > 0.5 * machine["cores"]:
        print(f"warning: load average {load:.1f} on {machine['cores']} cores before the run; "
              "other work on this machine will skew the rates")
    machine["load_before"] = load
    machine["speed"] = machine_speed(args.machine_probe)
    print(f"machine speed now: {machine['speed']}")
    workroot = tempfile.mkdtemp(prefix="blazeiot-bench-ingest-")
    processes = Processes()
    try:
        if args.db == "postgres" and not args.baseline_only and not args.pg_url:
            args.pg_server = PrivatePostgres(args.pg_durable)
            args.pg_server_uri = args.pg_server.uri
        if not args.baseline_only:
            print(f"mode: {mode_summary(args)}")
        cases = []
        for case in args.case_list:
            print(f"{case.name:<21}", end="", flush=True)
            cases.append(run_case(args, processes, case, workroot))
        print_report(args, cases)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": machine, "mode": mode_summary(args),
                           "messages": args.messages, "repeat": args.repeat,
                           "connections": args.connections, "inflight": args.inflight,
                           "cases": [dict(c, case=c["case"].name) for c in cases]}, f, indent=2)
            print(f"\nresults: {args.json}")
    except (BenchError, DatabaseError) as e:
        print(f"\ningest bench: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ningest bench: interrupted", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if args.pg_server:
            args.pg_server.stop()
        if args.keep:
            print(f"work directory kept: {workroot}")
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
