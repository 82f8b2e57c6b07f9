"""Does the certificate page show what was signed? Compare it with the page we would draw.

A valid signature only proves the embedded data; an employer reads the page.
The verifier draws the page again from the signed claims (the renderer is
deterministic) and compares it with the page it was given, two ways:

* **pixels** — both pages rasterised, the given one aligned on the
  certificate's navy frame (so a printout with margins, a scan at another
  resolution or slightly skewed still lines up), ink compared region by
  region. The fixed labels are the control: when even they disagree the page
  is too unclear (a poor scan), and the result is "not compared", never
  "differs";
* **text layer** — what a program reads from the page: every character the
  given page carries must be one our page carries (no text drawn over text,
  no hidden or white or clipped additions). Image-only pages (printouts,
  scans) have no text to compare; an all-invisible layer over an image is a
  scanner's OCR and is left alone.

Qt-free; pypdfium2 renders, numpy compares.
"""

from __future__ import annotations

import io
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from app.certificates.claims import Claims
from app.certificates.pdf_draw import PAGE_H, Box
from app.i18n import N_, _

DPI = 150
INK = 170          # grey level below which a pixel is ink (the gold labels are ~142, paper ~250)
FRAME = 110        # the navy frame (~54) and black QR, not the gold or muted labels
TOLERANCE_PX = 2   # ink may move this far (alignment, anti-aliasing) and still match
PAD_PX = 4         # around each drawn box
WINDOW_PT = 12     # about one character of the details
PATCH_PX = 40      # differing pixels in one window that make a difference (at DPI)
IGNORED = {"signer", "emblem"}  # drawn from settings that are not signed
PIXELS_IGNORED = IGNORED | {"key"}  # 5.5 pt hex blurs in any scan; the QR carries the key id anyway
FRAME_BAND_PT = 42  # the frame, its hairlines and corner diamonds: the same on every page, and thin
                    # gold hairlines come out lighter or darker than the ink level at each resolution

log = logging.getLogger(__name__)

Outcome = Literal["matches", "differs", "not_compared"]

FIELD_NAMES: dict[str, str] = {
    "name": N_("name"),
    "course": N_("course"),
    "date": N_("date"),
    "score": N_("score"),
    "hours": N_("hours"),
    "modules": N_("modules completed"),
    "number": N_("certificate number"),
    "expires": N_("valid until"),
    "issuer": N_("issuer"),
    "statement": N_("statement of completion"),
    "qr": N_("QR code"),
    "key": N_("issuer key"),
    "label": N_("printed labels"),
    "elsewhere": N_("marks elsewhere on the page"),
    "hidden": N_("hidden text"),
    "text": N_("text layer"),
    "pages": N_("other pages of the file"),
}


def field_name(tag: str) -> str:
    return _(FIELD_NAMES.get(tag, tag))


@dataclass(frozen=True)
class PageComparison:
    outcome: Outcome
    fields: tuple[str, ...] = ()   # tags of FIELD_NAMES that differ, in page order
    reason: str = ""               # why it was not compared (translated)
    notes: tuple[str, ...] = field(default=())
    stats: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)  # tag: (worst, limit)

    @property
    def field_names(self) -> list[str]:
        return [field_name(t) for t in self.fields]


@dataclass(frozen=True)
class ExpectedPage:
    pdf: bytes
    boxes: tuple[tuple[str, Box], ...]
    locale: str


def expected_page(claims: Claims, signature: bytes, key_id: bytes, locale: str) -> ExpectedPage:
    """The page our renderer draws for these signed claims, with where each fact sits."""
    from app.certificates.pdf import render_certificate

    out = io.BytesIO()
    layout: list[tuple[str, Box]] = []
    render_certificate(claims, signature, out, key_id=key_id, locale=locale, layout=layout)
    return ExpectedPage(out.getvalue(), tuple(layout), locale)


# --- rasterising and aligning ------------------------------------------------------------------------

def _render(pdf, index: int, dpi: float) -> np.ndarray:
    page = pdf[index]
    try:
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        page.close()
    return np.asarray(img, dtype=np.uint8)


def _skew_degrees(grey: np.ndarray) -> float | None:
    """Angle of the frame's top edge, from the first frame-dark pixel in columns across the middle."""
    dark = grey < FRAME
    h, w = dark.shape
    xs, ys = [], []
    for x in range(int(w * 0.25), int(w * 0.75), 3):
        col = dark[: h // 3, x]
        if col.any():
            xs.append(x)
            ys.append(int(col.argmax()))
    if len(xs) < 20:
        return None
    ys_arr, xs_arr = np.asarray(ys, float), np.asarray(xs, float)
    keep = np.abs(ys_arr - np.median(ys_arr)) < max(6.0, h * 0.02)  # ignore columns where text comes first
    if keep.sum() < 20:
        return None
    slope = np.polyfit(xs_arr[keep], ys_arr[keep], 1)[0]
    return math.degrees(math.atan(slope))


def _frame_box(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """Outer edges of the certificate's frame: the outermost long dark rows and columns."""
    dark = grey < FRAME
    h, w = dark.shape
    rows = np.flatnonzero(dark.sum(axis=1) > 0.45 * w)
    cols = np.flatnonzero(dark.sum(axis=0) > 0.45 * h)
    if len(rows) < 2 or len(cols) < 2:
        return None
    box = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
    if box[2] - box[0] < w * 0.3 or box[3] - box[1] < h * 0.3:
        return None
    return box


def _normalised(grey: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """The page straightened (a scan is often a little skewed) and its frame box."""
    from PIL import Image

    skew = _skew_degrees(grey)
    if skew is not None and 0.05 < abs(skew) < 3:
        grey = np.asarray(Image.fromarray(grey).rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255),
                          dtype=np.uint8)
    return grey, _frame_box(grey)


def _aligned(observed: np.ndarray, frame: tuple[int, int, int, int], target: tuple[int, int, int, int],
             size: tuple[int, int]) -> np.ndarray:
    """``observed`` resampled so that its frame lands on ``target`` in an image of ``size``."""
    from PIL import Image

    if frame == target and observed.shape == (size[1], size[0]):
        return observed  # our own page at our resolution: the identity transform, ~45 ms of resampling
    sx = (frame[2] - frame[0]) / (target[2] - target[0])
    sy = (frame[3] - frame[1]) / (target[3] - target[1])
    data = (sx, 0, frame[0] - target[0] * sx, 0, sy, frame[1] - target[1] * sy)
    img = Image.fromarray(observed).transform(size, Image.Transform.AFFINE, data,
                                              resample=Image.Resampling.BILINEAR, fillcolor=255)
    return np.asarray(img, dtype=np.uint8)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        for d in range(1, r + 1):
            grown[(slice(d, None),) if axis == 0 else (slice(None), slice(d, None))] |= \
                out[(slice(None, -d),) if axis == 0 else (slice(None), slice(None, -d))]
            grown[(slice(None, -d),) if axis == 0 else (slice(None), slice(None, -d))] |= \
                out[(slice(d, None),) if axis == 0 else (slice(None), slice(d, None))]
        out = grown
    return out


def _px(box: Box, shape: tuple[int, int], dpi: float) -> tuple[slice, slice]:
    k = dpi / 72
    h, w = shape
    x0, y0, x1, y1 = box
    top, bottom = int((PAGE_H - y1) * k) - PAD_PX, int(math.ceil((PAGE_H - y0) * k)) + PAD_PX
    left, right = int(x0 * k) - PAD_PX, int(math.ceil(x1 * k)) + PAD_PX
    return slice(max(0, top), min(h, bottom)), slice(max(0, left), min(w, right))


# --- the comparisons -----------------------------------------------------------------------------------

def compare_pixels(observed_page: np.ndarray, expected: np.ndarray, boxes: Iterable[tuple[str, Box]],
                   dpi: float = DPI) -> PageComparison:
    """Ink of the given page (any resolution, aligned here) against our page rendered at ``dpi``.

    A difference is a dense patch of ink that one page has and the other
    lacks within :data:`TOLERANCE_PX`: any window of :data:`WINDOW_PT`
    holding :data:`PATCH_PX` such pixels. One changed digit of a 13 pt date
    makes about twice that; printing, rescanning and JPEG about half.
    """
    target = _frame_box(expected)
    if target is None:  # our own page always has its frame
        raise AssertionError("the expected page has no frame")
    observed, frame = _normalised(observed_page)
    if frame is None:
        return PageComparison("not_compared", reason=_("the certificate's frame was not found on the page"))
    ratio = ((frame[2] - frame[0]) / (frame[3] - frame[1])) / ((target[2] - target[0]) / (target[3] - target[1]))
    if abs(ratio - 1) > 0.02:
        return PageComparison("not_compared", reason=_("the page is stretched or cut off"))
    aligned = _aligned(observed, frame, target, (expected.shape[1], expected.shape[0]))
    ink_e, ink_o = expected < INK, aligned < INK
    bad = (ink_o & ~_dilate(ink_e, TOLERANCE_PX)) | (ink_e & ~_dilate(ink_o, TOLERANCE_PX))
    band = int(FRAME_BAND_PT * dpi / 72)
    bad[:band, :] = bad[-band:, :] = bad[:, :band] = bad[:, -band:] = False
    regions = [(tag, _px(box, expected.shape, dpi)) for tag, box in boxes]
    for tag, region in regions:
        if tag in PIXELS_IGNORED:
            bad[region] = False

    window = max(4, int(WINDOW_PT * dpi / 72))
    covered = np.zeros_like(bad)
    worst: dict[str, int] = {}
    for tag, region in regions:  # each region on its own: a change next to a label is not the label's
        covered[region] = True
        if tag not in PIXELS_IGNORED:
            worst[tag] = max(worst.get(tag, 0), _densest(bad[region], window))
    worst["elsewhere"] = _densest(bad & ~covered, window)
    stats = {tag: (value, PATCH_PX) for tag, value in worst.items()}
    if worst.get("label", 0) >= PATCH_PX:  # even the fixed labels differ: a poor scan, not evidence
        return PageComparison("not_compared", reason=_("the page image is too unclear to compare"), stats=stats)
    differing = tuple(tag for tag, value in worst.items() if value >= PATCH_PX)
    if differing:
        return PageComparison("differs", differing, stats=stats)
    return PageComparison("matches", stats=stats)


def _densest(mask: np.ndarray, size: int) -> int:
    """Most set pixels in any ``size``×``size`` window of ``mask`` (smaller masks: all of it)."""
    if not mask.any():
        return 0
    size = min(size, *mask.shape)
    ii = np.pad(mask.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return int((ii[size:, size:] - ii[:-size, size:] - ii[size:, :-size] + ii[:-size, :-size]).max())


def _chars(textpage) -> list[tuple[str, tuple[float, float, float, float], bool]]:
    """(character, box, visible) of every character pdfium extracts, spaces left out."""
    import pypdfium2.raw as raw

    out = []
    for i in range(textpage.count_chars()):
        code = raw.FPDFText_GetUnicode(textpage, i)
        ch = chr(code) if code else ""
        if not ch or ch.isspace() or code in (0xFFFE, 0xFFFF):
            continue
        obj = raw.FPDFText_GetTextObject(textpage, i)
        mode = raw.FPDFTextObj_GetTextRenderMode(obj) if obj else 0
        visible = mode not in (3, 7)  # invisible, and invisible + clip
        out.append((ch, tuple(textpage.get_charbox(i)), visible))
    return out


def compare_text(observed_chars, expected_chars, boxes: Iterable[tuple[str, Box]]) -> PageComparison | None:
    """The given page's text layer against ours; None when it has no text of its own to compare."""
    if not observed_chars:
        return None  # image only: a printout or a scan
    if not any(visible for _ch, _box, visible in observed_chars):
        return PageComparison("matches", notes=(_("the page's invisible (OCR) text layer was not compared"),))
    boxes = list(boxes)
    have = Counter(ch for ch, _box, _v in expected_chars)
    differing: list[str] = []
    for ch, box, visible in observed_chars:
        if not visible:  # our renderer never draws invisible text
            differing.append("hidden")
        elif have[ch] > 0:
            have[ch] -= 1
        else:
            differing.append(_tag_at(box, boxes))
    if sum(have.values()) > 0:
        differing.append("text")
    if not differing:
        return PageComparison("matches")
    if "label" in differing:  # the fixed labels are not ours: another layout, not evidence
        return PageComparison("not_compared", reason=_("the page's printed labels are not this version's"))
    return PageComparison("differs", tuple(dict.fromkeys(differing)))


def _tag_at(box, boxes: list[tuple[str, Box]]) -> str:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for tag, (x0, y0, x1, y1) in boxes:
        if x0 - 3 <= cx <= x1 + 3 and y0 - 3 <= cy <= y1 + 3 and tag not in IGNORED:
            return tag
    return "elsewhere"


def compare_document(path, page_index: int, expected: ExpectedPage) -> PageComparison:
    """Both comparisons of page ``page_index`` of the PDF at ``path`` against ``expected``."""
    result = _compare_document(path, page_index, expected, defer_unclear=False)
    assert isinstance(result, PageComparison)
    return result


def _compare_document(path, page_index: int, expected: ExpectedPage,
                      defer_unclear: bool) -> PageComparison | Callable[[], PageComparison]:
    """:func:`compare_document`; with ``defer_unclear``, when the text layer alone already makes it
    "not compared" (the other language's labels), a function that finishes it: that result is only
    shown when no language matches or differs, and the pixels were half of verifying an English page."""
    import pypdfium2 as pdfium

    ours = pdfium.PdfDocument(expected.pdf)
    theirs = pdfium.PdfDocument(str(path))
    try:
        ours_text, theirs_text = ours[0].get_textpage(), theirs[page_index].get_textpage()
        try:
            text = compare_text(_chars(theirs_text), _chars(ours_text), expected.boxes)
        finally:
            ours_text.close()
            theirs_text.close()
        if defer_unclear and text is not None and text.outcome == "not_compared":
            return lambda: compare_document(path, page_index, expected)
        exp_img = _render(ours, 0, DPI)
        pixels = _compare_raster(_render(theirs, page_index, DPI), exp_img, expected.boxes,
                                 lambda scale: _render(theirs, page_index, DPI * scale))
    finally:
        ours.close()
        theirs.close()
    return merge(pixels, text)


def compare_image(image, expected: ExpectedPage) -> PageComparison:
    """A scan or photo of the whole page (a PIL image) against ``expected``, by pixels only."""
    import pypdfium2 as pdfium
    from PIL import Image

    ours = pdfium.PdfDocument(expected.pdf)
    try:
        exp_img = _render(ours, 0, DPI)
    finally:
        ours.close()
    grey = image.convert("L")
    first = np.asarray(grey, dtype=np.uint8)

    def resized(scale: float) -> np.ndarray:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        return np.asarray(grey.resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC),
                          dtype=np.uint8)

    return _compare_raster(first, exp_img, expected.boxes, resized, relative=True)


def _compare_raster(first: np.ndarray, exp_img: np.ndarray, boxes, again, relative: bool = False) -> PageComparison:
    """Pixels of ``first`` against ``exp_img``, turned and rescaled as needed.

    ``again(scale)`` gives the page at ``scale`` times the DPI (a PDF page is
    rendered again, an image resized; with ``relative`` the scale is relative
    to ``first``), so its frame comes out at our size: a print with margins
    is smaller, a 300 dpi scan larger.
    """
    landscape = exp_img.shape[1] >= exp_img.shape[0]
    # A scan may lie on its side or upside down; the wrong turn fails the label control.
    turns = (0, 2) if (first.shape[1] >= first.shape[0]) == landscape else (1, 3)
    target = _frame_box(exp_img)
    result = PageComparison("not_compared", reason=_("the certificate's frame was not found on the page"))
    for turn in turns:
        observed = np.ascontiguousarray(np.rot90(first, turn))
        frame = _normalised(observed)[1]
        if frame is not None and target is not None:
            scale = (target[2] - target[0]) / (frame[2] - frame[0])
            if abs(scale - 1) > 0.03 and 0.1 < scale < 10:
                observed = np.ascontiguousarray(np.rot90(again(scale), turn))
        result = compare_pixels(observed, exp_img, boxes)
        if result.outcome != "not_compared":
            break
    return result


def merge(pixels: PageComparison, text: PageComparison | None) -> PageComparison:
    """A difference in either wins; the text layer alone cannot vouch for what is seen."""
    if text is None:
        return pixels
    notes = pixels.notes + text.notes
    if "not_compared" in (pixels.outcome, text.outcome):  # another layout or an unclear page
        reason = pixels.reason or text.reason
        return PageComparison("not_compared", reason=reason, notes=notes, stats=pixels.stats)
    if text.outcome == "differs" or pixels.outcome == "differs":
        tags = tuple(dict.fromkeys(pixels.fields + text.fields))
        return PageComparison("differs", tags, notes=notes, stats=pixels.stats)
    return PageComparison(pixels.outcome, reason=pixels.reason, notes=notes, stats=pixels.stats)


def other_pages_with_content(path, certificate_page: int) -> list[int]:
    """Indexes of pages besides the certificate's that show anything (a blank scanned back side does not)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        found = []
        for index in range(len(pdf)):
            if index != certificate_page and (_render(pdf, index, 50) < INK).mean() > 0.002:
                found.append(index)
        return found
    finally:
        pdf.close()


LOCALES = ("zh_CN", "en")  # the page leads with either language; try both


def compare_certificate_image(image, claims: Claims, signature: bytes, key_id: bytes) -> PageComparison:
    """:func:`compare_certificate_page` for a scan or photo of the page (PIL image); never raises."""
    return _in_any_language(lambda exp: compare_image(image, exp), claims, signature, key_id, "an image")


def compare_certificate_page(path, page_index: int, claims: Claims, signature: bytes,
                             key_id: bytes, layout: str | None = None) -> PageComparison:
    """Compare page ``page_index`` of the PDF with our page for these claims, in whichever language leads.

    ``layout`` is the layout version the PDF says it was drawn with (None for
    a printout or scan, which carry none): another version than ours is not
    compared. Never raises: anything that stops the comparison (a page our
    fonts cannot draw, a renderer error) gives "not compared".
    """
    from app.certificates.pdf_draw import LAYOUT_VERSION

    if layout is not None and layout != LAYOUT_VERSION:
        return PageComparison("not_compared", reason=_(
            "the certificate was drawn by another version of the app (layout {version})").format(version=layout))

    return _in_any_language(lambda exp: _compare_document(path, page_index, exp, defer_unclear=True),
                            claims, signature, key_id, path)


def _in_any_language(compare, claims: Claims, signature: bytes, key_id: bytes, what) -> PageComparison:
    """The first language's comparison that matches, else the differing one with the fewest differences,
    else the first language's; ``compare`` may hand back a function for a "not compared" result,
    called only if that result is the one returned."""
    from app.certificates.pdf_draw import CertificateRenderError

    results: list[PageComparison | Callable[[], PageComparison]] = []
    try:
        for locale in LOCALES:
            result = compare(expected_page(claims, signature, key_id, locale))
            if isinstance(result, PageComparison) and result.outcome == "matches":
                return result
            results.append(result)
        differing = [r for r in results if isinstance(r, PageComparison) and r.outcome == "differs"]
        if differing:  # the language whose fixed labels matched: the fewest differences
            return min(differing, key=lambda r: len(r.fields))
        first = results[0]
        return first if isinstance(first, PageComparison) else first()
    except CertificateRenderError as exc:
        return PageComparison("not_compared", reason=str(exc))
    except Exception as exc:
        log.warning("could not compare the page of %s", what, exc_info=True)
        return PageComparison("not_compared", reason=_("the page could not be rendered ({error})").format(error=exc))
