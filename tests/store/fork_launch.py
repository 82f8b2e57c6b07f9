"""Start several writer processes from one interpreter that has imported the app once.

``python -m tests.store.fork_launch CODE PRELOAD COUNT ARG…`` imports the modules named in
PRELOAD (comma-separated), then forks COUNT processes; each runs CODE like ``python -c CODE
ARG…`` would (``{n}`` in an argument becomes the process's index) with its standard output
in a pipe of its own, and the launcher prints one JSON line: ``[{"code": 0, "out": "…"}, …]``
in index order. Standard error is the launcher's, shared.

The processes are as separate as before (each opens the store itself; the launcher never
does); what they share is the 0.6-0.7 s of CPU that importing SQLAlchemy and the app took
in each of them (issue 20).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback


def _child(code: str, args: list[str], write_end: int) -> None:
    status = 1
    try:
        os.dup2(write_end, 1)
        os.close(write_end)
        sys.argv = ["-c", *args]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported like python -c would: the trace on stderr, status 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def main() -> None:
    code, preload, count, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    for name in filter(None, preload.split(",")):
        importlib.import_module(name)
    sys.stdout.flush()
    sys.stderr.flush()
    children = []
    for n in range(count):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(code, [a.replace("{n}", str(n)) for a in args], write_end)
        os.close(write_end)
        children.append((pid, read_end))
    results = []
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            out = pipe.read().decode()
        _pid, status = os.waitpid(pid, 0)
        results.append({"code": os.waitstatus_to_exitcode(status), "out": out})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
