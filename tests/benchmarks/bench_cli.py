"""CPU of one ``zhizao`` command-line process (``python -m app …``), against a bare interpreter and
against importing SQLAlchemy's ORM, the floor of every command that opens the store.

Each command runs as a script or a test starts it; runs are interleaved, medians of CPU
(user + system, from ``os.wait4``) reported. Issue 20, session 4 (2-core VM at load 2-6):
the parser and the error handling no longer load SQLAlchemy and the models, so ``--help``, a
usage error and ``db backup``/``restore`` cost ≈ 0.10 s instead of 0.60-0.65 s. A store
command is ≈ 0.55-0.7 s: SQLAlchemy's import (≈ 0.3 s, its floor here) and the 20 models'
declarative classes (≈ 0.1 s) are most of it; ``users add`` adds the production argon2id hash
(≈ 0.3 s) and the fonts' character check of the name.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from tests.benchmarks._report import report

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5


def _cpu(cmd: list[str], stdin: str | None = None) -> float:
    env = {**os.environ, "ZHIZAO_LANG": "en", "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here
    return usage.ru_utime + usage.ru_stime


def test_cli_process_cpu(tmp_path):
    data = tmp_path / "data"
    zhizao = [sys.executable, "-m", "app", "--data-dir", str(data)]
    subprocess.run([*zhizao, "users", "add", "admin", "--name", "Admin", "--role", "admin", "--password-stdin"],
                   input="admin-password\n", cwd=ROOT, check=True, capture_output=True, text=True)
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "import sqlalchemy.orm": ([sys.executable, "-c", "import sqlalchemy.orm"], None),
        "zhizao --version": ([*zhizao, "--version"], None),
        "zhizao --help": ([*zhizao, "--help"], None),
        "zhizao usage error": ([*zhizao, "users", "frobnicate"], None),
        "zhizao db backup": ([*zhizao, "db", "backup", str(tmp_path / "copy.sqlite")], None),
        "zhizao users list": ([*zhizao, "users", "list"], None),
        "zhizao users add": ([*zhizao, "users", "add", "{login}", "--name", "Li", "--password-stdin"], "pass-word\n"),
    }
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(RUNS):
        for name, (cmd, stdin) in commands.items():
            cpu[name].append(_cpu([a.replace("{login}", f"li{run}") for a in cmd], stdin))
    median = {name: statistics.median(values) for name, values in cpu.items()}
    bare, orm = median["python -c pass"], median["import sqlalchemy.orm"]
    for name in ("zhizao --version", "zhizao --help", "zhizao usage error", "zhizao db backup"):
        report(f"CPU of '{name}'", median[name], bare, unit="s", note="floor: python -c pass")
    for name in ("zhizao users list", "zhizao users add"):
        report(f"CPU of '{name}'", median[name], orm, unit="s", note="floor: import sqlalchemy.orm")
