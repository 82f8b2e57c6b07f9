"""Screenshots of the certificate verification page in both languages (docs/screenshots/verifier-page-*.png).

Run from the repository root (needs Debian's chromium and chromium-driver)::

    .venv/bin/python docs/screenshots/verifier_shots.py docs/screenshots

A demo center key signs the sample certificate of the tests; the page is the one
``zhizao certificate verifier-page`` writes, opened from file:// in headless Chromium, with the
certificate's QR text pasted and checked.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.verifier

from app.certificates.keys import CenterKeys
from app.certificates.verifier.page import write_page
from tests.verifier import browser
from tests.verifier.vectors import base_claims, page_data, signed


def main(out_dir: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    tmp = Path(tempfile.mkdtemp())
    keys = CenterKeys.load_or_create(tmp / "keys")
    page = write_page(tmp / "verify.html", page_data(keys))
    text = signed(keys, base_claims(number="ZZ-2026-7K3F-9Q2M"))
    d = browser.start(window=(900, 1300))
    try:
        for lang, name in (("en", "en"), ("zh_CN", "zh")):
            d.get(page.as_uri())
            d.find_element("css selector", f".lang button[data-lang='{lang}']").click()
            d.execute_script("document.getElementById('qr-text').value = arguments[0]", text)
            d.find_element("id", "verify-text").click()
            WebDriverWait(d, 30).until(lambda d: d.find_elements("css selector", "#verdict"))
            d.save_screenshot(str(out_dir / f"verifier-page-{name}.png"))
    finally:
        d.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
