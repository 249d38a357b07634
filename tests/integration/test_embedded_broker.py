"""With no broker configured the platform runs, supervises and stops its own Mosquitto."""
import os
import signal
import time

from harness import (children_of, free_port, mosquitto_pub, port_open, process_alive,
                     process_name, wait_for)


def mosquitto_children(platform):
    return [pid for pid in children_of(platform.pid)
            if process_name(pid) == 'mosquitto' and process_alive(pid)]


def listen_addresses(port):
    """Local addresses with a listening TCP socket on port, from /proc/net/tcp{,6}."""
    out = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].rsplit(':', 1)
            if int(hex_port, 16) == port and fields[3] == '0A':
                out.append(address)
    return out


LOOPBACK = {'0100007F', '00000000000000000000000001000000'}  # 127.0.0.1, ::1


def count_rows(platform, source_id):
    return platform.sql('SELECT count(*) FROM sensor_data WHERE source_id = ?', (source_id,))[0][0]


def publish_until_stored(platform, port, source_id, timeout=15):
    """Publishes (retrying while the broker is down) until the reading is stored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            mosquitto_pub(port, f'SensorData/{source_id}', '{"value": 1}', timeout=5)
            wait_for(lambda: count_rows(platform, source_id) >= 1, timeout=1.5)
            return
        except (RuntimeError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f'{source_id} never stored through the embedded broker on {port}:\n'
                         f'{platform.run_output()[-3000:]}')


def test_embedded_broker_is_started_supervised_and_stopped(make_platform):
    port = free_port()
    platform = make_platform(env={'MQTT_EMBEDDED_PORT': port})
    assert port_open(port)
    addresses = listen_addresses(port)
    assert addresses and set(addresses) <= LOOPBACK, f'embedded broker listens on {addresses}'

    [child] = wait_for(lambda: mosquitto_children(platform), timeout=5,
                       what='a mosquitto child of the platform')
    state = platform.tmp_dir / 'data' / 'mosquitto'
    assert state.is_dir() and any(state.iterdir()), f'nothing under {state}'

    publish_until_stored(platform, port, 'EmbeddedDev1', timeout=15)

    os.kill(child, signal.SIGKILL)
    [restarted] = wait_for(lambda: [p for p in mosquitto_children(platform) if p != child],
                           timeout=10, what='the embedded broker restarted')
    assert not process_alive(child)
    publish_until_stored(platform, port, 'EmbeddedDev2')
    assert platform.alive()

    assert platform.stop() == 0
    wait_for(lambda: not process_alive(restarted), timeout=5,
             what='the embedded broker gone after the platform stopped')
    assert not port_open(port)
