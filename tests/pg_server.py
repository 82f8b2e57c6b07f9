"""A throwaway PostgreSQL server for tests and benchmarks (no network, no system service).

Debian's ``postgresql`` binaries (``.ci/run`` installs them): ``initdb`` into a
temp folder, listening on a Unix socket only, trust auth. Debian's postgres
refuses to run as root, so as root the server runs as the ``postgres`` user
(or ``nobody``). A watchdog stops the server and removes its folder if the
process that started it is killed before its teardown runs.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# No fsync: the store tests check logic, not the disk. A load test asks for the real thing.
FAST_SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why no server can be started here (for a skip), or None."""
    if pg_bindir() is None:
        return "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401 - only asks whether the driver is installed
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    return None


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when we are root; None when already unprivileged."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists")


@dataclass
class PgServer:
    socket_dir: Path
    port: int
    user: str = "zhizao"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def admin(self):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user, dbname="postgres",
                               autocommit=True)


_WATCHDOG = """
import os, shutil, signal, sys, time
parent, pidfile, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
try:
    with open(pidfile) as fh:
        postmaster = int(fh.readline())
    os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown
    for _ in range(100):
        os.kill(postmaster, 0)
        time.sleep(0.1)
except (OSError, ValueError):
    pass
shutil.rmtree(root, ignore_errors=True)
"""


@contextmanager
def running_server(settings: dict[str, str] | None = None, port: int = 54321) -> Iterator[PgServer]:
    """Start a server in a temp folder; stop it and remove the folder on exit.

    ``settings`` are extra ``-c name=value`` server settings (default: FAST_SETTINGS).
    Call unavailable_reason() first.
    """
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(unavailable_reason())
    root = Path(tempfile.mkdtemp(prefix="zhizao-pg-"))
    ids = _run_as()
    if ids is not None:
        os.chown(root, *ids)

    def demote() -> None:
        if ids is not None:
            os.setgid(ids[1])
            os.setuid(ids[0])

    def run(*cmd: str) -> None:
        proc = subprocess.run(cmd, cwd=root, preexec_fn=demote, capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise RuntimeError(f"{cmd[0]} failed: {proc.stdout}{proc.stderr}")

    data = root / "data"
    run(str(bindir / "initdb"), "-D", str(data), "-U", "zhizao", "--auth=trust", "-E", "UTF8",
        "--no-sync", "--locale=C")
    extra = FAST_SETTINGS if settings is None else settings
    opts = f"-k {root} -p {port} -c listen_addresses='' -c max_connections=200"
    opts += "".join(f" -c {name}={value}" for name, value in extra.items())
    try:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "server.log"), "-w", "-t", "60",
            "start")
        # If this process is killed, nothing runs the teardown below: a watchdog in its own
        # session stops the server and removes its folder once we are gone.
        subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(data / "postmaster.pid"),
                          str(root)], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        yield PgServer(root, port)
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], cwd=root,
                       preexec_fn=demote, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
