"""What every benchmark orchestrator needs to run its processes: start them, stop each by its
PID whatever happens, find free loopback ports, run a private Mosquitto, and read what a
process costs from /proc. Imported by bench/*/*_bench.py (each puts this directory on
sys.path)."""
import os
import signal
import socket
import subprocess
import time

MOSQUITTO = "/usr/sbin/mosquitto"
STOP_TIMEOUT_S = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A run that cannot go on; the orchestrator prints it and stops what it started."""


class Processes:
    """Every process this script starts, so each one is stopped by its PID whatever happens."""

    def __init__(self):
        self._running = []

    def start(self, argv, **kwargs):
        process = subprocess.Popen(argv, **kwargs)
        self._running.append(process)
        return process

    def stop(self, process, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then SIGKILL after `timeout`; returns (exit code, seconds it took)."""
        started = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self._running:
            self._running.remove(process)
        return process.returncode, time.monotonic() - started

    def stop_all(self):
        for process in reversed(list(self._running)):
            self.stop(process, timeout=5)


def machine_speed(probe):
    """One line on how fast the machine is right now, from bench/machine's probe (`--quick`):
    on a VM the cost of fresh memory and of a system call move by the hour, and every latency
    and rate moves with them, so each run prints them beside its figures."""
    if not probe:
        return "not measured"
    try:
        result = subprocess.run([probe, "--quick"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not measured ({e})"
    return result.stdout.strip() or f"not measured (exit {result.returncode})"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"process {process.pid} exited ({process.returncode}) before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise BenchError(f"nothing listening on port {port} after {timeout} s")


class Broker:
    """A private Mosquitto on a free loopback port, configured so that it never throttles or
    drops QoS 1 traffic for a slow consumer (QoS 0 may still be dropped under overload).
    `tcp_nodelay`: send each packet at once (for latency measurements)."""

    def __init__(self, processes, workdir, tcp_nodelay=False):
        self.port = free_port()
        config = os.path.join(workdir, "mosquitto.conf")
        with open(config, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\n"
                    "allow_anonymous true\n"
                    "persistence false\n"
                    "max_queued_messages 10000000\n"
                    "max_inflight_messages 1000\n"
                    + ("set_tcp_nodelay true\n" if tcp_nodelay else "") +
                    f"log_dest file {os.path.join(workdir, 'mosquitto.log')}\n"
                    "log_type error\nlog_type warning\n")
        self._processes = processes
        self.process = processes.start([MOSQUITTO, "-c", config], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.process)

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self):
        self._processes.stop(self.process)


def stat_fields(path):
    """(comm, the fields after it) of a /proc/<pid>[/task/<tid>]/stat file."""
    with open(path) as f:
        text = f.read()
    # comm may hold spaces and parentheses: split at the last ')'.
    comm = text[text.index("(") + 1:text.rindex(")")]
    return comm, text[text.rindex(")") + 2:].split()


def cpu_seconds(pid, tid=None):
    """utime + stime of a process (all threads), or of one of its threads."""
    _, fields = stat_fields(f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kb(pid, key):
    """A kB figure of /proc/<pid>/status, such as VmRSS or VmHWM."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise BenchError(f"{key} missing from /proc/{pid}/status")
