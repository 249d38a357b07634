import os
import pathlib
import signal

import pytest

from harness import Broker, Platform, children_of, process_alive

REPO = pathlib.Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption('--blazeiot', action='store', default=str(REPO / 'build' / 'blazeiot'),
                     help='the blazeiot binary under test')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome so fixtures can add diagnostics to a failed test.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f'rep_{report.when}', report)


def _failed(request):
    return any(getattr(getattr(request.node, f'rep_{when}', None), 'failed', False)
               for when in ('setup', 'call'))


@pytest.fixture(scope='session')
def blazeiot_binary(request):
    path = pathlib.Path(request.config.getoption('--blazeiot')).resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f'blazeiot binary not found or not executable: {path} (build it, or pass '
                    f'--blazeiot PATH)')
    return path


def _stop_platform(p):
    """Teardown: SIGTERM, then make sure nothing the platform started outlives the test."""
    if p.proc is None:
        return
    descendants = children_of(p.proc.pid) if p.alive() else []
    try:
        p.stop()
    finally:
        for pid in descendants:
            if process_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def broker(tmp_path, request):
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()
    if _failed(request):
        print(f'--- mosquitto log (port {b.port}) ---\n{b.log()[-3000:]}')


@pytest.fixture
def make_platform(blazeiot_binary, tmp_path, request):
    """make_platform(broker=None, env=None, start=True, tmp_dir=None, args=()) -> Platform.

    broker may be a Broker or a broker URL; without one the platform runs its embedded
    broker (on a free port unless env says otherwise). Each platform gets its own
    directory unless tmp_dir is given; all are stopped at teardown.
    """
    made = []

    def make(broker=None, env=None, start=True, tmp_dir=None, args=()):
        url = broker.url if isinstance(broker, Broker) else broker
        directory = tmp_dir or tmp_path / f'platform-{len(made)}'
        p = Platform(blazeiot_binary, directory, broker_url=url, env=env, args=args)
        made.append(p)
        if start:
            p.start()
        return p

    yield make
    if _failed(request):
        for p in made:
            print(f'--- blazeiot output ({p.tmp_dir}) ---\n{p.output()[-5000:]}')
    errors = []
    for p in made:
        try:
            _stop_platform(p)
        except Exception as e:  # stop every platform even when one misbehaves
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture
def platform(broker, make_platform):
    return make_platform(broker)
