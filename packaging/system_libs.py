"""Which shared libraries the Linux bundle takes from the workstation, and which duplicates it links instead.

    python packaging/system_libs.py dist/zhizao     # what the bundle loads from outside itself, and why

From the workstation (not bundled), each group because it belongs to the desktop the app runs on:

* the C library and the graphics drivers' libraries (libGL, libdrm, libxcb, libwayland-*):
  PyInstaller itself never bundles them;
* the rest of the X11/Wayland client side (libX11, the xcb utility libraries, xkbcommon): they
  go with the display server's libxcb and libwayland, and a build machine without a desktop
  (CI) does not even have all of them to bundle (``libxcb-icccm``, ``libxcb-keysyms``);
* printing (CUPS and its TLS/Kerberos chain): a bundled copy would fight the system's CUPS
  configuration; without it Qt lists no printers and saving PDFs still works;
* D-Bus (libdbus and what the build machine's copy links: systemd, gcrypt, lz4, libcap): the
  client library of the session's bus daemon;
* fonts (fontconfig, FreeType and its PNG/Brotli/Expat): they read the system's font
  configuration, which a bundled fontconfig of another version may not understand.

Duplicates: psycopg's libpq and its LDAP library come with their own OpenSSL 3 (6.6 MB) and need
only its 3.0 ABI (symbol version ``OPENSSL_3.0.0``); the Python runtime's OpenSSL 3 provides that,
so psycopg's copies become links to it. Pillow's copies of libXau (padded to 2 MB by patchelf),
zstd and xz link to the bundle's own (Qt's and Python's). A duplicate is linked only if the bundled library defines
every symbol version the bundle's users of the copy need (``readelf -V``); otherwise the copy stays.

``tests/test_package.py`` checks a built bundle against these lists with ``ldd``. Stdlib only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

FROM_SYSTEM: dict[str, re.Pattern] = {
    "C library": re.compile(r"^(ld-linux.*|lib(c|dl|m|pthread|rt|util|resolv|anl|crypt|nsl|thread_db|"
                            r"BrokenLocale|cidn|nss_\w+))\.so[.\d]*$"),
    "graphics drivers": re.compile(r"^lib(E?(Open)?GLX?(ESv1_CM|ESv2)?(dispatch)?|drm|xcb|xcb-dri\d?|"
                                   r"wayland-(client|cursor|egl|server))\.so[.\d]*$"),
    "X11/Wayland client": re.compile(r"^lib(X11|X11-xcb|xcb-[a-z0-9-]+|xkbcommon|xkbcommon-x11|Xdmcp|bsd|md)"
                                     r"\.so[.\d]*$"),
    "printing": re.compile(r"^lib(cups|gnutls|avahi-(client|common)|gssapi_krb5|krb5|k5crypto|krb5support|"
                           r"com_err|p11-kit|unistring|idn2|tasn1|nettle|hogweed|gmp|keyutils)\.so[.\d]*$"),
    "D-Bus": re.compile(r"^lib(dbus-1|systemd|gcrypt|gpg-error|lz4|cap)\.so[.\d]*$"),
    "fonts": re.compile(r"^lib(fontconfig|freetype|png16|brotli(common|dec)|expat)\.so[.\d]*$"),
}

# (auditwheel copy, the library the bundle carries anyway), both as bundle paths of the file.
DUPLICATES = (
    (re.compile(r"^psycopg_binary\.libs/libcrypto-[0-9a-f]{8}\.so\.3$"), "libcrypto.so.3"),
    (re.compile(r"^psycopg_binary\.libs/libssl-[0-9a-f]{8}\.so\.3$"), "libssl.so.3"),
    (re.compile(r"^pillow\.libs/libXau-[0-9a-f]{8}\.so\.6[.\d]*$"), "libXau.so.6"),
    (re.compile(r"^pillow\.libs/libzstd-[0-9a-f]{8}\.so\.1[.\d]*$"), "libzstd.so.1"),
    (re.compile(r"^pillow\.libs/liblzma-[0-9a-f]{8}\.so\.5[.\d]*$"), "liblzma.so.5"),
)


# A wheel's own copy, renamed by auditwheel ("libxcb-9065bb12.so.1.1.0"): always bundled, its users need that name.
_WHEEL_COPY = re.compile(r"-[0-9a-f]{8}\.so")


def from_system(name: str) -> str | None:
    """Why a library (file name) comes from the workstation, or None if the bundle must carry it."""
    if _WHEEL_COPY.search(name):
        return None
    return next((why for why, pattern in FROM_SYSTEM.items() if pattern.match(name)), None)


def _readelf_versions(path: str) -> tuple[dict[str, set[str]], set[str]]:
    """({needed file: {version names}}, {defined version names}) of an ELF file (readelf -V)."""
    out = subprocess.run(["readelf", "-V", "-W", path], capture_output=True, text=True).stdout
    needed: dict[str, set[str]] = {}
    defined: set[str] = set()
    section, current = "", ""
    for line in out.splitlines():
        if "Version definition section" in line:
            section = "def"
        elif "Version needs section" in line:
            section = "need"
        elif "Version symbols section" in line:
            section = ""
        elif section == "def" and (m := re.search(r"Name: (\S+)", line)) and "Parent" not in line:
            defined.add(m[1])
        elif section == "need" and (m := re.search(r"File: (\S+)", line)):
            current = m[1]
            needed.setdefault(current, set())
        elif section == "need" and (m := re.search(r"Name: (\S+)", line)):
            needed[current].add(m[1])
    return needed, defined


def link_duplicates(binaries: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """PyInstaller's binaries with each DUPLICATES copy turned into a symbolic link to the library the bundle
    carries, where that library has every symbol version the copy's remaining users need; (binaries, notes)."""
    if shutil.which("readelf") is None:  # no way to check the symbol versions: keep every copy
        return binaries, ["duplicates kept: readelf (binutils) is not installed"]
    files = {dest.replace("\\", "/"): src for dest, src, kind in binaries if kind in ("BINARY", "EXTENSION")}
    targets = {}
    for dest, _src, kind in binaries:
        target = next((t for pattern, t in DUPLICATES if pattern.match(dest.replace("\\", "/"))), None)
        if kind == "BINARY" and target in files:
            targets[dest.replace("\\", "/")] = target
    versions = {name: _readelf_versions(src) for name, src in files.items()}
    notes: dict[str, str] = {}
    changed = True
    while changed:  # a copy that stays is a user again: recheck until nothing changes
        changed = False
        for copy, target in list(targets.items()):
            copy_name = Path(copy).name
            wanted = set().union(*(versions[user][0].get(copy_name, set()) for user in files if user not in targets))
            missing = wanted - versions[target][1]
            if missing:
                notes[copy] = f"{copy} kept: {target} lacks {', '.join(sorted(missing))}"
                del targets[copy]
                changed = True
            else:
                notes[copy] = (f"{copy} -> {target} ({Path(files[copy]).stat().st_size / 2**20:.1f} MB saved; "
                               f"its users need {', '.join(sorted(wanted)) or 'no symbol versions'})")
    result = []
    for dest, src, kind in binaries:
        name = dest.replace("\\", "/")
        if name in targets:
            result.append((dest, os.path.relpath(targets[name], os.path.dirname(name)), "SYMLINK"))
        else:
            result.append((dest, src, kind))
    return result, sorted(notes.values())


def ldd_reports(bundle: Path, relocations: bool = False) -> dict[Path, subprocess.CompletedProcess]:
    """{library file: its ``ldd`` run} for every shared library of the bundle, run as the bundle's launcher runs its
    code (LD_LIBRARY_PATH = the _internal folder). With relocations, ``ldd -r``: the same dependency lines, and
    a line for each symbol no loaded library defines."""
    internal = Path(bundle) / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    flags = ["-r"] if relocations else []
    return {path: subprocess.run(["ldd", *flags, str(path)], capture_output=True, text=True, env=env)
            for path in sorted(internal.rglob("*"))
            if not path.is_symlink() and path.is_file() and re.search(r"\.so(\.|$)", path.name)}


def outside_dependencies(bundle: Path, reports: dict[Path, subprocess.CompletedProcess] | None = None
                         ) -> dict[str, set[str]]:
    """{library name: {bundle files needing it}} for every library ``ldd`` finds outside the bundle or not at
    all (from ``reports``, ldd_reports' runs, when given: tests/test_package.py also needs ``ldd -r``'s)."""
    internal = Path(bundle) / "_internal"
    found: dict[str, set[str]] = {}
    for path, out in (ldd_reports(bundle) if reports is None else reports).items():
        for line in out.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (not found|(\S+))", line)
            if not m:
                continue
            where = m[3]
            if where is None or not Path(where).resolve().is_relative_to(internal.resolve()):
                found.setdefault(m[1], set()).add(path.relative_to(internal).as_posix())
    return found


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else "dist/zhizao")
    unlisted = 0
    for name, users in sorted(outside_dependencies(bundle).items()):
        why = from_system(name)
        unlisted += why is None
        print(f"{name:32s} {why or 'NOT ON THE LIST: the bundle must carry it'}  (for {sorted(users)[0]}...)")
    return 1 if unlisted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
