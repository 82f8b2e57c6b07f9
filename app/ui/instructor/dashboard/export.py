"""Writing what the dashboard shows: tables as CSV or XLSX, charts as PNG.

Files are written to ``<name>.part`` and moved into place, so a failed export
never leaves half a file under the chosen name. Errors become ExportError
with a translated message.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.atomic import write_via
from app.i18n import _

SHEET_FORBIDDEN = set('[]:*?/\\')


class ExportError(Exception):
    """An export that could not be written; the message says why (translated)."""


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    number_formats: Sequence[str | None] = ()


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """UTF-8 with a byte-order mark, so Excel on a Chinese Windows shows the names right."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(headers)
            for row in rows:
                out.writerow(["" if v is None else v for v in row])

    return write_via(path, write, ExportError)


def sheet_title(title: str, taken: set[str]) -> str:
    """An Excel-safe, unique sheet name (31 characters, none of []:*?/\\)."""
    base = "".join(c for c in title if c not in SHEET_FORBIDDEN).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """One worksheet per table, typed values with number formats, bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        taken: set[str] = set()
        for sheet in sheets:
            ws = wb.create_sheet(sheet_title(sheet.title, taken))
            ws.append(list(sheet.headers))
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in sheet.rows:
                ws.append([_cell(v) for v in row])
            ws.freeze_panes = "A2"
            formats = list(sheet.number_formats)
            for idx, col in enumerate(ws.iter_cols(min_row=1), start=1):
                fmt = formats[idx - 1] if idx - 1 < len(formats) else None
                width = 0
                for cell in col:
                    width = max(width, _width(cell.value))
                    if cell.row == 1:
                        continue
                    if fmt and isinstance(cell.value, int | float):
                        cell.number_format = fmt
                    elif isinstance(cell.value, dt.datetime):
                        cell.number_format = "yyyy-mm-dd hh:mm"
                    elif isinstance(cell.value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
                ws.column_dimensions[get_column_letter(idx)].width = min(60, max(8, width + 2))
        if not sheets:
            wb.create_sheet("Sheet")
        wb.save(tmp)

    return write_via(path, write, ExportError)


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None, microsecond=0)  # Excel has no time zones: local time
    return value


def _width(value: Any) -> int:
    if value is None:
        return 0
    text = str(value)
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)  # a CJK character is two columns wide


def save_png(plot_item, path: Path, width: int | None = None) -> Path:
    """The chart as a PNG image at least 1000 px wide (scaled from the chart on screen)."""
    from pyqtgraph.exporters import ImageExporter

    def write(tmp: Path) -> None:
        exporter = ImageExporter(plot_item)
        params = exporter.parameters()
        current = int(params["width"])
        if current <= 0 or int(params["height"]) <= 0:
            raise OSError(0, _("the chart has no size yet; show it first"))
        params.param("width").setValue(max(width or 1000, current))  # the height follows the aspect ratio
        image = exporter.export(toBytes=True)
        if image is None or image.isNull() or not image.save(str(tmp), "PNG"):
            raise OSError(0, _("the image could not be written"))

    return write_via(path, write, ExportError)
