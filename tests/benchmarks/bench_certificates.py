"""Certificates: signed, framed, QR-coded PDF vs a plain reportlab page with the same text.

The floor is what any PDF with this content costs: a reportlab canvas, the
same embedded Noto Sans SC faces, the same strings at the same sizes, drawn
with plain drawCentredString and the same stream encoding (Flate, no
ASCII85); no layout fitting, frame, QR code, signature or embedded
credential. Both write to files in the same temp folder.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from datetime import date
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from app.certificates.claims import Claims, canonical_bytes, new_certificate_number
from app.certificates.keys import CenterKeys
from app.certificates.pdf import LABELS, PAGE_H, PAGE_W, binary_streams, render_certificate
from app.fonts import register_reportlab_fonts
from app.i18n import format_date
from tests.benchmarks._report import report

BATCH = 200

CLAIMS = Claims(
    number=new_certificate_number("ZZ", date(2026, 11, 24), 1),
    learner_name="张伟", learner_login="zhangwei", course_id="robot-ops-101", course_version="1.2.0",
    course_title_en="Industrial Robot Operation & Programming", course_title_zh="工业机器人操作与编程",
    issued_on=date(2026, 11, 24), score=92.5, hours=16, modules_completed=6,
    expires_on=date(2029, 11, 24), center_id="0190a8f0-1234-7abc-8def-0123456789ab",
    center_name="Zhizao Academy Training Center", center_name_zh="智造学院培训中心",
)


def _claims(i: int) -> Claims:
    return dataclasses.replace(CLAIMS, number=new_certificate_number("ZZ", CLAIMS.issued_on, i))


def _ours(keys: CenterKeys, out: Path, i: int) -> None:
    claims = _claims(i)
    render_certificate(claims, keys.sign(canonical_bytes(claims)), out / f"ours-{i}.pdf", key_id=keys.key_id())


def _plain(out: Path, i: int) -> None:
    regular, bold = register_reportlab_fonts()
    claims = _claims(i)
    c = Canvas(str(out / f"plain-{i}.pdf"), pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    lines: list[tuple[str, str, float]] = [
        (regular, f"{claims.center_name_zh}  ·  {claims.center_name}", 11.5),
        (bold, LABELS["title"][0], 36), (regular, LABELS["title"][1].upper(), 12),
        (bold, claims.learner_name, 32), (bold, claims.course_title_zh, 21),
        (regular, claims.course_title_en, 13),
        (bold, format_date(claims.issued_on, "long", "zh_CN"), 13),
        (regular, format_date(claims.issued_on, "long", "en_GB"), 9.5),
        (bold, "92.5%", 16), (bold, "16", 16), (bold, "6", 16), (bold, claims.number, 15),
        (regular, format_date(claims.expires_on, "long", "zh_CN") if claims.expires_on else "", 9.5),
    ]
    lines += [(regular, f"{zh}  {en}", 8.5) for zh, en in LABELS.values()]
    y = PAGE_H - 60
    for font, text, size in lines:
        c.setFont(font, size)
        c.drawCentredString(PAGE_W / 2, y, text)
        y -= size + 6
    with binary_streams():  # the same stream encoding as the certificates
        c.showPage()
        c.save()


def _interleaved(ours, plain, rounds: int) -> tuple[float, float]:
    """Median ms of each, run alternately so load from other processes hits both alike."""
    a, b = [], []
    for i in range(rounds):
        for fn, acc in ((ours, a), (plain, b)) if i % 2 == 0 else ((plain, b), (ours, a)):
            t0 = time.perf_counter()
            fn(i)
            acc.append((time.perf_counter() - t0) * 1000)
    return statistics.median(a), statistics.median(b)


def test_bench_certificate_single(tmp_path):
    keys = CenterKeys.load_or_create(tmp_path / "keys")
    _ours(keys, tmp_path, 0)  # warm up: font registration, caches
    _plain(tmp_path, 0)
    ours, floor = _interleaved(lambda i: _ours(keys, tmp_path, 1), lambda i: _plain(tmp_path, 1), 41)
    report("certificate_single_pdf", ours, floor, note="sign + render + QR + embedded credential vs plain page")


def test_bench_certificate_batch(tmp_path):
    """Totals for BATCH certificates vs BATCH plain pages, alternating page by page."""
    keys = CenterKeys.load_or_create(tmp_path / "keys")
    _ours(keys, tmp_path, 0)
    _plain(tmp_path, 0)
    totals: list[tuple[float, float]] = []
    for _round in range(2):
        ours_ms = plain_ms = 0.0
        for i in range(BATCH):
            t0 = time.perf_counter()
            _ours(keys, tmp_path, i)
            t1 = time.perf_counter()
            _plain(tmp_path, i)
            t2 = time.perf_counter()
            ours_ms += (t1 - t0) * 1000
            plain_ms += (t2 - t1) * 1000
        totals.append((ours_ms, plain_ms))
    ours_ms, plain_ms = min(totals, key=lambda t: t[0] + t[1])
    report(f"certificate_batch_{BATCH}", ours_ms, plain_ms, note=f"{BATCH} certificates, one file each")
