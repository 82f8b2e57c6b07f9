"""Bytecode the xdist workers would each make for themselves, made once before they start.

On a fresh checkout (as CI has) every worker, at the same moment, compiles the app and rewrites and
compiles every test module for pytest's assertion messages: ~6 s of CPU each, then cached in
``__pycache__``. The controller makes that cache first, in as many processes as there are cores,
with pytest's own rewriting (what a worker then reads is exactly what it would have written). On a
checkout whose cache is current this only checks it. Should pytest's internals change, it does
nothing and the workers compile for themselves as before (issue 20).
"""

from __future__ import annotations

import compileall
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "simulators", "packaging", "tests")
_CONFIG = None  # the controller's config, inherited by the forked processes


def _work(files: list[str]) -> None:
    from _pytest.assertion.rewrite import (
        PYC_TAIL,
        _read_pyc,
        _rewrite_test,
        _write_pyc,
        assertstate_key,
        try_makedirs,
    )

    state = _CONFIG.stash[assertstate_key]
    for name in files:
        fn = Path(name)
        if not (fn.name.startswith("test_") or fn.name == "conftest.py"):
            compileall.compile_file(name, quiet=2)  # a plain module: an ordinary .pyc
            continue
        cache = fn.parent / "__pycache__"
        pyc = cache / (fn.name[:-3] + PYC_TAIL)
        if _read_pyc(fn, pyc) is None and try_makedirs(cache):
            source_hash, code = _rewrite_test(fn, _CONFIG)
            _write_pyc(state, code, source_hash, pyc)


def warm_up(config) -> None:
    """Fill the bytecode cache of the app and the tests (only in an xdist controller, on Linux)."""
    global _CONFIG
    if sys.dont_write_bytecode or not sys.platform.startswith("linux") or hasattr(config, "workerinput"):
        return
    if not getattr(config.option, "numprocesses", None) or getattr(config.option, "assertmode", "") != "rewrite":
        return
    files = sorted(str(p) for package in PACKAGES for p in (ROOT / package).rglob("*.py")
                   if "benchmarks" not in p.parts)
    cores = max(1, len(os.sched_getaffinity(0)))
    _CONFIG = config
    try:
        with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_work, [files[i::cores] for i in range(cores)]))
    except Exception:  # noqa: BLE001 - only a head start: the workers compile whatever is missing
        pass
    finally:
        _CONFIG = None
