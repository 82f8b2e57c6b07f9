"""`zhizao` commands in processes forked from one warm interpreter, for tests about what a command does.

``run(args, input=…, env=…)`` behaves like ``subprocess.run([python, "-m", "app", *args], …,
capture_output=True, text=True)``: each call is a process of its own (its own stdin, stdout,
stderr, environment, working folder and database connections) running ``app.cli.main.main``
from its first line, and its exit code is the process's. What the calls share is the start:
the server imported the interpreter's start-up, SQLAlchemy and the app once (~0.4 s of CPU a
process, issue 20); it never opens a store or calls ``main`` itself.

Calls may run at once (from several threads): the server forks a handler per connection, the
handler forks the command's process, waits for it and sends back its exit code. Tests about the
process itself (``python -m app``, exit on a signal or a closed pipe, the interpreter's own
start) keep real ``python -m app`` processes.

The server is started on first use, once per test process (one more per ``user`` asked for,
started as that user with setpriv), and ends when that process does (end of file on its
standard input).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the commands the tests run import; each loaded once here instead of in every process.
PRELOAD = ("sqlalchemy", "sqlalchemy.dialects.sqlite", "app.cli.main", "app.cli.users", "app.cli.db",
           "app.context", "app.services.auth", "app.storage.models", "app.storage.db", "argon2")


# -- the server ---------------------------------------------------------------------------------------

def _command(request: dict, fds: list[int]) -> None:
    """In the command's process: stdio from the caller's files, the caller's env and folder, then main."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    sys.argv = [str(ROOT / "app" / "__main__.py"), *request["args"]]
    status = 1
    try:
        from app.cli.main import main

        status = main(request["args"])
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as the interpreter would: the trace on stderr, status 1
        import traceback

        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()  # logging.shutdown and the like, as at a real interpreter's exit
        try:
            sys.stdout.flush()
        except OSError:
            status = 120  # what the interpreter exits with when its final flush fails
        sys.stderr.flush()
        os._exit(status if isinstance(status, int) else 1)


def _handle(conn: socket.socket) -> None:
    """In a handler: receive one request, run it in a child, send back the child's exit code."""
    status = 1
    try:
        data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
        while chunk := conn.recv(1 << 16):  # the caller's environment may come in several pieces
            data += chunk
        request = json.loads(data)
        pid = os.fork()
        if pid == 0:
            conn.close()
            _command(request, fds)
        for fd in fds:
            os.close(fd)
        _pid, wait, usage = os.wait4(pid, 0)
        conn.sendall(json.dumps({"code": os.waitstatus_to_exitcode(wait),
                                 "cpu": usage.ru_utime + usage.ru_stime}).encode())
        status = 0
    finally:
        os._exit(status)


def _reap(_signum, _frame) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve(path: str) -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    from app.cli.main import COMMAND_MODULES, EXPORT_MODULES

    for name in COMMAND_MODULES + EXPORT_MODULES:
        importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    # Handlers are waited for, not left to the kernel: so their CPU time and their commands' adds up
    # to this server's, and the test process's (getrusage, time) when it waits for the server.
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    sys.stderr.flush()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _events in selector.select():
            if key.fileobj is sys.stdin:  # the test process is done
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                while True:
                    try:
                        os.wait()
                    except ChildProcessError:
                        return
            conn, _addr = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _handle(conn)
            conn.close()


# -- the client ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_servers: dict[int | None, tuple[subprocess.Popen, str, typing.IO[bytes]]] = {}
# CPU time (s) of the commands run so far: the server's processes are this process's children only
# through the server, which is waited for at exit, so a per-test probe of getrusage(RUSAGE_CHILDREN)
# does not see them; it can add the growth of this.
spent = 0.0


class ServerUnavailable(RuntimeError):
    """The server could not start (as that user: e.g. the interpreter's files are not readable to it)."""


def start(user: int | None = None) -> str:
    """Start this process's server (running as ``user``, a uid, if given) unless it runs; its socket's path."""
    with _lock:
        if user not in _servers:
            folder = tempfile.mkdtemp(prefix="zhizao-cli-")
            cmd = [sys.executable, "-m", "tests.store.cli_server", os.path.join(folder, "socket")]
            if user is not None:  # as the tests start `python -m app` as an ordinary user
                os.chown(folder, user, user)
                cmd = ["setpriv", "--reuid", str(user), "--regid", str(user), "--clear-groups", *cmd]
            env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIZAO_")}
            errors = tempfile.TemporaryFile()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=errors, text=True)
            if proc.stdout.readline().strip() != "ready":
                proc.wait(timeout=60)
                errors.seek(0)
                raise ServerUnavailable(errors.read().decode(errors="replace")[-2000:])
            # A process forked from this one (a multiprocessing pool) must not keep the server's
            # stdin open: the server ends when the last writer of it is gone.
            os.register_at_fork(after_in_child=proc.stdin.close)
            atexit.register(_stop, proc)
            _servers[user] = proc, cmd[-1], errors
        return _servers[user][1]


def _stop(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a command still running: do not hold up the test process's exit
        proc.kill()
        proc.wait()


def run(args: list[str], *, input: str | None = None, env: dict[str, str] | None = None,
        cwd: str | Path | None = None, user: int | None = None, timeout: float = 300
        ) -> subprocess.CompletedProcess:
    """``python -m app ARGS`` with ``input`` on stdin (else /dev/null), ``env`` as its environment
    (default: this process's), in ``cwd``, with this process's umask, as ``user`` (a uid, with the
    same gid and no other groups, from a server started as that user) if given; stdout and stderr
    captured as text. The result's ``cpu`` is the command process's own CPU time."""
    path = start(user)
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if input is not None:
            stdin.write(input.encode())
            stdin.seek(0)
            in_fd = stdin.fileno()
        else:
            in_fd = os.open(os.devnull, os.O_RDONLY)
        request = {"args": [str(a) for a in args], "env": dict(os.environ if env is None else env),
                   "cwd": str(cwd or os.getcwd()), "umask": _umask()}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(path)
            try:
                socket.send_fds(conn, [json.dumps(request).encode()], [in_fd, out.fileno(), err.fileno()])
            finally:
                if input is None:
                    os.close(in_fd)
            conn.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := conn.recv(4096):
                reply += chunk
        if not reply:
            errors = _servers[user][2]
            errors.seek(0)
            raise RuntimeError(f"the CLI server gave no exit code: {errors.read().decode(errors='replace')[-2000:]}")
        reply = json.loads(reply)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (_text(f.read()) for f in (out, err))
    done = subprocess.CompletedProcess(["python", "-m", "app", *map(str, args)], reply["code"], stdout, stderr)
    done.cpu = reply["cpu"]  # the command's own CPU time (user + system), for measurements
    with _lock:
        global spent
        spent += done.cpu
    return done


def _umask() -> int:
    """This process's umask, read without setting it (os.umask would change it for other threads)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))


def _text(data: bytes) -> str:
    # As subprocess.run(text=True) decodes: the locale's encoding, universal newlines.
    import io

    return io.TextIOWrapper(io.BytesIO(data)).read()


if __name__ == "__main__":
    serve(sys.argv[1])
