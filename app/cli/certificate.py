"""`zhizao certificate verify|export-key|import-key`: offline certificate checks.

Verification needs no database: the trusted keys are files under
``<data>/keys`` (this center's public key and ``trusted/*.pem``), plus any
``--trust FILE.pem`` given on the command line. Exit codes of ``verify``:
0 valid, 3 expired, 4 revoked, 5 unknown issuer, 6 tampered, 7 unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import CliError
from app.i18n import _

EXIT_CODES = {"valid": 0, "expired": 3, "revoked": 4, "unknown_issuer": 5, "tampered": 6, "unreadable": 7}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("certificate", help=_("verify certificates and manage the signing key"))
    sub = p.add_subparsers(dest="certificate_cmd", required=True, metavar="COMMAND")

    v = sub.add_parser("verify", help=_("check a certificate PDF, QR text, photo of the QR, or badge JSON"))
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", metavar="FILE.pdf", help=_("certificate PDF"))
    src.add_argument("--qr", metavar="TEXT", help=_("text of the QR code (ZZC1:…)"))
    src.add_argument("--image", metavar="IMAGE", help=_("photo or scan of the QR code"))
    src.add_argument("--badge", metavar="FILE.json", help=_("Open Badges 3.0 credential"))
    v.add_argument("--trust", metavar="KEY.pem", action="append", default=[],
                   help=_("also trust this issuer public key (repeatable)"))
    v.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    e = sub.add_parser("export-key", help=_("write this center's public key for employers"))
    e.add_argument("-o", "--output", required=True, metavar="FILE.pem")

    i = sub.add_parser("import-key", help=_("trust another center's exported public key"))
    i.add_argument("key", metavar="KEY.pem")
    i.add_argument("--name", help=_("short name for the issuer (default: the file name)"))
    p.set_defaults(func=run)


def _keys_dir(args: argparse.Namespace) -> Path:
    from app.paths import default_data_dir

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    return data_dir / "keys"


def run(args: argparse.Namespace) -> int:
    if args.certificate_cmd == "verify":
        return _verify(args)
    if args.certificate_cmd == "export-key":
        return _export_key(args)
    return _import_key(args)


def _trusted(args: argparse.Namespace):
    from app.certificates.keys import KeyFileError, TrustedIssuers, TrustedKey, load_public_key

    issuers = TrustedIssuers.load(_keys_dir(args))
    for problem in issuers.problems:
        print(_("warning: {problem}").format(problem=problem), file=sys.stderr)
    for path in args.trust:
        try:
            issuers.add(TrustedKey(load_public_key(Path(path)), Path(path).stem))
        except KeyFileError as exc:
            raise CliError(str(exc), 2) from None
    return issuers


def _verify(args: argparse.Namespace) -> int:
    from app.certificates.verify import claims_rows, verify_image, verify_pdf, verify_qr_text

    for given in (args.file, args.image, args.badge):
        if given is not None and not Path(given).is_file():
            raise CliError(_("{path}: no such file").format(path=given), 2)
    issuers = _trusted(args)
    # Revocations live in the center's store; this offline check reports revoked
    # only when the store integration passes a lookup (see app.certificates.verify).
    if args.qr is not None:
        result = verify_qr_text(args.qr, issuers)
    elif args.image is not None:
        result = verify_image(Path(args.image), issuers)
    elif args.badge is not None:
        result = _verify_badge(Path(args.badge), issuers)
    else:
        result = verify_pdf(Path(args.file), issuers)

    if args.json:
        out = {"status": result.status, "message": result.message, "issuer": result.issuer,
               "fingerprint": result.fingerprint, "revocation_reason": result.revocation_reason,
               "notes": list(result.notes),
               "claims": result.claims.to_json_dict() if result.claims else None}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(result.message)  # starts with the status word (Valid:, Tampered: …)
        if result.claims is not None:
            rows = claims_rows(result.claims)
            width = max(len(label) for label, _value in rows)
            for label, value in rows:
                print(f"  {label.ljust(width)}  {value}")
        if result.fingerprint:
            print("  " + _("Signed by key {name}, SHA-256 {fp}").format(name=result.issuer, fp=result.fingerprint))
        for note in result.notes:
            print("  - " + note)
    return EXIT_CODES[result.status]


def _verify_badge(path: Path, issuers):
    from app.certificates.badge import verify_open_badge
    from app.certificates.verify import Verification

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Verification("unreadable", None, _("Unreadable: {path} is not JSON ({error})").format(
            path=path, error=exc))
    return verify_open_badge(doc, issuers)


def _export_key(args: argparse.Namespace) -> int:
    from app.certificates.keys import CenterKeys, KeyFileError

    try:
        keys = CenterKeys.load_or_create(_keys_dir(args))
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    out = keys.export_public_key(Path(args.output))
    print(_("Wrote the public key to {path}").format(path=out))
    print(_("SHA-256 fingerprint: {fp}").format(fp=keys.fingerprint()))
    return 0


def _import_key(args: argparse.Namespace) -> int:
    from app.certificates.keys import KeyFileError, import_trusted_key

    try:
        key = import_trusted_key(Path(args.key), _keys_dir(args), args.name)
    except KeyFileError as exc:
        raise CliError(str(exc), 2) from None
    print(_("Now trusting {name}, SHA-256 fingerprint {fp}").format(name=key.name, fp=key.fingerprint))
    return 0
