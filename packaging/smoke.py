"""Run a built bundle's ``--self-test`` the way a center PC would: no network, no build tools.

    python packaging/smoke.py dist/zhizao

The bundle is copied to a fresh temporary folder (as if unpacked from the USB
stick elsewhere) and started with an empty environment (no virtualenv, no
PYTHONPATH, a throw-away HOME) inside ``unshare -n``, a network namespace with
no interfaces but loopback-down. Where unshare is not permitted (not root, no
user namespaces) it runs without it and says so. Exit status: the self-test's;
2 when an expected check is missing from its output.

Stdlib only, so it runs with any Python 3.11.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Every one of these must appear as an "ok   <name>" line.
# Together they load every native part of the bundle: Qt widgets, SVG, print support and ICU data (main window,
# course images, printing, Qt locale data), SQLite and argon2 (database, first administrator), SimPy and worker
# processes, reportlab with the CJK font, QR encode/decode, pypdfium2 and cryptography (certificate), Babel
# (dates), libpq (PostgreSQL driver), pyqtgraph on numpy (plots), Qt's and Pillow's codecs (picture formats).
REQUIRED_CHECKS = (
    "database created and migrated", "main window painted", "first administrator created", "modules",
    "migrations", "bundled courses", "course images", "simulation shift", "worker processes", "certificate",
    "dates in both languages", "PostgreSQL driver", "plots", "printing", "Qt locale data", "picture formats",
    "language switch",
)
BUNDLED_COURSES = ("ai-predictive-maintenance", "industrial-robot-operation")


@dataclass
class SmokeResult:
    returncode: int
    stdout: str
    stderr: str
    isolated: bool  # ran inside a network namespace with no network
    missing: list[str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.missing


def executable(bundle: Path) -> Path:
    """The program that prints: zhizao-cli.exe on Windows (zhizao.exe is windowed), else zhizao."""
    for name in ("zhizao-cli.exe", "zhizao.exe", "zhizao"):
        if (bundle / name).is_file():
            return bundle / name
    raise FileNotFoundError(f"{bundle}: no zhizao executable (build it with `make package`)")


def network_isolation() -> list[str] | None:
    """The command prefix that runs a program with no network, or None if not permitted here."""
    unshare = shutil.which("unshare")
    if not unshare or sys.platform != "linux":
        return None
    for prefix in ([unshare, "-n"], [unshare, "-r", "-n"]):  # root, then an unprivileged user namespace
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return None


def run_smoke(bundle: Path, timeout: float = 300) -> SmokeResult:
    bundle = Path(bundle).resolve()
    with tempfile.TemporaryDirectory(prefix="zhizao-smoke-") as tmp:
        installed = Path(tmp) / "zhizao"
        shutil.copytree(bundle, installed, symlinks=True)
        exe = executable(installed)
        home = Path(tmp) / "home"
        home.mkdir()
        env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8",
               "TMPDIR": tmp}
        if sys.platform == "win32":
            env = {**{k: v for k, v in os.environ.items() if k.upper() in ("SYSTEMROOT", "WINDIR", "PATH")},
                   "USERPROFILE": str(home), "LOCALAPPDATA": str(home), "APPDATA": str(home),
                   "QT_QPA_PLATFORM": "offscreen", "TEMP": tmp, "TMP": tmp}
        prefix = network_isolation()
        proc = subprocess.run([*(prefix or []), str(exe), "--self-test"], cwd=tmp, env=env, capture_output=True,
                              text=True, encoding="utf-8", errors="replace", timeout=timeout)
    ok_lines = [line[5:] for line in proc.stdout.splitlines() if line.startswith("ok   ")]
    missing = [name for name in REQUIRED_CHECKS if not any(line.startswith(name) for line in ok_lines)]
    courses_line = next((line for line in ok_lines if line.startswith("bundled courses")), "")
    missing += [f"bundled course {c}" for c in BUNDLED_COURSES if c not in courses_line]
    return SmokeResult(proc.returncode, proc.stdout, proc.stderr, prefix is not None, missing)


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else "dist/zhizao")
    try:
        result = run_smoke(bundle)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"SMOKE FAIL: {exc}", file=sys.stderr)
        return 1
    where = "inside unshare -n (no network)" if result.isolated else \
        "WITHOUT network isolation (unshare -n is not permitted here)"
    print(f"SMOKE self-test of the installed copy of {bundle}, {where}:")
    print("".join(f"  {line}\n" for line in result.stdout.splitlines()), end="")
    noise = [line for line in result.stderr.splitlines() if "propagateSizeHints" not in line]
    if noise:
        print("".join(f"  stderr: {line}\n" for line in noise), end="")
    if result.missing:
        print(f"SMOKE FAIL: no ok line for: {', '.join(result.missing)}", file=sys.stderr)
        return result.returncode or 2
    print("SMOKE OK" if result.ok else f"SMOKE FAIL: exit status {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
