"""The center's Ed25519 signing key and the set of issuers a verifier trusts.

Layout under ``<data>/keys`` (folder mode 0700)::

    center_ed25519.pem        private key, PKCS#8 PEM, mode 0600
    center_ed25519.pub.pem    public key, SubjectPublicKeyInfo PEM
    trusted/*.pem             public keys of other centers this PC accepts
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.atomic import write_atomic
from app.i18n import _

log = logging.getLogger(__name__)

PRIVATE_NAME = "center_ed25519.pem"
PUBLIC_NAME = "center_ed25519.pub.pem"
TRUSTED_DIR = "trusted"
KEY_ID_LEN = 8  # bytes of the SHA-256 fingerprint carried in every QR payload


class KeyFileError(Exception):
    """A key file is missing, unreadable or not an Ed25519 key (message names the file)."""


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """First bytes of the fingerprint: tells which issuer signed, before verifying."""
    return hashlib.sha256(raw_public_bytes(public_key)).digest()[:KEY_ID_LEN]


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, upper-case hex in groups of four."""
    digest = hashlib.sha256(raw_public_bytes(public_key)).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (text before the PEM block is allowed)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: {exc.strerror or exc}") from None
    return public_key_from_pem(data, str(path))


def public_key_from_pem(data: bytes, origin: str = "key") -> Ed25519PublicKey:
    start = data.find(b"-----BEGIN")
    try:
        key = serialization.load_pem_public_key(data[start:] if start >= 0 else data)
    except ValueError:
        raise KeyFileError(_("{file}: not a PEM public key").format(file=origin)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(_("{file}: not an Ed25519 key").format(file=origin))
    return key


def _secure_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o700)


def _write_new(path: Path, data: bytes, mode: int) -> bool:
    """Write ``path`` atomically with ``mode`` unless it exists; True if we wrote it.

    The temp file is opened with ``mode`` from the start (never readable by
    others, whatever the umask) and hard-linked into place, so two processes
    starting at once cannot both install a key: the loser keeps the winner's.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except (AttributeError, NotImplementedError, PermissionError):
            if path.exists():  # no hard links here (some Windows shares): best effort
                return False
            os.replace(tmp, path)
        return True
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_replace(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomic write of a public file (a unique temp name: writers may race)."""
    write_atomic(path, data, mode=mode)


@dataclass(frozen=True)
class CenterKeys:
    """This center's signing key pair."""

    private_key: Ed25519PrivateKey
    key_dir: Path

    @classmethod
    def load_or_create(cls, key_dir: Path) -> CenterKeys:
        """Load the key pair, making one on first use (private key file mode 0600)."""
        key_dir = Path(key_dir)
        _secure_dir(key_dir)
        priv_path = key_dir / PRIVATE_NAME
        if not priv_path.exists():
            fresh = Ed25519PrivateKey.generate()
            pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
            if _write_new(priv_path, pem, 0o600):
                log.info("created the center signing key %s", priv_path)
        keys = cls(private_key=cls._read_private(priv_path), key_dir=key_dir)
        pub_path = key_dir / PUBLIC_NAME
        if not pub_path.exists() or pub_path.read_bytes() != keys.public_pem():
            _write_replace(pub_path, keys.public_pem())
        return keys

    @staticmethod
    def _read_private(path: Path) -> Ed25519PrivateKey:
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            log.warning("%s was readable by others; restricting it to 0600", path)
            os.chmod(path, 0o600)
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as exc:
            raise KeyFileError(f"{path}: {exc.strerror or exc}") from None
        except (ValueError, TypeError):
            raise KeyFileError(_("{file}: not an unencrypted PEM private key").format(file=path)) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(_("{file}: not an Ed25519 key").format(file=path))
        return key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        """64-byte Ed25519 signature."""
        return self.private_key.sign(data)

    def public_pem(self) -> bytes:
        return public_pem(self.public_key)

    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def key_id(self) -> bytes:
        return key_id(self.public_key)

    def export_public_key(self, out_path: Path, center_name: str = "") -> Path:
        """Write the public key for employers: a short header, then the PEM block."""
        out_path = Path(out_path)
        header = "Zhizao Academy certificate issuer public key\n"
        if center_name:
            header += f"Center: {center_name}\n"
        header += f"SHA-256 fingerprint: {self.fingerprint()}\n\n"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_bytes(header.encode("utf-8") + self.public_pem())
        return out_path


@dataclass(frozen=True)
class TrustedKey:
    public_key: Ed25519PublicKey
    name: str  # file stem or "this center"

    @property
    def key_id(self) -> bytes:
        return key_id(self.public_key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


class TrustedIssuers:
    """The public keys whose certificates this verifier accepts."""

    def __init__(self, keys: Iterable[TrustedKey | Ed25519PublicKey] = ()) -> None:
        self._keys: list[TrustedKey] = []
        self.problems: list[str] = []  # unreadable files skipped by load()
        for k in keys:
            self.add(k)

    def add(self, key: TrustedKey | Ed25519PublicKey, name: str = "") -> None:
        entry = key if isinstance(key, TrustedKey) else TrustedKey(key, name or fingerprint(key)[:9])
        if all(raw_public_bytes(e.public_key) != raw_public_bytes(entry.public_key) for e in self._keys):
            self._keys.append(entry)

    @classmethod
    def load(cls, key_dir: Path, own: CenterKeys | None = None) -> TrustedIssuers:
        """Own key (passed in, or its public PEM if present) plus ``trusted/*.pem``.

        Never creates a key: verifying on an employer's PC must not make one.
        """
        key_dir = Path(key_dir)
        issuers = cls()
        if own is not None:
            issuers.add(TrustedKey(own.public_key, "this center"))
        elif (key_dir / PUBLIC_NAME).is_file():
            try:
                issuers.add(TrustedKey(load_public_key(key_dir / PUBLIC_NAME), "this center"))
            except KeyFileError as exc:
                issuers.problems.append(str(exc))
        for path in sorted((key_dir / TRUSTED_DIR).glob("*.pem")):
            try:
                issuers.add(TrustedKey(load_public_key(path), path.stem))
            except KeyFileError as exc:
                log.warning("skipping trusted key: %s", exc)
                issuers.problems.append(str(exc))
        return issuers

    def with_key_id(self, kid: bytes) -> list[TrustedKey]:
        return [k for k in self._keys if k.key_id == kid]

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def as_issuers(keys: TrustedIssuers | Iterable[TrustedKey | Ed25519PublicKey]) -> TrustedIssuers:
    return keys if isinstance(keys, TrustedIssuers) else TrustedIssuers(keys)


def import_trusted_key(pem_path: Path, key_dir: Path, name: str | None = None) -> TrustedKey:
    """Copy another center's exported public key into ``trusted/`` after checking it."""
    public_key = load_public_key(pem_path)
    trusted = Path(key_dir) / TRUSTED_DIR
    trusted.mkdir(parents=True, exist_ok=True)
    stem = name or Path(pem_path).stem
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "issuer"
    _write_replace(trusted / f"{safe}.pem", Path(pem_path).read_bytes())
    return TrustedKey(public_key, safe)
