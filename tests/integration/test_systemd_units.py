"""The shipped systemd unit passes systemd-analyze verify (with its binary path pointed at
the build under test, since /usr/local/bin/blazeiot need not exist here)."""
import pathlib
import shutil
import subprocess


UNIT_DIR = pathlib.Path(__file__).resolve().parents[2] / 'deploy' / 'systemd'


def test_units_verify(tmp_path, blazeiot_binary):
    analyze = shutil.which('systemd-analyze')
    assert analyze, 'systemd-analyze is part of systemd, which Debian 12 always has'
    units = sorted(UNIT_DIR.glob('*.service'))
    assert units, 'no unit files shipped'
    for unit in units:
        text = unit.read_text().replace('/usr/local/bin/blazeiot', str(blazeiot_binary))
        # The template is verified as one concrete instance.
        target = tmp_path / unit.name.replace('@.service', '@main.service')
        target.write_text(text)
        (tmp_path / unit.name).write_text(text)
        r = subprocess.run([analyze, 'verify', str(target)], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60)
        assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
