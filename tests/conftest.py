import contextlib
import fcntl
import os
import shutil
import stat
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


def session_root(tmp_path_factory) -> Path:
    """The test run's temporary folder, the same for every pytest-xdist worker."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


@contextlib.contextmanager
def _once_per_session(tmp_path_factory, name: str):
    """A folder made once for the whole test run, even across pytest-xdist workers: the first worker to get
    the lock makes it (the body sees ``None`` when it is already there), the others wait and reuse it."""
    root = session_root(tmp_path_factory)
    target, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield None if done.exists() else target
        done.touch()
    # reused, never rebuilt: a test that writes into it fails instead of spoiling its neighbours
    for path in [target, *target.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _build_shipped(target: Path) -> None:
    from borderwar_report.build.plan import BuildOptions
    from borderwar_report.build.runner import run
    from borderwar_report.core.log import Log
    from borderwar_report.core.project import Project

    result = run(Project(ROOT / "data", ROOT / "templates", target), BuildOptions(force=True, tile="a4"),
                 Log(quiet=True))
    assert result.status == "built"


def _build_mini(target: Path) -> None:
    from borderwar_report.build.plan import BuildOptions
    from borderwar_report.build.runner import run
    from borderwar_report.core.log import Log
    from borderwar_report.core.project import Project

    shutil.copytree(FIXTURES / "mini", target / "data")
    result = run(Project(target / "data", ROOT / "templates", target / "out"), BuildOptions(), Log(quiet=True))
    assert result.status == "built"


SESSION_BUILDS = {"shipped-out": _build_shipped, "mini-build": _build_mini}


@pytest.fixture(scope="session")
def shipped_out(tmp_path_factory) -> Path:
    """Every output of the shipped data (A4, the A3 poster tiled on A4), built once per test run and
    read-only; tests about one property of an output read it here instead of building again."""
    with _once_per_session(tmp_path_factory, "shipped-out") as target:
        if target is not None:
            _build_shipped(target)
    return session_root(tmp_path_factory) / "shipped-out"


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> tuple[Path, Path]:
    """(data, out): the mini data set and every output built from it, once per test run and read-only.
    Tests that rebuild or edit take a ``writable_copy`` of it instead of building from scratch."""
    with _once_per_session(tmp_path_factory, "mini-build") as target:
        if target is not None:
            _build_mini(target)
    root = session_root(tmp_path_factory) / "mini-build"
    return root / "data", root / "out"


# --- the session builds, started before the workers need them ------------------------------------------
# Run whole with pytest-xdist, the first worker to want a session build would build it while the other
# waited on the lock (about 20 s of a worker idle). The controller starts both builds as soon as the
# session starts, each in a process that holds the build's lock (taken here, before any worker runs):
# workers run other tests meanwhile, and a fixture waits only if its build is still running.

_PREBUILDS: list = []


def _whole_suite_on_workers(config) -> bool:
    return (not os.environ.get("PYTEST_XDIST_WORKER") and bool(getattr(config.option, "numprocesses", 0))
            and config.args_source != pytest.Config.ArgsSource.ARGS and not config.option.markexpr
            and not config.option.keyword)


def pytest_sessionstart(session):
    if not _whole_suite_on_workers(session.config):
        return
    root = session.config._tmp_path_factory.getbasetemp()
    for name in SESSION_BUILDS:
        with open(root / f"{name}.lock", "w") as lock, open(root / f"{name}.log", "w") as log:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the child inherits the lock; it lasts until the child exits
            code = ("import sys; sys.path.insert(0, sys.argv[3]); from tests.conftest import prebuild; "
                    "prebuild(sys.argv[1], sys.argv[2])")
            _PREBUILDS.append(subprocess.Popen([sys.executable, "-c", code, name, str(root), str(ROOT)],
                                               pass_fds=(lock.fileno(),), stdout=log, stderr=log, cwd=ROOT))


def prebuild(name: str, root: str) -> None:
    """A session build made ahead (see above); its ``.done`` mark says it succeeded (else a fixture builds)."""
    SESSION_BUILDS[name](Path(root) / name)
    (Path(root) / f"{name}.done").touch()


def pytest_sessionfinish(session):
    for proc in _PREBUILDS:
        if proc.poll() is None:  # a run stopped early (-x, Ctrl-C) does not leave a build running
            proc.kill()
        proc.wait()


def writable_copy(source: Path, target: Path) -> Path:
    """A copy of a read-only session folder that a test may change (copytree keeps the read-only modes)."""
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


# Fixtures that build whole outputs: a test using one is slow (deselect with -m "not slow"), whatever its own
# run time; tests that are slow on their own carry @pytest.mark.slow.
BUILD_FIXTURES = {"shipped_out", "synthetic", "real_build", "real_print", "built", "built_mini",
                  "chaco_maps", "mini_build"}


def pytest_collection_modifyitems(items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def run_cli(*args, cwd=None, env=None, timeout=600):
    """Run the installed command in a fresh process; returns CompletedProcess with text output."""
    return subprocess.run([sys.executable, "-m", "borderwar_report", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


# CI runs the same examples every time (a red build must be reproducible); locally hypothesis explores.
if os.environ.get("CI"):
    from hypothesis import settings as _settings

    _settings.register_profile("ci", derandomize=True)
    _settings.load_profile("ci")
