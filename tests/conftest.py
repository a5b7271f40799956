import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach the network: any attempt to connect off this machine fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise AssertionError(f"test tried to connect to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the mini data set."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def shipped_data() -> Path:
    return ROOT / "data"


def run_cli(*args, cwd=None, env=None, timeout=600):
    """Run the installed command in a fresh process; returns CompletedProcess with text output."""
    return subprocess.run([sys.executable, "-m", "borderwar_report", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


# CI runs the same examples every time (a red build must be reproducible); locally hypothesis explores.
if os.environ.get("CI"):
    from hypothesis import settings as _settings

    _settings.register_profile("ci", derandomize=True)
    _settings.load_profile("ci")
