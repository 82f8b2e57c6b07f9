"""Writer for the crash test: records progress in a loop and reports each commit once it returned.

``python -m tests.store.crash_writer DATA_DIR USER_ID`` prints ``ready``, then
``Q <attempt id>`` or ``L <lab run id>`` after each commit, flushed at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.context import AppContext
from app.services.auth import Actor
from app.storage.models import Role
from tests.stored_progress import store_lab_run, store_quiz_attempt


def main() -> None:
    data_dir, user_id = Path(sys.argv[1]), sys.argv[2]
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
                                              metrics={"throughput": n * 1.5}, score=0.5, passed=False,
                                              duration_s=12.0)
            print("L", rid, flush=True)


if __name__ == "__main__":
    main()
