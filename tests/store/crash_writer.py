"""Writers for the crash test: each records progress in a loop and reports each commit once it returned.

``python -m tests.store.crash_writer DATA_DIR USER_ID`` imports the app once, then serves rounds
read from standard input: ``go`` forks a writer process, which prints ``pid <pid>`` and
``ready`` (the store open), then ``Q <attempt id>`` or ``L <lab run id>`` after each commit,
flushed at once; ``kill`` sends that writer SIGKILL, and once it is gone the server prints
``exit <returncode>`` (negative: the signal, like subprocess). Each writer is a process of its
own that opens the store itself (the server never does), so a kill -9 hits a real writer as
before; forking it from one warm server spares the 0.5-0.7 s of CPU that importing the app
and SQLAlchemy cost each of the 30 rounds (issue 20).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path

from app.context import AppContext
from app.services.auth import Actor
from app.services.progress import ProgressService  # noqa: F401 - loaded before the fork, not in each writer
from app.services.settings import SettingsService  # noqa: F401 - AppContext.open uses it
from app.storage import db as _storedb  # noqa: F401 - the engine set-up, loaded before the fork
from app.storage.models import Role
from tests.stored_progress import store_lab_run, store_quiz_attempt


def write_forever(data_dir: Path, user_id: str) -> None:
    ctx = AppContext.open(data_dir)
    me = Actor(user_id, "crash", "Crash Test", Role.TRAINEE)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        if n % 3:
            answers = {"questions": [{"id": f"q{i}", "response": i, "correct": bool(i % 2), "points": 1.0}
                                     for i in range(8)], "seed": n}
            rid = store_quiz_attempt(ctx.progress, me, "crash-course", "1.0.0", f"m{n % 4}/quiz", answers=answers,
                                     score=(n % 10) / 10, passed=n % 10 >= 7, duration_s=n % 90)
            print("Q", rid, flush=True)
        else:
            rid = store_lab_run(ctx.progress, me, "crash-course", "1.0.0", "m9/lab", parameters={"n": n}, seed=n,
                                metrics={"throughput": n * 1.5}, score=0.5, passed=False, duration_s=12.0)
            print("L", rid, flush=True)


def _writer(data_dir: Path, user_id: str) -> None:
    """The forked child: never returns into the server's loop."""
    code = 1
    try:
        print("pid", os.getpid(), flush=True)
        write_forever(data_dir, user_id)
    except Exception:  # noqa: BLE001 - whatever stopped the writer is the finding: shown in the test
        traceback.print_exc()
        print("died", flush=True)  # the test is reading stdout: an answer, not a wait for ever
    finally:
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    data_dir, user_id = Path(sys.argv[1]), sys.argv[2]
    for command in sys.stdin:
        if command.strip() != "go":
            break
        sys.stdout.flush()  # nothing buffered may be written twice, by the child too
        pid = os.fork()
        if pid == 0:
            _writer(data_dir, user_id)
        if sys.stdin.readline().strip() == "kill":
            os.kill(pid, signal.SIGKILL)  # the server has not reaped it: the pid is still this writer's
        _pid, status = os.waitpid(pid, 0)
        print("exit", os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
