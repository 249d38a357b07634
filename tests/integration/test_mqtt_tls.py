"""MQTT over TLS: the broker's certificate is verified against MQTT_CA_FILE, host name included."""
import re
import time

import pytest
import requests

from harness import STOP_LIMIT_S, Broker, make_ca, make_server_cert, mosquitto_pub, wait_for

VERIFY_FAILURE = re.compile(r'certificate|verif', re.IGNORECASE)


@pytest.fixture
def pki(tmp_path):
    d = tmp_path / 'pki'
    ca = make_ca(d, 'ca')
    return {
        'dir': d,
        'ca': ca,
        'server': make_server_cert(d, ca, 'server', 'DNS:localhost,IP:127.0.0.1'),
        'other_ca': make_ca(d, 'other-ca'),
    }


def tls_broker(tmp_path, ca, server):
    return Broker(tmp_path, tls={'cafile': ca['cert'], 'certfile': server['cert'],
                                 'keyfile': server['key']}).start()


@pytest.fixture
def broker_tls(tmp_path, pki):
    b = tls_broker(tmp_path, pki['ca'], pki['server'])
    yield b
    b.stop()


def publish_tls(broker, ca, topic, payload, extra=()):
    mosquitto_pub(broker, topic, payload, host='localhost',
                  extra=['--cafile', ca['cert'], *extra])


def count_rows(platform, source_id):
    return platform.sql('SELECT count(*) FROM sensor_data WHERE source_id = ?', (source_id,))[0][0]


def connections(broker):
    return broker.log().count('New client connected')


def assert_refused_and_alive(platform, broker, ca, publish_extra=()):
    """The platform did not get a session on the broker, says why, and keeps serving HTTP."""
    wait_for(lambda: VERIFY_FAILURE.search(platform.run_output()), timeout=10,
             what='a certificate verification error in the output')
    before = connections(broker)
    publish_tls(broker, ca, 'SensorData/TlsRefused', '{"value": 1}', publish_extra)
    time.sleep(2)  # long enough for an accepted connection to have stored the message
    assert platform.sql('SELECT count(*) FROM sensor_data')[0][0] == 0
    # Only our own publisher ever completed a connection to the broker.
    assert connections(broker) == before + 1, broker.log()[-2000:]
    assert platform.alive(), platform.output()[-2000:]
    assert requests.get(platform.base_url + '/health', timeout=5).status_code == 200
    # Retrying in the background does not get in the way of a prompt, clean stop.
    t = time.monotonic()
    assert platform.stop() == 0
    assert time.monotonic() - t < STOP_LIMIT_S


def test_ingests_over_tls_with_given_ca(broker_tls, pki, make_platform):
    assert broker_tls.url.startswith('mqtts://localhost:')
    platform = make_platform(broker_tls, env={'MQTT_CA_FILE': pki['ca']['cert']})
    publish_tls(broker_tls, pki['ca'], 'SensorData/TlsDev1',
                '{"device_id":"TlsDev1","type":"T","value":21.5}')
    platform.wait_for(lambda: count_rows(platform, 'TlsDev1') == 1, what='reading over TLS')
    assert platform.sql("SELECT value FROM sensor_data WHERE source_id = 'TlsDev1'") == [(21.5,)]


def test_other_ca_does_not_connect(broker_tls, pki, make_platform):
    platform = make_platform(broker_tls, env={'MQTT_CA_FILE': pki['other_ca']['cert']})
    assert_refused_and_alive(platform, broker_tls, pki['ca'])


def test_host_name_is_verified(tmp_path, pki, make_platform):
    # Signed by the trusted CA, but for another name: must be refused for "localhost".
    wrong_name = make_server_cert(pki['dir'], pki['ca'], 'elsewhere', 'DNS:elsewhere.example')
    broker = tls_broker(tmp_path, pki['ca'], wrong_name)
    try:
        platform = make_platform(broker, env={'MQTT_CA_FILE': pki['ca']['cert']})
        # Our own publisher skips the host name check, so the broker does get a message.
        assert_refused_and_alive(platform, broker, pki['ca'], ['--insecure'])
    finally:
        broker.stop()
