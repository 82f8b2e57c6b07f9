"""The courses the app offers: bundled ones and the instructor library, newest version of each.

Parsed courses are cached in the data dir, one file per course folder: the
course as JSON of its pydantic models (never a pickle, so a planted file cannot
run code), signed with HMAC-SHA256 under a per-install key kept 0600 in the data
dir (so a planted or edited file cannot change what a trainee is taught or how
they are graded). A file that fails the check is ignored and rebuilt.

A cache entry is used when the folder's files have the same (path, size,
mtime_ns) as when it was written; when they differ, the sha256 of the contents
decides (a checkout or copy touches mtimes without changing anything). The key
also covers the code that parses and checks courses, so an upgrade never serves
stale models.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app import __version__
from app.atomic import write_atomic
from app.courses import models as m
from app.courses.errors import Problem
from app.courses.loader import read_course
from app.courses.semver import Version
from app.i18n import _

log = logging.getLogger(__name__)

CACHE_FORMAT = 2
CACHE_SUFFIX = ".course-cache"
KEY_FILE = "course-cache.key"
_KEY_BYTES = 32
_SOURCE_RANK = {"bundled": 0, "library": 1}  # same version in both: the instructor's copy wins


class CourseNotFound(KeyError):
    def __str__(self) -> str:
        return _("no course with id “{id}”").format(id=self.args[0] if self.args else "")


def _walk_files(root: Path) -> list[tuple[str, os.stat_result]]:
    """(relative posix path, stat) of the files a course consists of (hidden ones skipped)."""
    found: list[tuple[str, os.stat_result]] = []
    stack = [(os.fspath(root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            rel = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                elif entry.is_file():
                    found.append((rel, entry.stat()))
            except OSError:
                continue
    found.sort(key=lambda item: item[0])
    return found


def stat_key(root: Path, files: list[tuple[str, os.stat_result]] | None = None) -> str:
    """Identifies the (path, size, mtime_ns) of every file (``files``: a walk already made)."""
    h = hashlib.sha256()
    for rel, st in _walk_files(root) if files is None else files:
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


_TEXT_SUFFIXES = (".yaml", ".md")


def content_hash(root: Path, files: list[tuple[str, os.stat_result]] | None = None,
                 texts: dict[str, bytes] | None = None) -> str:
    """sha256 over every file's path and contents: identifies a course's exact text.

    ``texts`` (if given) receives the bytes of the course's YAML and Markdown files, so
    the loader parses exactly the bytes hashed here instead of reading them again.
    """
    h = hashlib.sha256()
    root_str = os.fspath(root)
    for rel, _st in _walk_files(root) if files is None else files:
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(os.path.join(root_str, rel), "rb") as fh:
                data = fh.read()
        except OSError:
            h.update(b"unreadable")
            continue
        h.update(hashlib.sha256(data).digest())
        if texts is not None and rel.endswith(_TEXT_SUFFIXES):
            texts[rel] = data
    return h.hexdigest()


_code_key: str | None = None


def code_key() -> str:
    """Identifies the code that turns files into courses (this package and the simulators)."""
    global _code_key
    if _code_key is None:
        h = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|{m.FORMAT_VERSION}".encode())
        here = Path(__file__).resolve().parent
        for folder in (here, here.parent.parent / "simulators"):
            for rel, st in _walk_files(folder):
                if rel.endswith((".py", ".yaml")):
                    h.update(f"{folder.name}/{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        _code_key = h.hexdigest()
    return _code_key


@dataclass
class _CacheEntry:
    code_key: str
    stat_key: str
    content_hash: str
    course: m.Course | None
    problems: list[Problem] = field(default_factory=list)


class CourseLibrary:
    """Courses from ``bundled_dir`` (read-only) and ``user_dir`` (the instructor library).

    Folders whose name starts with ``_`` (fixtures, drafts) are hidden unless
    ``include_hidden``; by default they are hidden only in the real bundled folder
    (``app.paths.courses_dir()``), so tests pointing at their own folders see them.
    A course that fails to load is skipped; its problems are in ``problems``.
    """

    def __init__(self, bundled_dir: Path | None, user_dir: Path | None, cache_dir: Path | None,
                 *, include_hidden: bool | None = None, key_file: Path | None = None) -> None:
        self.bundled_dir = Path(bundled_dir) if bundled_dir else None
        self.user_dir = Path(user_dir) if user_dir else None
        self.cache_dir = Path(cache_dir) if cache_dir else None
        # The key sits in the data dir next to the database, not in the cache folder it protects.
        self.key_file = Path(key_file) if key_file else (self.cache_dir.parent / KEY_FILE if self.cache_dir else None)
        self._key: bytes | None = None
        if include_hidden is None:
            from app.paths import courses_dir

            include_hidden = self.bundled_dir is None or not _same_dir(self.bundled_dir, courses_dir())
        self.include_hidden = include_hidden
        self._versions: dict[str, list[m.Course]] = {}
        self._failed: dict[Path, list[Problem]] = {}
        self._loaded = False
        # The catalog loads on a worker thread while login may ask for a course on the GUI thread:
        # the second caller waits for the first load instead of doing it again.
        self._load_lock = threading.Lock()

    # --- public ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Look at the folders again (cheap for unchanged courses: they come from the cache)."""
        versions: dict[str, list[m.Course]] = {}
        failed: dict[Path, list[Problem]] = {}
        for source, folder in (("bundled", self.bundled_dir), ("library", self.user_dir)):
            if folder is None:
                continue
            for root in self._course_folders(folder):
                try:
                    course, problems = self._load(root, source)
                except Exception as exc:  # one broken course must never take the catalogue down
                    log.exception("loading course %s", root)
                    course, problems = None, [Problem(str(root), None, None, "error", _(
                        "the course could not be loaded: {reason}").format(reason=exc), "")]
                if course is None:
                    failed[root] = problems
                else:
                    versions.setdefault(course.id, []).append(course)
        for courses in versions.values():
            courses.sort(key=lambda c: (Version(c.version), _SOURCE_RANK.get(c.source, 0)), reverse=True)
        self._versions, self._failed, self._loaded = versions, failed, True

    def courses(self) -> list[m.Course]:
        """The newest version of every course, ordered by id."""
        self._ensure()
        return [self._versions[cid][0] for cid in sorted(self._versions)]

    def get(self, course_id: str) -> m.Course:
        """The newest version of ``course_id``; CourseNotFound (a KeyError) if there is none."""
        self._ensure()
        try:
            return self._versions[course_id][0]
        except KeyError:
            raise CourseNotFound(course_id) from None

    def versions(self, course_id: str) -> list[m.Course]:
        """Every loaded version of ``course_id``, newest first."""
        self._ensure()
        return list(self._versions.get(course_id, []))

    def __contains__(self, course_id: object) -> bool:
        self._ensure()
        return course_id in self._versions

    @property
    def problems(self) -> list[Problem]:
        """Every problem of the courses that failed to load."""
        self._ensure()
        return [p for problems in self._failed.values() for p in problems]

    @property
    def failed(self) -> dict[Path, list[Problem]]:
        """Course folder → its problems, for the courses that failed to load."""
        self._ensure()
        return dict(self._failed)

    # --- loading ---------------------------------------------------------------------------------

    def _ensure(self) -> None:
        if not self._loaded:
            with self._load_lock:
                if not self._loaded:
                    self.reload()

    def _course_folders(self, folder: Path) -> list[Path]:
        try:
            children = sorted(folder.iterdir())
        except OSError:
            return []
        return [c for c in children
                if c.is_dir() and not c.name.startswith(".")
                and (self.include_hidden or not c.name.startswith("_"))
                and (c / "course.yaml").is_file()]

    def _cache_file(self, root: Path, source: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name = hashlib.sha256(f"{source}|{root.resolve()}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.cache_dir / f"{name}{CACHE_SUFFIX}"

    def _cache_key(self) -> bytes | None:
        if self._key is None and self.key_file is not None:
            self._key = cache_key(self.key_file)
        return self._key

    def _load(self, root: Path, source: str) -> tuple[m.Course | None, list[Problem]]:
        key = self._cache_key()
        cache_file = self._cache_file(root, source) if key else None
        entry = _read_cache(cache_file, key) if cache_file and key else None
        code = code_key()
        files = _walk_files(root)
        skey = stat_key(root, files)
        if entry is not None and entry.code_key == code and entry.stat_key == skey:
            return entry.course, entry.problems
        texts: dict[str, bytes] = {}
        chash = content_hash(root, files, texts)
        if entry is not None and entry.code_key == code and entry.content_hash == chash:
            entry.stat_key = skey
            _write_cache(cache_file, entry, key)
            return entry.course, entry.problems
        course, problems = read_course(root, source=source, texts=texts)  # type: ignore[arg-type]
        if course is not None:
            course.content_hash = chash
        if cache_file is not None and key:
            _write_cache(cache_file, _CacheEntry(code, skey, chash, course, problems), key)
        return course, problems


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def cache_key(path: Path) -> bytes | None:
    """The install's cache-signing key, created (0600) if missing; None if it cannot be had safely.

    A key file that others could read or change (on POSIX: not ours, or group/other
    bits set) is replaced, which simply invalidates every cache entry.
    """
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    except OSError:
        return None
    if st is not None:
        trusted = stat.S_ISREG(st.st_mode) and (os.name == "nt" or (
            st.st_uid == os.getuid() and not st.st_mode & 0o077))
        if trusted:
            try:
                data = path.read_bytes()
            except OSError:
                return None
            return data if len(data) == _KEY_BYTES else None
        log.warning("replacing the course cache key %s: others could read or change it", path)
        try:
            path.unlink()
        except OSError:
            return None
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:  # another process made it first: use theirs
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if len(data) == _KEY_BYTES else None
    except OSError:
        log.info("cannot create the course cache key %s; courses are parsed every time", path, exc_info=True)
        return None
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).hexdigest().encode("ascii")


def _encode(entry: _CacheEntry) -> bytes:
    """Two lines: a JSON header (keys, problems) and the course as JSON (or ``null``)."""
    header = {"format": CACHE_FORMAT, "code_key": entry.code_key, "stat_key": entry.stat_key,
              "content_hash": entry.content_hash, "problems": [asdict(p) for p in entry.problems]}
    course = entry.course.model_dump_json().encode("utf-8") if entry.course is not None else b"null"
    return json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + course


def _decode(payload: bytes) -> _CacheEntry:
    header_line, _nl, course_line = payload.partition(b"\n")
    header = json.loads(header_line)
    if header.get("format") != CACHE_FORMAT:
        raise ValueError("another cache format")
    course = None if course_line == b"null" else m.Course.model_validate_json(course_line)
    if course is not None:
        # Private attributes are not part of the JSON: the lab's folder is its step's folder.
        for _module, step in course.iter_steps():
            if step.lab is not None:
                step.lab._step_dir = step.path
    problems = [Problem(**p) for p in header["problems"]]
    return _CacheEntry(str(header["code_key"]), str(header["stat_key"]), str(header["content_hash"]), course,
                       problems)


def _read_cache(path: Path | None, key: bytes) -> _CacheEntry | None:
    """The entry in ``path`` if its signature is ours; anything else is a miss."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return None
    signature, _nl, payload = data.partition(b"\n")
    if not hmac.compare_digest(signature, _sign(key, payload)):
        log.warning("ignoring course cache %s: its signature does not match", path)
        return None
    try:
        return _decode(payload)
    except Exception:  # signed by us but unreadable (e.g. written by other code): just a miss
        log.info("ignoring unreadable course cache %s", path, exc_info=True)
        return None


def _write_cache(path: Path | None, entry: _CacheEntry, key: bytes) -> None:
    if path is None:
        return
    try:
        payload = _encode(entry)
    except (TypeError, ValueError):
        log.info("could not encode course cache %s", path, exc_info=True)
        return
    try:
        write_atomic(path, _sign(key, payload) + b"\n" + payload)
        path.with_suffix(".pickle").unlink(missing_ok=True)  # the unsigned format of earlier versions
    except OSError:
        log.info("could not write course cache %s", path, exc_info=True)
